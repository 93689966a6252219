//! The checks of one data record, in the order of `docs/processing-rules.md` (Issues): it
//! was split, it is UTF-8, it has the header's number of fields, then its schema's fields.

use super::schema::Schema;
use crate::issue::{shown, FileKind, Issue, IssueCode};
use crate::records::{Broken, Record};
use crate::value::{trim, trim_ascii};

/// Where the required columns are, once the header is read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Columns {
    pub(super) first: usize,
    pub(super) second: usize,
    pub(super) count: usize,
}

/// The issue of a record that could not be split into fields.
pub(super) fn malformed(file: FileKind, line: u64, why: Broken) -> Issue {
    Issue::new(file, line, IssueCode::MalformedRow, why.describe())
}

/// A data record's row, or the issue of the first check it fails.
pub(super) fn check_record<'a, S: Schema>(
    record: &Record<'a>,
    cols: Columns,
) -> Result<S::Row<'a>, Issue> {
    let raw = record.raw();
    let ascii = raw.is_ascii();
    if !ascii && std::str::from_utf8(raw).is_err() {
        let shown_raw = shown(&String::from_utf8_lossy(
            raw.strip_suffix(b"\r").unwrap_or(raw),
        ));
        let message = format!("record contains bytes that are not valid UTF-8: {shown_raw}");
        return Err(Issue::new(
            S::FILE,
            record.line,
            IssueCode::InvalidUtf8,
            message,
        ));
    }
    if record.len() != cols.count {
        let message = format!("expected {} fields, found {}", cols.count, record.len());
        return Err(Issue::new(
            S::FILE,
            record.line,
            IssueCode::MalformedRow,
            message,
        ));
    }
    let (first, second) = (record.field(cols.first), record.field(cols.second));
    if ascii {
        S::row(record.line, trim_ascii(first), trim_ascii(second))
    } else {
        let first = trim(text(first)).as_bytes();
        S::row(record.line, first, trim(text(second)).as_bytes())
    }
}

/// A field of a record whose raw bytes were checked to be UTF-8. Quote removal splits only
/// at ASCII quotes, so every field of such a record is UTF-8 too.
pub(super) fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}
