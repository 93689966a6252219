//! The [`FileParser`]: one file streamed chunk by chunk through the splitter, its header
//! read, then every record checked, coming out in file order as a row or an issue.

use super::fatal::{FatalError, FatalProblem};
use super::header::read_header;
use super::record::{check_record, malformed, Columns};
use super::rows::Parsed;
use super::schema::{Barcodes, Orders, Schema};
use crate::records::{Split, Splitter};
use std::marker::PhantomData;

/// Streams one file: `push` chunks, then `finish`. Rows and issues come out in file order.
pub struct FileParser<S: Schema> {
    splitter: Splitter,
    columns: Option<Columns>,
    fatal: Option<FatalError>,
    records: u64,
    _schema: PhantomData<S>,
}

pub type OrdersParser = FileParser<Orders>;
pub type BarcodesParser = FileParser<Barcodes>;

impl<S: Schema> Default for FileParser<S> {
    fn default() -> Self {
        FileParser::new()
    }
}

impl<S: Schema> FileParser<S> {
    pub fn new() -> Self {
        FileParser {
            splitter: Splitter::new(),
            columns: None,
            fatal: None,
            records: 0,
            _schema: PhantomData,
        }
    }

    /// Whether the header has been read (and was usable).
    pub fn has_header(&self) -> bool {
        self.columns.is_some()
    }

    /// A parser for a later part of the same file, starting at a record boundary, with this
    /// parser's columns; its lines count from 1. `None` until the header is read.
    pub fn continuation(&self) -> Option<Self> {
        self.columns?;
        Some(FileParser {
            splitter: Splitter::continuation(),
            columns: self.columns,
            fatal: None,
            records: 0,
            _schema: PhantomData,
        })
    }

    /// Whether everything pushed so far ended exactly at the end of a record.
    pub fn at_record_boundary(&self) -> bool {
        self.splitter.at_record_boundary()
    }

    /// The line the next record starts on.
    pub fn next_line(&self) -> u64 {
        self.splitter.next_line()
    }

    /// Data records seen so far (header and blank lines excluded).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Bytes fed so far.
    pub fn bytes_seen(&self) -> u64 {
        self.splitter.bytes_seen()
    }

    /// Feeds the next chunk. After a fatal error every call returns that error.
    pub fn push<F>(&mut self, chunk: &[u8], sink: &mut F) -> Result<(), FatalError>
    where
        F: for<'r> FnMut(Parsed<S::Row<'r>>),
    {
        if let Some(e) = &self.fatal {
            return Err(e.clone());
        }
        let Self {
            splitter,
            columns,
            fatal,
            records,
            ..
        } = self;
        splitter.push(chunk, &mut |split| {
            on_split::<S, F>(split, columns, fatal, records, sink)
        });
        self.fatal.clone().map_or(Ok(()), Err)
    }

    /// Ends the file. Fails when no header was found or the header was unusable.
    pub fn finish<F>(&mut self, sink: &mut F) -> Result<(), FatalError>
    where
        F: for<'r> FnMut(Parsed<S::Row<'r>>),
    {
        if let Some(e) = &self.fatal {
            return Err(e.clone());
        }
        let Self {
            splitter,
            columns,
            fatal,
            records,
            ..
        } = self;
        splitter.finish(&mut |split| on_split::<S, F>(split, columns, fatal, records, sink));
        if self.fatal.is_none() && self.columns.is_none() {
            self.fatal = Some(FatalError {
                file: S::FILE,
                problem: FatalProblem::NoHeader,
            });
        }
        self.fatal.clone().map_or(Ok(()), Err)
    }
}

fn on_split<S: Schema, F>(
    split: Split<'_>,
    columns: &mut Option<Columns>,
    fatal: &mut Option<FatalError>,
    records: &mut u64,
    sink: &mut F,
) where
    F: for<'r> FnMut(Parsed<S::Row<'r>>),
{
    if fatal.is_some() {
        return;
    }
    let Some(cols) = *columns else {
        match read_header(S::FILE, split) {
            Ok((cols, extra)) => {
                *columns = Some(cols);
                if let Some(issue) = extra {
                    sink(Parsed::Issue(issue));
                }
            }
            Err(e) => *fatal = Some(e),
        }
        return;
    };
    *records += 1;
    match split {
        Split::Broken { line, why } => sink(Parsed::Issue(malformed(S::FILE, line, why))),
        Split::Record(record) => match check_record::<S>(&record, cols) {
            Ok(row) => sink(Parsed::Row(row)),
            Err(issue) => sink(Parsed::Issue(issue)),
        },
    }
}
