//! Issues: what was wrong with a row, where, and how it is spelled.

use serde::{Deserialize, Serialize};
use std::fmt;

mod log;

pub use log::{IssueLimit, IssueLog, NotItemised};

/// Which input file a row or issue belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Orders,
    Barcodes,
}

impl FileKind {
    /// `orders` or `barcodes`, as written in `issues.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Orders => "orders",
            FileKind::Barcodes => "barcodes",
        }
    }

    /// The conventional file name, used in messages.
    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::Orders => "orders.csv",
            FileKind::Barcodes => "barcodes.csv",
        }
    }

    /// The two required columns, in canonical order.
    pub fn required_columns(self) -> [&'static str; 2] {
        match self {
            FileKind::Orders => ["order_id", "customer_id"],
            FileKind::Barcodes => ["barcode", "order_id"],
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The issue codes of `docs/processing-rules.md` (Issues), spelled exactly as there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    ExtraColumn,
    MalformedRow,
    InvalidUtf8,
    InvalidOrderId,
    InvalidCustomerId,
    InvalidBarcode,
    DuplicateOrder,
    DuplicateBarcode,
    UnknownOrder,
    OrderWithoutBarcodes,
}

impl IssueCode {
    /// Every code, in a stable order (used for per-code counts).
    pub const ALL: [IssueCode; 10] = [
        IssueCode::ExtraColumn,
        IssueCode::MalformedRow,
        IssueCode::InvalidUtf8,
        IssueCode::InvalidOrderId,
        IssueCode::InvalidCustomerId,
        IssueCode::InvalidBarcode,
        IssueCode::DuplicateOrder,
        IssueCode::DuplicateBarcode,
        IssueCode::UnknownOrder,
        IssueCode::OrderWithoutBarcodes,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IssueCode::ExtraColumn => "extra_column",
            IssueCode::MalformedRow => "malformed_row",
            IssueCode::InvalidUtf8 => "invalid_utf8",
            IssueCode::InvalidOrderId => "invalid_order_id",
            IssueCode::InvalidCustomerId => "invalid_customer_id",
            IssueCode::InvalidBarcode => "invalid_barcode",
            IssueCode::DuplicateOrder => "duplicate_order",
            IssueCode::DuplicateBarcode => "duplicate_barcode",
            IssueCode::UnknownOrder => "unknown_order",
            IssueCode::OrderWithoutBarcodes => "order_without_barcodes",
        }
    }

    /// Parses a code as spelled by [`IssueCode::as_str`].
    pub fn parse(s: &str) -> Option<IssueCode> {
        IssueCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reported problem: file, physical line where the record starts, code, message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub file: FileKind,
    pub line: u64,
    pub code: IssueCode,
    pub message: String,
}

impl Issue {
    pub fn new(file: FileKind, line: u64, code: IssueCode, message: String) -> Issue {
        Issue {
            file,
            line,
            code,
            message,
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file.file_name(),
            self.line,
            self.code,
            self.message
        )
    }
}

/// Sorts issues into report order: orders before barcodes, then by line, then by code.
///
/// A record gets at most one issue, so `(file, line)` is unique except for the header's
/// `extra_column`; the code breaks any tie deterministically.
pub fn sort_issues(issues: &mut [Issue]) {
    issues.sort_unstable_by_key(|i| (i.file, i.line, i.code));
}

/// Per-code counts, in [`IssueCode::ALL`] order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueCounts([u64; 10]);

impl IssueCounts {
    pub fn add(&mut self, code: IssueCode) {
        self.0[code as usize] += 1;
    }

    pub fn add_n(&mut self, code: IssueCode, n: u64) {
        self.0[code as usize] += n;
    }

    pub fn get(&self, code: IssueCode) -> u64 {
        self.0[code as usize]
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Adds every count of `other`.
    pub fn add_all(&mut self, other: &IssueCounts) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine += theirs;
        }
    }

    /// `(code, count)` for every code, zeros included.
    pub fn iter(&self) -> impl Iterator<Item = (IssueCode, u64)> + '_ {
        IssueCode::ALL.into_iter().map(|c| (c, self.get(c)))
    }
}

/// Shows a user-supplied value in a message: quoted, escaped, and cut to a readable length.
pub(crate) fn shown(value: &str) -> String {
    const MAX_CHARS: usize = 64;
    if value.chars().count() <= MAX_CHARS {
        format!("{value:?}")
    } else {
        let cut: String = value.chars().take(MAX_CHARS).collect();
        format!("{cut:?}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_spelled_as_in_the_spec() {
        // The codes table of docs/processing-rules.md: rows "| `code` | file | when |".
        let rules = include_str!("../../../docs/processing-rules.md");
        let documented: Vec<&str> = rules
            .lines()
            .filter_map(|l| l.strip_prefix("| `")?.split_once('`').map(|(code, _)| code))
            .collect();
        let spelled: Vec<&str> = IssueCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(spelled, documented);
        for code in IssueCode::ALL {
            assert_eq!(IssueCode::parse(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn shown_values_are_escaped_and_cut() {
        assert_eq!(shown("a\"b"), "\"a\\\"b\"");
        assert_eq!(shown("x\ny"), "\"x\\ny\"");
        let long = "9".repeat(100);
        assert!(shown(&long).ends_with("\"…"));
        assert_eq!(shown(&long).chars().count(), 64 + 3);
    }

    #[test]
    fn issues_sort_by_file_then_line() {
        let mk = |file, line| Issue::new(file, line, IssueCode::MalformedRow, String::new());
        let mut v = vec![
            mk(FileKind::Barcodes, 2),
            mk(FileKind::Orders, 9),
            mk(FileKind::Orders, 3),
        ];
        sort_issues(&mut v);
        let order: Vec<_> = v.iter().map(|i| (i.file, i.line)).collect();
        assert_eq!(
            order,
            [
                (FileKind::Orders, 3),
                (FileKind::Orders, 9),
                (FileKind::Barcodes, 2)
            ]
        );
    }
}
