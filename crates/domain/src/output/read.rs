//! Reading a result file back, chunk by chunk: its records split as every CSV file here is
//! ([`crate::records`]), the header checked, each data line typed by its
//! [`ResultFormat`]. The first problem, in file order, ends the read.

use crate::records::{Record, Split, Splitter};
use std::marker::PhantomData;

/// One result file's format: its header and how one of its lines reads.
pub trait ResultFormat {
    /// The header line, line break included.
    const HEADER: &'static str;
    /// One data line, borrowing from the record it was read from.
    type Line<'a>;
    /// Reads one data record; says what is wrong with it otherwise.
    fn read<'a>(record: &Record<'a>) -> Result<Self::Line<'a>, String>;
}

/// Why a result file cannot be read: the line where the problem starts, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ReadError {
    pub line: u64,
    pub message: String,
}

/// Reads one result file in format `F`: [`ResultReader::push`] its chunks, then
/// [`ResultReader::finish`]. Not to be used again after an error.
pub struct ResultReader<F: ResultFormat> {
    splitter: Splitter,
    header_seen: bool,
    lines: u64,
    failed: Option<ReadError>,
    _format: PhantomData<F>,
}

impl<F: ResultFormat> Default for ResultReader<F> {
    fn default() -> Self {
        ResultReader::new()
    }
}

impl<F: ResultFormat> ResultReader<F> {
    pub fn new() -> Self {
        ResultReader {
            splitter: Splitter::new(),
            header_seen: false,
            lines: 0,
            failed: None,
            _format: PhantomData,
        }
    }

    /// Data lines read so far (the header excluded).
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Feeds the next chunk; calls `sink` with each data line completed by it, in order.
    pub fn push<S>(&mut self, chunk: &[u8], sink: &mut S) -> Result<(), ReadError>
    where
        S: for<'l> FnMut(F::Line<'l>),
    {
        let Self {
            splitter,
            header_seen,
            lines,
            failed,
            ..
        } = self;
        splitter.push(chunk, &mut |split| {
            on_split::<F, S>(split, header_seen, lines, failed, sink)
        });
        self.failed.clone().map_or(Ok(()), Err)
    }

    /// Ends the file: hands out its last line and checks that it had a header.
    pub fn finish<S>(&mut self, sink: &mut S) -> Result<(), ReadError>
    where
        S: for<'l> FnMut(F::Line<'l>),
    {
        let Self {
            splitter,
            header_seen,
            lines,
            failed,
            ..
        } = self;
        splitter.finish(&mut |split| on_split::<F, S>(split, header_seen, lines, failed, sink));
        if self.failed.is_none() && !self.header_seen {
            let header = header_text::<F>();
            self.failed = Some(ReadError {
                line: 1,
                message: format!("missing header {header:?}"),
            });
        }
        self.failed.clone().map_or(Ok(()), Err)
    }
}

fn on_split<F: ResultFormat, S>(
    split: Split<'_>,
    header_seen: &mut bool,
    lines: &mut u64,
    failed: &mut Option<ReadError>,
    sink: &mut S,
) where
    S: for<'l> FnMut(F::Line<'l>),
{
    if failed.is_some() {
        return;
    }
    let record = match split {
        Split::Record(r) => r,
        Split::Broken { line, why } => {
            *failed = Some(ReadError {
                line,
                message: why.describe(),
            });
            return;
        }
    };
    if record.len() == 1 && record.field(0).iter().all(u8::is_ascii_whitespace) {
        return; // a blank line
    }
    let line = record.line;
    let read = if *header_seen {
        F::read(&record).map(|l| {
            *lines += 1;
            sink(l)
        })
    } else {
        check_header::<F>(&record).map(|()| *header_seen = true)
    };
    if let Err(message) = read {
        *failed = Some(ReadError { line, message });
    }
}

/// The header without its line break.
fn header_text<F: ResultFormat>() -> &'static str {
    F::HEADER.trim_end()
}

fn check_header<F: ResultFormat>(record: &Record<'_>) -> Result<(), String> {
    let want = header_text::<F>();
    let names = want.split(',');
    let same = record.len() == names.clone().count()
        && names
            .enumerate()
            .all(|(i, n)| record.field(i) == n.as_bytes());
    if same {
        return Ok(());
    }
    let fields: Vec<&[u8]> = (0..record.len()).map(|i| record.field(i)).collect();
    let found = fields.join(&b","[..]);
    let found = String::from_utf8_lossy(&found);
    Err(format!("expected header {want:?}, found {found:?}"))
}

/// Says why a record does not have `want` fields.
pub(super) fn field_count(record: &Record<'_>, want: usize) -> Result<(), String> {
    match record.len() {
        got if got == want => Ok(()),
        got => Err(format!("{got} fields, expected {want}")),
    }
}

/// A field as UTF-8.
pub(super) fn text(field: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(field).map_err(|_| "not UTF-8".to_string())
}

/// A field as a non-negative integer (digits only).
pub(super) fn number(field: &[u8]) -> Result<u64, String> {
    let bad = || format!("not a number: {:?}", String::from_utf8_lossy(field));
    if field.is_empty() || !field.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    std::str::from_utf8(field)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)
}
