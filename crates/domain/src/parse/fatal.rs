//! What makes a whole file unusable (`docs/processing-rules.md`, Fatal file errors).

use crate::issue::FileKind;

/// A problem that makes a whole file unusable (`docs/processing-rules.md`, Fatal file
/// errors): the batch fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {problem}", file.file_name())]
pub struct FatalError {
    pub file: FileKind,
    pub problem: FatalProblem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FatalProblem {
    #[error("missing required column {}", list(.missing))]
    MissingColumns {
        missing: Vec<&'static str>,
        found: Vec<String>,
    },
    #[error("the file is empty: no header line")]
    NoHeader,
    #[error("the header is not UTF-8 text (is this a CSV file?)")]
    HeaderNotText,
    #[error("the header cannot be read: {0}")]
    HeaderBroken(String),
    #[error("cannot read the file: {0}")]
    Unreadable(String),
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl FatalError {
    /// An I/O failure while reading `file`.
    pub fn unreadable(file: FileKind, err: impl std::fmt::Display) -> FatalError {
        FatalError {
            file,
            problem: FatalProblem::Unreadable(err.to_string()),
        }
    }
}
