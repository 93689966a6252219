//! `tiqets process`: one batch, embedded, same rules as the pipeline.

use crate::progress::Progress;
use anyhow::Context;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use tiqets_domain::{Issue, IssueCode, Outcome};

/// Issues printed one by one on stderr before the rest are only counted.
const ISSUES_SHOWN: usize = 20;

#[derive(clap::Args)]
pub struct Args {
    /// Folder holding orders.csv and barcodes.csv.
    #[arg(default_value = "data/input")]
    dir: PathBuf,
    /// orders.csv to read (default: DIR/orders.csv).
    #[arg(long)]
    orders: Option<PathBuf>,
    /// barcodes.csv to read (default: DIR/barcodes.csv).
    #[arg(long)]
    barcodes: Option<PathBuf>,
    /// Where to write the output rows.
    #[arg(long, default_value = "data/output/processed_orders.csv")]
    output: PathBuf,
    /// Where to write the issues (columns file,line,code,message).
    #[arg(long, default_value = "data/output/issues.csv")]
    issues: PathBuf,
    /// How many top customers to print.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// Print one JSON object on stdout instead of the text report.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let orders_path = args.orders.clone().unwrap_or(args.dir.join("orders.csv"));
    let barcodes_path = args
        .barcodes
        .clone()
        .unwrap_or(args.dir.join("barcodes.csv"));
    let orders = open(&orders_path)?;
    let barcodes = open(&barcodes_path)?;
    let progress = Progress::new(len_of(&orders) + len_of(&barcodes), false);
    let outcome = tiqets_domain::process_files(orders, barcodes, &|n| progress.add(n));
    progress.finish();
    let outcome =
        outcome.map_err(|e| anyhow::anyhow!("{}", with_path(&e, &orders_path, &barcodes_path)))?;

    write_atomically(&args.output, &args.issues, &outcome)?;
    report_issues(outcome.issues(), &args.issues);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        serde_json::to_writer(&mut out, &summary_json(&outcome, &args))?;
        writeln!(out)?;
    } else {
        for c in outcome.top_customers(args.top) {
            writeln!(out, "{}, {}", c.customer_id, c.tickets)?;
        }
        writeln!(out, "{}", outcome.unused_count())?;
    }
    Ok(())
}

fn open(path: &Path) -> anyhow::Result<File> {
    File::open(path).with_context(|| format!("cannot open {}", path.display()))
}

fn len_of(f: &File) -> u64 {
    f.metadata().map(|m| m.len()).unwrap_or(0)
}

/// The fatal error's message, naming the real path rather than the conventional file name.
fn with_path(e: &tiqets_domain::FatalError, orders: &Path, barcodes: &Path) -> String {
    let path = match e.file {
        tiqets_domain::FileKind::Orders => orders,
        tiqets_domain::FileKind::Barcodes => barcodes,
    };
    format!("{}: {}", path.display(), e.problem)
}

/// Writes both files next to their destinations, then renames them into place: a failure
/// leaves any existing output untouched.
fn write_atomically(output: &Path, issues: &Path, outcome: &Outcome) -> anyhow::Result<()> {
    let out_tmp = TempFile::beside(output)?;
    let mut w = BufWriter::with_capacity(1 << 20, &out_tmp.file);
    tiqets_domain::write_processed_parallel(outcome, &mut w)
        .and_then(|_| w.flush())
        .with_context(|| format!("cannot write {}", output.display()))?;
    drop(w);
    let issues_tmp = TempFile::beside(issues)?;
    let mut w = BufWriter::with_capacity(1 << 20, &issues_tmp.file);
    tiqets_domain::write_issues(outcome.issues(), &mut w)
        .and_then(|_| w.flush())
        .with_context(|| format!("cannot write {}", issues.display()))?;
    drop(w);
    out_tmp.persist(output)?;
    issues_tmp.persist(issues)
}

/// A file beside its destination, removed unless persisted.
struct TempFile {
    path: PathBuf,
    file: File,
    persisted: bool,
}

impl TempFile {
    fn beside(dest: &Path) -> anyhow::Result<TempFile> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
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
                    return Err(anyhow::Error::new(e)
                        .context(format!("cannot create a file in {}", dir.display())))
                }
            }
        }
    }

    fn persist(mut self, dest: &Path) -> anyhow::Result<()> {
        std::fs::rename(&self.path, dest)
            .with_context(|| format!("cannot write {}", dest.display()))?;
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

/// Logs the first issues on stderr, then a count per code.
fn report_issues(issues: &[Issue], issues_path: &Path) {
    if issues.is_empty() {
        return;
    }
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for issue in issues.iter().take(ISSUES_SHOWN) {
        let _ = writeln!(err, "{issue}");
    }
    if issues.len() > ISSUES_SHOWN {
        let _ = writeln!(
            err,
            "… and {} more issues, all listed in {}",
            issues.len() - ISSUES_SHOWN,
            issues_path.display()
        );
    }
    let counts = tiqets_domain::IssueCounts::from_issues(issues);
    let by_code: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(code, n)| format!("{n} {code}"))
        .collect();
    let _ = writeln!(err, "{} issues: {}", issues.len(), by_code.join(", "));
}

fn summary_json(outcome: &Outcome, args: &Args) -> serde_json::Value {
    let issues: serde_json::Map<String, serde_json::Value> = outcome
        .issue_counts()
        .iter()
        .map(|(code, n): (IssueCode, u64)| (code.as_str().to_string(), n.into()))
        .collect();
    serde_json::json!({
        "orders_written": outcome.orders_written(),
        "tickets": outcome.tickets(),
        "top_customers": outcome.top_customers(args.top),
        "unused_barcodes": outcome.unused_count(),
        "issues": issues,
        "output": args.output.display().to_string(),
        "issues_file": args.issues.display().to_string(),
    })
}
