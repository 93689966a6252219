//! Writing the two output files so that a failure leaves any existing ones untouched: each
//! is written beside its destination under a temporary name, then renamed into place.
//! `processed_orders.csv` may instead go to stdout (`--output -`).

use crate::exit::{output, Failure};
use anyhow::Context;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use tiqets_domain::Outcome;

const BUFFER: usize = 1 << 20;

/// Where `processed_orders.csv` goes.
pub enum Sink<'a> {
    File(&'a Path),
    Stdout,
}

/// Writes the processed rows to `processed` and the issues to `issues`: both files appear
/// (or are replaced) only once both are complete.
pub fn write_all(processed: Sink<'_>, issues: &Path, outcome: &Outcome) -> Result<(), Failure> {
    let issues_tmp = TempFile::beside(issues)?;
    write_to(&issues_tmp.file, issues, |w| {
        tiqets_domain::write_issue_report(outcome.issues(), outcome.not_itemised(), w)
    })?;
    match processed {
        Sink::File(path) => {
            let tmp = TempFile::beside(path)?;
            write_to(&tmp.file, path, |w| {
                tiqets_domain::write_processed_parallel(outcome, w)
            })?;
            tmp.persist(path)?;
        }
        Sink::Stdout => {
            let mut w = BufWriter::with_capacity(BUFFER, std::io::stdout());
            tiqets_domain::write_processed_parallel(outcome, &mut w)
                .and_then(|_| w.flush())
                .context("cannot write to stdout")
                .map_err(output)?;
        }
    }
    issues_tmp.persist(issues)
}

fn write_to(
    file: &File,
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&File>) -> std::io::Result<()>,
) -> Result<(), Failure> {
    let mut w = BufWriter::with_capacity(BUFFER, file);
    write(&mut w)
        .and_then(|_| w.flush())
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(output)
}

/// A file beside its destination, removed unless persisted.
struct TempFile {
    path: PathBuf,
    file: File,
    persisted: bool,
}

impl TempFile {
    fn beside(dest: &Path) -> Result<TempFile, Failure> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create {}", dir.display()))
            .map_err(output)?;
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(".tiqets-{}-{n}.tmp", std::process::id()));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(TempFile {
                        path,
                        file,
                        persisted: false,
                    })
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(output(
                        anyhow::Error::new(e)
                            .context(format!("cannot create a file in {}", dir.display())),
                    ))
                }
            }
        }
    }

    fn persist(mut self, dest: &Path) -> Result<(), Failure> {
        std::fs::rename(&self.path, dest)
            .with_context(|| format!("cannot write {}", dest.display()))
            .map_err(output)?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
