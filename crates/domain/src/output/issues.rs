//! `issues.csv`: the header `file,line,code,message`, then one line per itemised issue in
//! report order; the message is quoted as CSV requires (it quotes values, so it may hold
//! commas, quotes and line breaks). After a file's issues, one line per code of that file
//! with issues counted but not itemised (`docs/processing-rules.md`, "Issue floods"): its
//! `line` is empty and its message says how many.

use super::read::{field_count, number, text, ResultFormat};
use super::{csv_field, write_file};
use crate::issue::{FileKind, Issue, IssueCode, NotItemised};
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

/// Appends the line of `issues.csv` that says how many issues of a code in a file were
/// not itemised.
pub fn format_not_itemised(out: &mut Vec<u8>, n: &NotItemised) {
    out.extend_from_slice(n.file.as_str().as_bytes());
    out.extend_from_slice(b",,");
    out.extend_from_slice(n.code.as_str().as_bytes());
    out.push(b',');
    csv_field(out, &n.message());
    out.push(b'\n');
}

/// Writes the whole `issues.csv` of itemised issues only, header included.
pub fn write_issues<'a>(
    issues: impl IntoIterator<Item = &'a Issue>,
    w: &mut impl Write,
) -> io::Result<()> {
    write_file(w, HEADER, issues, format_issue)
}

/// One line of `issues.csv` to write: an itemised issue, or a count of those that are not.
pub enum ReportLine<'a> {
    Issue(&'a Issue),
    NotItemised(&'a NotItemised),
}

/// The lines of `issues.csv`: each file's itemised issues (in report order), then its
/// [`NotItemised`] lines (in code order).
pub fn report_lines<'a>(
    issues: &'a [Issue],
    not_itemised: &'a [NotItemised],
) -> impl Iterator<Item = ReportLine<'a>> + 'a {
    [FileKind::Orders, FileKind::Barcodes]
        .into_iter()
        .flat_map(move |file| {
            let from = issues.partition_point(|i| i.file < file);
            let to = issues.partition_point(|i| i.file <= file);
            let counted = not_itemised.iter().filter(move |n| n.file == file);
            issues[from..to]
                .iter()
                .map(ReportLine::Issue)
                .chain(counted.map(ReportLine::NotItemised))
        })
}

/// Writes the whole `issues.csv` of a batch, header included: [`report_lines`].
pub fn write_issue_report(
    issues: &[Issue],
    not_itemised: &[NotItemised],
    w: &mut impl Write,
) -> io::Result<()> {
    let lines = report_lines(issues, not_itemised);
    write_file(w, HEADER, lines, |out, line| match line {
        ReportLine::Issue(issue) => format_issue(out, issue),
        ReportLine::NotItemised(n) => format_not_itemised(out, n),
    })
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

/// One line of `issues.csv`, read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuesCsvLine<'a> {
    Issue(IssueLine<'a>),
    NotItemised(NotItemised),
}

/// `issues.csv`, for [`super::ResultReader`].
pub struct IssuesCsv;

impl ResultFormat for IssuesCsv {
    const HEADER: &'static str = HEADER;
    type Line<'a> = IssuesCsvLine<'a>;

    fn read<'a>(record: &Record<'a>) -> Result<IssuesCsvLine<'a>, String> {
        field_count(record, 4)?;
        let file = [FileKind::Orders, FileKind::Barcodes]
            .into_iter()
            .find(|f| f.as_str().as_bytes() == record.field(0))
            .ok_or_else(|| {
                let other = String::from_utf8_lossy(record.field(0));
                format!("unknown file {other:?}")
            })?;
        let code = text(record.field(2))?;
        let code = IssueCode::parse(code).ok_or_else(|| format!("unknown code {code:?}"))?;
        let message = text(record.field(3))?;
        if record.field(1).is_empty() {
            let (count, limit) = NotItemised::numbers_in(message)
                .ok_or_else(|| format!("no count of issues not itemised in {message:?}"))?;
            let n = NotItemised {
                file,
                code,
                count,
                limit,
            };
            return Ok(IssuesCsvLine::NotItemised(n));
        }
        let line = number(record.field(1))?;
        Ok(IssuesCsvLine::Issue(IssueLine {
            file,
            line,
            code,
            message,
        }))
    }
}
