//! The two inputs of `tiqets process`: files, or one of them on stdin (`-`).

use crate::exit::{input, Failure};
use crate::progress::Progress;
use anyhow::Context;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use tiqets_domain::{FileKind, IssueLimit, Outcome};

/// Where one input comes from.
pub enum Source {
    File(PathBuf),
    Stdin,
}

impl Source {
    /// `-` is stdin, anything else a path.
    pub fn new(path: PathBuf) -> Source {
        if is_stdin(&path) {
            Source::Stdin
        } else {
            Source::File(path)
        }
    }

    fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".to_string(),
        }
    }
}

/// An opened input and its length (0 for stdin: unknown).
enum Opened {
    File(File, u64),
    Stdin,
}

impl Opened {
    fn len(&self) -> u64 {
        match self {
            Opened::File(_, len) => *len,
            Opened::Stdin => 0,
        }
    }

    fn reader(self) -> Box<dyn Read + Send> {
        match self {
            Opened::File(f, _) => Box::new(f),
            Opened::Stdin => Box::new(std::io::stdin()),
        }
    }
}

fn open(source: &Source) -> Result<Opened, Failure> {
    match source {
        Source::Stdin => Ok(Opened::Stdin),
        Source::File(path) => {
            let f = File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))
                .map_err(input)?;
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            Ok(Opened::File(f, len))
        }
    }
}

/// Opens both inputs (both, before reading either) and applies the rules; a fatal problem
/// names the input it is in.
pub fn process(
    orders: &Source,
    barcodes: &Source,
    limit: IssueLimit,
    quiet: bool,
) -> Result<Outcome, Failure> {
    let (o, b) = (open(orders)?, open(barcodes)?);
    let progress = Progress::new(o.len() + b.len(), quiet);
    let count = |n| progress.add(n);
    let result = match (o, b) {
        // Both on disk: the domain also splits the barcodes file between the cores.
        (Opened::File(o, _), Opened::File(b, _)) => {
            tiqets_domain::process_files_with(limit, o, b, &count)
        }
        (o, b) => {
            let hints = (o.len(), b.len());
            tiqets_domain::process_with(limit, o.reader(), b.reader(), hints, &count)
        }
    };
    progress.finish();
    result.map_err(|e| {
        let source = match e.file {
            FileKind::Orders => orders,
            FileKind::Barcodes => barcodes,
        };
        input(anyhow::anyhow!("{}: {}", source.name(), e.problem))
    })
}

/// Whether `path` is `-`: stdin for an input (stdout for `--output`).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}
