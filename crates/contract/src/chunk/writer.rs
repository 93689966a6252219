//! [`ChunkWriter`]: encodes a chunk row by row, so a producer can flush at
//! [`CHUNK_TARGET_BYTES`] without building its rows twice.

use super::wire::{code_byte, file_byte, put_varint, COUNTED, LAST, MAGIC};
use crate::digest::BatchId;
use tiqets_domain::{FileKind, Issue, NotItemised, OrderRow, OwnedBarcodeRow};

/// Encoded size a producer should flush at: well under NATS's default 1 MiB payload limit.
pub const CHUNK_TARGET_BYTES: usize = 256 * 1024;

/// Encodes a chunk row by row, so a producer can flush at [`CHUNK_TARGET_BYTES`] without
/// building the rows twice.
pub struct ChunkWriter {
    // `rows` and `row_count` are visible to the tests, which write rows the encoder refuses.
    head: Vec<u8>,
    pub(super) rows: Vec<u8>,
    issues: Vec<u8>,
    pub(super) row_count: u64,
    issue_count: u64,
    last_line: u64,
    file: FileKind,
    not_itemised: Vec<NotItemised>,
}

impl ChunkWriter {
    pub fn new(batch_id: &BatchId, attempt: u32, file: FileKind, seq: u32) -> ChunkWriter {
        let mut head = Vec::with_capacity(64);
        head.extend_from_slice(MAGIC);
        head.push(file_byte(file));
        head.push(0); // flags, set by finish
        put_varint(&mut head, attempt as u64);
        put_varint(&mut head, seq as u64);
        put_varint(&mut head, batch_id.as_str().len() as u64);
        head.extend_from_slice(batch_id.as_str().as_bytes());
        ChunkWriter {
            head,
            rows: Vec::with_capacity(CHUNK_TARGET_BYTES + 1024),
            issues: Vec::new(),
            row_count: 0,
            issue_count: 0,
            last_line: 0,
            file,
            not_itemised: Vec::new(),
        }
    }

    /// Adds an order row. Panics if the writer is for barcodes (a programming error).
    pub fn push_order(&mut self, row: &OrderRow) {
        assert_eq!(self.file, FileKind::Orders, "order row in a barcodes chunk");
        put_varint(&mut self.rows, row.line.wrapping_sub(self.last_line));
        self.last_line = row.line;
        put_varint(&mut self.rows, row.order_id);
        put_varint(&mut self.rows, row.customer_id);
        self.row_count += 1;
    }

    /// Adds a barcode row (borrowed or owned). Panics if the writer is for orders, or if the
    /// barcode is longer than 255 bytes (valid barcodes have at most 64:
    /// `docs/processing-rules.md`, Values).
    pub fn push_barcode_parts(&mut self, line: u64, barcode: &str, order_id: Option<u64>) {
        assert_eq!(
            self.file,
            FileKind::Barcodes,
            "barcode row in an orders chunk"
        );
        let len = u8::try_from(barcode.len()).expect("valid barcodes are at most 64 bytes");
        put_varint(&mut self.rows, line.wrapping_sub(self.last_line));
        self.last_line = line;
        put_varint(&mut self.rows, order_id.unwrap_or(0));
        self.rows.push(len);
        self.rows.extend_from_slice(barcode.as_bytes());
        self.row_count += 1;
    }

    pub fn push_barcode(&mut self, row: &OwnedBarcodeRow) {
        self.push_barcode_parts(row.line, &row.barcode, row.order_id);
    }

    pub fn push_issue(&mut self, issue: &Issue) {
        self.issues.push(file_byte(issue.file));
        put_varint(&mut self.issues, issue.line);
        self.issues.push(code_byte(issue.code));
        put_varint(&mut self.issues, issue.message.len() as u64);
        self.issues.extend_from_slice(issue.message.as_bytes());
        self.issue_count += 1;
    }

    /// Adds the count of the file's issues of one code that were not itemised (to the
    /// file's last chunk). Panics if it is another file's (a programming error).
    pub fn push_not_itemised(&mut self, n: NotItemised) {
        assert_eq!(self.file, n.file, "another file's count");
        self.not_itemised.push(n);
    }

    /// Encoded size so far (approximate to a few bytes, never below it).
    pub fn len(&self) -> usize {
        // The counts not itemised: their number, then a code byte and two varints of at
        // most 10 bytes each per count.
        let counted = match self.not_itemised.len() {
            0 => 0,
            n => 10 + n * 21,
        };
        self.head.len() + self.rows.len() + self.issues.len() + counted + 20
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.row_count == 0 && self.issue_count == 0
    }

    /// Whether the chunk reached [`CHUNK_TARGET_BYTES`] and should be sent.
    pub fn is_full(&self) -> bool {
        self.len() >= CHUNK_TARGET_BYTES
    }

    pub fn rows(&self) -> u64 {
        self.row_count
    }

    pub fn issues(&self) -> u64 {
        self.issue_count
    }

    /// The encoded chunk. Panics if counts not itemised were pushed to a chunk that is not
    /// the file's last (a programming error: they are the file's totals).
    pub fn finish(mut self, last: bool) -> Vec<u8> {
        let counted = !self.not_itemised.is_empty();
        assert!(last || !counted, "counts not itemised on a chunk not last");
        self.head[5] = if last { LAST } else { 0 } | if counted { COUNTED } else { 0 };
        let mut out = self.head;
        out.reserve(self.rows.len() + self.issues.len() + 20);
        put_varint(&mut out, self.row_count);
        out.extend_from_slice(&self.rows);
        put_varint(&mut out, self.issue_count);
        out.extend_from_slice(&self.issues);
        if counted {
            put_varint(&mut out, self.not_itemised.len() as u64);
            for n in &self.not_itemised {
                out.push(code_byte(n.code));
                put_varint(&mut out, n.count);
                put_varint(&mut out, n.limit);
            }
        }
        out
    }
}
