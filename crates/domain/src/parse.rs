//! Reading one file: header matching, record checks and field validation
//! (`docs/processing-rules.md`: Reading the files, Values, Issues), streaming chunk by chunk.
//! Yields valid typed rows and one issue per rejected record.

use crate::issue::{shown, FileKind, Issue, IssueCode};
use crate::records::{Broken, Record, Split, Splitter};
use crate::value::{is_valid_barcode, parse_id, trim, trim_ascii, MAX_ID};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// A valid row of `orders.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    pub line: u64,
    pub order_id: u64,
    pub customer_id: u64,
}

/// A valid row of `barcodes.csv`, borrowing the barcode from the parser's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarcodeRow<'a> {
    pub line: u64,
    pub barcode: &'a str,
    /// `None` when the barcode is unsold (empty `order_id`).
    pub order_id: Option<u64>,
}

/// An owned [`BarcodeRow`], for sending between services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedBarcodeRow {
    pub line: u64,
    pub barcode: String,
    pub order_id: Option<u64>,
}

impl BarcodeRow<'_> {
    pub fn to_owned_row(&self) -> OwnedBarcodeRow {
        OwnedBarcodeRow {
            line: self.line,
            barcode: self.barcode.to_string(),
            order_id: self.order_id,
        }
    }
}

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

/// What one file's rows look like: which columns, and how a valid row is typed.
pub trait Schema {
    const FILE: FileKind;
    type Row<'a>;
    /// Validates the two required fields (trimmed, UTF-8), in `required_columns` order.
    fn row<'a>(line: u64, first: &'a [u8], second: &'a [u8]) -> Result<Self::Row<'a>, Issue>;
}

/// The schema of `orders.csv`.
pub struct Orders;
/// The schema of `barcodes.csv`.
pub struct Barcodes;

fn invalid_id(file: FileKind, line: u64, code: IssueCode, column: &str, value: &[u8]) -> Issue {
    let message = format!(
        "invalid {column} {}: expected a whole number from 1 to {MAX_ID}",
        shown(&String::from_utf8_lossy(value))
    );
    Issue::new(file, line, code, message)
}

impl Schema for Orders {
    const FILE: FileKind = FileKind::Orders;
    type Row<'a> = OrderRow;

    fn row<'a>(line: u64, order_id: &'a [u8], customer_id: &'a [u8]) -> Result<OrderRow, Issue> {
        let Some(order) = parse_id(order_id) else {
            let code = IssueCode::InvalidOrderId;
            return Err(invalid_id(Self::FILE, line, code, "order_id", order_id));
        };
        let Some(customer) = parse_id(customer_id) else {
            let code = IssueCode::InvalidCustomerId;
            return Err(invalid_id(
                Self::FILE,
                line,
                code,
                "customer_id",
                customer_id,
            ));
        };
        Ok(OrderRow {
            line,
            order_id: order,
            customer_id: customer,
        })
    }
}

impl Schema for Barcodes {
    const FILE: FileKind = FileKind::Barcodes;
    type Row<'a> = BarcodeRow<'a>;

    fn row<'a>(line: u64, barcode: &'a [u8], order_id: &'a [u8]) -> Result<BarcodeRow<'a>, Issue> {
        if !is_valid_barcode(barcode) {
            let message = format!(
                "invalid barcode {}: expected 1 to 64 ASCII letters or digits",
                shown(&String::from_utf8_lossy(barcode))
            );
            return Err(Issue::new(
                Self::FILE,
                line,
                IssueCode::InvalidBarcode,
                message,
            ));
        }
        // SAFETY: a valid barcode is ASCII letters and digits only, so it is UTF-8. (The
        // checked conversion costs more than the rest of the row on millions of rows.)
        let barcode = unsafe { std::str::from_utf8_unchecked(barcode) };
        let order_id = if order_id.is_empty() {
            None
        } else {
            match parse_id(order_id) {
                Some(id) => Some(id),
                None => {
                    let code = IssueCode::InvalidOrderId;
                    return Err(invalid_id(Self::FILE, line, code, "order_id", order_id));
                }
            }
        };
        Ok(BarcodeRow {
            line,
            barcode,
            order_id,
        })
    }
}

/// One parsed record: a valid row, or the issue that rejected it.
#[derive(Debug)]
pub enum Parsed<R> {
    Row(R),
    Issue(Issue),
}

/// Where the required columns are, once the header is read.
#[derive(Debug, Clone, Copy)]
struct Columns {
    first: usize,
    second: usize,
    count: usize,
}

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

fn malformed(file: FileKind, line: u64, why: Broken) -> Issue {
    Issue::new(file, line, IssueCode::MalformedRow, why.describe())
}

fn check_record<'a, S: Schema>(record: &Record<'a>, cols: Columns) -> Result<S::Row<'a>, Issue> {
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
fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}

fn read_header(file: FileKind, split: Split<'_>) -> Result<(Columns, Option<Issue>), FatalError> {
    let fatal = |problem| FatalError { file, problem };
    let record = match split {
        Split::Broken { why, .. } => return Err(fatal(FatalProblem::HeaderBroken(why.describe()))),
        Split::Record(r) => r,
    };
    if std::str::from_utf8(record.raw()).is_err() {
        return Err(fatal(FatalProblem::HeaderNotText));
    }
    let names: Vec<String> = (0..record.len())
        .map(|i| trim(text(record.field(i))).to_lowercase())
        .collect();
    let required = file.required_columns();
    let position = |want: &str| names.iter().position(|n| n == want);
    let (first, second) = match (position(required[0]), position(required[1])) {
        (Some(a), Some(b)) => (a, b),
        (a, b) => {
            let missing = [(a, required[0]), (b, required[1])]
                .into_iter()
                .filter(|(pos, _)| pos.is_none())
                .map(|(_, name)| name)
                .collect();
            let found = names.iter().take(20).cloned().collect();
            return Err(fatal(FatalProblem::MissingColumns { missing, found }));
        }
    };
    let extra: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != first && *i != second)
        .map(|(_, n)| shown(n))
        .collect();
    let issue = (!extra.is_empty()).then(|| {
        let listed = if extra.len() > 10 {
            format!("{}, … ({} in all)", extra[..10].join(", "), extra.len())
        } else {
            extra.join(", ")
        };
        let noun = if extra.len() == 1 {
            "column"
        } else {
            "columns"
        };
        Issue::new(
            file,
            record.line,
            IssueCode::ExtraColumn,
            format!("extra {noun} ignored: {listed}"),
        )
    });
    let columns = Columns {
        first,
        second,
        count: names.len(),
    };
    Ok((columns, issue))
}
