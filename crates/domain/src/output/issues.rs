//! `issues.csv`: the header `file,line,code,message`, then one line per issue in report
//! order; the message is quoted as CSV requires (it quotes values, so it may hold commas,
//! quotes and line breaks).

use super::read::{field_count, number, text, ResultFormat};
use super::{csv_field, write_file};
use crate::issue::{FileKind, Issue, IssueCode};
use crate::records::Record;
use std::io::{self, Write};

/// The header line of `issues.csv`.
pub const HEADER: &str = "file,line,code,message\n";

/// Appends one line of `issues.csv`.
pub fn format_issue(out: &mut Vec<u8>, issue: &Issue) {
    let (file, code) = (issue.file.as_str(), issue.code.as_str());
    format_issue_fields(out, file, issue.line, code, &issue.message);
}

/// Appends one line of `issues.csv` from its fields as text (an issue as stored).
pub fn format_issue_fields(out: &mut Vec<u8>, file: &str, line: u64, code: &str, message: &str) {
    out.extend_from_slice(file.as_bytes());
    out.push(b',');
    out.extend_from_slice(itoa::Buffer::new().format(line).as_bytes());
    out.push(b',');
    out.extend_from_slice(code.as_bytes());
    out.push(b',');
    csv_field(out, message);
    out.push(b'\n');
}

/// Writes the whole `issues.csv`, header included.
pub fn write_issues<'a>(
    issues: impl IntoIterator<Item = &'a Issue>,
    w: &mut impl Write,
) -> io::Result<()> {
    write_file(w, HEADER, issues, format_issue)
}

/// One line of `issues.csv`, read back: an [`Issue`] borrowing its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueLine<'a> {
    pub file: FileKind,
    pub line: u64,
    pub code: IssueCode,
    pub message: &'a str,
}

impl IssueLine<'_> {
    pub fn to_issue(&self) -> Issue {
        Issue::new(self.file, self.line, self.code, self.message.to_owned())
    }
}

impl<'a> From<&'a Issue> for IssueLine<'a> {
    fn from(issue: &'a Issue) -> IssueLine<'a> {
        IssueLine {
            file: issue.file,
            line: issue.line,
            code: issue.code,
            message: &issue.message,
        }
    }
}

/// `issues.csv`, for [`super::ResultReader`].
pub struct IssuesCsv;

impl ResultFormat for IssuesCsv {
    const HEADER: &'static str = HEADER;
    type Line<'a> = IssueLine<'a>;

    fn read<'a>(record: &Record<'a>) -> Result<IssueLine<'a>, String> {
        field_count(record, 4)?;
        let file = [FileKind::Orders, FileKind::Barcodes]
            .into_iter()
            .find(|f| f.as_str().as_bytes() == record.field(0))
            .ok_or_else(|| {
                let other = String::from_utf8_lossy(record.field(0));
                format!("unknown file {other:?}")
            })?;
        let line = number(record.field(1))?;
        let code = text(record.field(2))?;
        let code = IssueCode::parse(code).ok_or_else(|| format!("unknown code {code:?}"))?;
        let message = text(record.field(3))?;
        Ok(IssueLine {
            file,
            line,
            code,
            message,
        })
    }
}
