//! A whole chunk with owned rows: [`RowChunk::encode`] through a [`ChunkWriter`],
//! [`RowChunk::decode`] through a visitor that collects the rows.

use super::error::ChunkError;
use super::read::{ChunkHead, ChunkVisitor};
use super::writer::ChunkWriter;
use crate::digest::BatchId;
use tiqets_domain::{BarcodeRow, FileKind, Issue, NotItemised, OrderRow, OwnedBarcodeRow};

/// The rows of one chunk: all of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkRows {
    Orders(Vec<OrderRow>),
    Barcodes(Vec<OwnedBarcodeRow>),
}

/// One message of validated rows and row-level issues of one file of one batch attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowChunk {
    pub batch_id: BatchId,
    pub attempt: u32,
    pub file: FileKind,
    /// 0, 1, 2… in file order.
    pub seq: u32,
    /// The file's last chunk.
    pub last: bool,
    pub rows: ChunkRows,
    pub issues: Vec<Issue>,
    /// On the last chunk: the file's issues counted but not itemised, per code.
    pub not_itemised: Vec<NotItemised>,
}

impl RowChunk {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = ChunkWriter::new(&self.batch_id, self.attempt, self.file, self.seq);
        match &self.rows {
            ChunkRows::Orders(rows) => rows.iter().for_each(|r| w.push_order(r)),
            ChunkRows::Barcodes(rows) => rows.iter().for_each(|r| w.push_barcode(r)),
        }
        self.issues.iter().for_each(|i| w.push_issue(i));
        self.not_itemised
            .iter()
            .for_each(|n| w.push_not_itemised(*n));
        w.finish(self.last)
    }

    pub fn decode(bytes: &[u8]) -> Result<RowChunk, ChunkError> {
        let mut rows = Collect::default();
        let head = ChunkHead::visit(bytes, &mut rows)?;
        Ok(RowChunk {
            batch_id: head.batch_id,
            attempt: head.attempt,
            file: head.file,
            seq: head.seq,
            last: head.last,
            rows: match head.file {
                FileKind::Orders => ChunkRows::Orders(rows.orders),
                FileKind::Barcodes => ChunkRows::Barcodes(rows.barcodes),
            },
            issues: rows.issues,
            not_itemised: rows.not_itemised,
        })
    }

    /// Rows in the chunk.
    pub fn row_count(&self) -> usize {
        match &self.rows {
            ChunkRows::Orders(r) => r.len(),
            ChunkRows::Barcodes(r) => r.len(),
        }
    }
}

/// Collects a chunk into owned rows ([`RowChunk::decode`]).
#[derive(Default)]
struct Collect {
    orders: Vec<OrderRow>,
    barcodes: Vec<OwnedBarcodeRow>,
    issues: Vec<Issue>,
    not_itemised: Vec<NotItemised>,
}

impl ChunkVisitor for Collect {
    fn order(&mut self, row: OrderRow) {
        self.orders.push(row);
    }
    fn barcode(&mut self, row: BarcodeRow<'_>) {
        self.barcodes.push(row.to_owned_row());
    }
    fn issue(&mut self, issue: Issue) {
        self.issues.push(issue);
    }
    fn not_itemised(&mut self, n: NotItemised) {
        self.not_itemised.push(n);
    }
}
