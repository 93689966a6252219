//! Collecting a file's chunks into the domain's books, and checking them against what the
//! validator announced.

use crate::error::MergeError;
use crate::reader::RawChunk;
use tiqets_contract::{ChunkHead, ChunkSet, ChunkVisitor};
use tiqets_domain::{BarcodeBook, BarcodeRow, FileKind, Issue, NotItemised, OrderBook, OrderRow};

/// The valid rows of one file in a domain book, and the file's row issues.
#[derive(Default)]
pub struct Collected<B> {
    pub book: B,
    /// The itemised issues, in line order.
    pub issues: Vec<Issue>,
    /// The issues the validator counted but did not itemise, per code.
    pub not_itemised: Vec<NotItemised>,
    pub rows: u64,
    /// Rows of the other file met while decoding (a corrupt chunk).
    foreign: u64,
}

pub type Orders = Collected<OrderBook>;
pub type Barcodes = Collected<BarcodeBook>;

/// Bytes of `orders.csv` per row, about (`123456789,1234567\n`): rows of a file of a given size
/// when none were announced.
const ORDER_ROW_BYTES: u64 = 14;
/// Bytes of `barcodes.csv` per row, about (`AB12345678,123456789\n`).
const BARCODE_ROW_BYTES: u64 = 20;

impl Orders {
    /// Pre-sized for the announced rows, or for what a file of `input_size` bytes holds.
    pub fn with_hint(set: Option<&ChunkSet>, input_size: u64) -> Orders {
        let rows = set.map_or(input_size / ORDER_ROW_BYTES, |s| s.rows);
        Collected {
            book: OrderBook::with_capacity(capped(rows)),
            ..Collected::default()
        }
    }

    pub fn add(&mut self, chunk: RawChunk) -> Result<(), MergeError> {
        self.visit(FileKind::Orders, chunk)
    }
}

impl Barcodes {
    /// Pre-sized for the announced rows, or for what a file of `input_size` bytes holds.
    pub fn with_hint(set: Option<&ChunkSet>, input_size: u64) -> Barcodes {
        let rows = set.map_or(input_size / BARCODE_ROW_BYTES, |s| s.rows);
        Collected {
            book: BarcodeBook::with_capacity(capped(rows)),
            ..Collected::default()
        }
    }

    pub fn add(&mut self, chunk: RawChunk) -> Result<(), MergeError> {
        self.visit(FileKind::Barcodes, chunk)
    }
}

impl ChunkVisitor for Orders {
    fn order(&mut self, row: OrderRow) {
        self.rows += 1;
        self.book.push(row);
    }
    fn barcode(&mut self, _: BarcodeRow<'_>) {
        self.foreign += 1;
    }
    fn issue(&mut self, issue: Issue) {
        self.issues.push(issue);
    }
    fn not_itemised(&mut self, n: NotItemised) {
        self.not_itemised.push(n);
    }
}

impl ChunkVisitor for Barcodes {
    fn order(&mut self, _: OrderRow) {
        self.foreign += 1;
    }
    fn barcode(&mut self, row: BarcodeRow<'_>) {
        self.rows += 1;
        self.book.push(row);
    }
    fn issue(&mut self, issue: Issue) {
        self.issues.push(issue);
    }
    fn not_itemised(&mut self, n: NotItemised) {
        self.not_itemised.push(n);
    }
}

impl<B> Collected<B>
where
    Collected<B>: ChunkVisitor,
{
    /// Decodes `chunk`'s rows and issues straight into the book.
    fn visit(&mut self, file: FileKind, chunk: RawChunk) -> Result<(), MergeError> {
        let seq = chunk.head.seq;
        if chunk.head.file != file {
            return Err(wrong_rows(file, seq));
        }
        ChunkHead::visit(&chunk.payload, self).map_err(|e| MergeError::Corrupt {
            file: file.file_name(),
            seq,
            message: e.to_string(),
        })?;
        if self.foreign > 0 {
            return Err(wrong_rows(file, seq));
        }
        Ok(())
    }
}

impl<B> Collected<B> {
    /// The rows and issues read must be the ones the validator announced, if it did.
    pub fn check(&self, file: FileKind, set: Option<&ChunkSet>) -> Result<(), MergeError> {
        check_counts(file, (self.rows, self.issues.len() as u64), set)
    }
}

/// The `(rows, issues)` read of `file` must be the ones the validator announced, if it did.
pub fn check_counts(
    file: FileKind,
    got: (u64, u64),
    set: Option<&ChunkSet>,
) -> Result<(), MergeError> {
    let Some(set) = set else {
        return Ok(());
    };
    if got == (set.rows, set.issues) {
        return Ok(());
    }
    Err(MergeError::Counts {
        file: file.file_name(),
        got: format!("{} rows and {} issues", got.0, got.1),
        want: format!("{} rows and {} issues", set.rows, set.issues),
    })
}

/// A capacity hint no larger than a corrupt announcement should make us allocate.
fn capped(rows: u64) -> usize {
    rows.min(1 << 24) as usize
}

pub fn wrong_rows(file: FileKind, seq: u32) -> MergeError {
    MergeError::Corrupt {
        file: file.file_name(),
        seq,
        message: "it holds rows of the other file".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiqets_contract::{BatchId, ChunkRows, RowChunk};
    use tiqets_domain::{IssueCode, OwnedBarcodeRow};

    fn chunk(file: FileKind, rows: ChunkRows, issues: Vec<Issue>) -> RawChunk {
        let bytes = RowChunk {
            batch_id: BatchId::parse("b1").unwrap(),
            attempt: 1,
            file,
            seq: 0,
            last: true,
            rows,
            issues,
            not_itemised: vec![],
        }
        .encode();
        RawChunk {
            head: ChunkHead::read(&bytes).unwrap(),
            payload: bytes.into(),
        }
    }

    #[test]
    fn chunks_fill_the_books_and_are_checked_against_the_announcement() {
        let set = ChunkSet {
            chunks: 1,
            rows: 1,
            issues: 1,
        };
        let mut orders = Orders::with_hint(Some(&set), 0);
        let issue = Issue::new(FileKind::Orders, 3, IssueCode::InvalidOrderId, "x".into());
        let rows = ChunkRows::Orders(vec![OrderRow {
            line: 2,
            order_id: 1,
            customer_id: 5,
        }]);
        orders
            .add(chunk(FileKind::Orders, rows, vec![issue]))
            .unwrap();
        assert_eq!(orders.book.len(), 1);
        orders.check(FileKind::Orders, Some(&set)).unwrap();
        orders.check(FileKind::Orders, None).unwrap();
        let more = ChunkSet { rows: 2, ..set };
        let e = orders.check(FileKind::Orders, Some(&more)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the orders.csv chunks hold 1 rows and 1 issues, the MergeWork announced 2 rows and 1 issues"
        );
        assert!(!tiqets_contract::Failure::is_transient(&e));
    }

    #[test]
    fn rows_of_the_other_file_are_corrupt() {
        let mut barcodes = Barcodes::default();
        let rows = ChunkRows::Orders(Vec::new());
        assert!(barcodes.add(chunk(FileKind::Orders, rows, vec![])).is_err());
        let rows = ChunkRows::Barcodes(vec![OwnedBarcodeRow {
            line: 2,
            barcode: "A1".into(),
            order_id: None,
        }]);
        barcodes
            .add(chunk(FileKind::Barcodes, rows, vec![]))
            .unwrap();
        assert_eq!((barcodes.rows, barcodes.book.len()), (1, 1));
    }
}
