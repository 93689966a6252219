//! Validated rows in chunks: a compact binary encoding for `{ns}.rows.…` messages.
//!
//! The medium dataset has millions of barcode rows, so rows travel as varints, not JSON:
//! a barcode row costs its barcode plus 2–10 bytes. Layout (all integers LEB128 varints):
//!
//! ```text
//! "TQR1" file:u8 flags:u8 attempt seq batch_len batch_id
//! row_count  rows…      orders:   line_delta order_id customer_id
//!                       barcodes: line_delta order_id(0 = unsold) len:u8 barcode
//! issue_count issues…   file:u8 line code:u8 message_len message
//! ```
//!
//! `line_delta` is the row's line minus the previous row's (wrapping), starting from 0.
//! Flags: bit 0 = the last chunk of the file. Decoding checks every length and value, so a
//! corrupt message is an error, never a panic: varints in their shortest form, no unknown
//! flag, ids from 1 to `i64::MAX` and barcodes of 1 to 64 ASCII letters or digits, as the
//! validator sends them and the merger relies on. So a chunk has one encoding: decoded,
//! it re-encodes to the same bytes. [`ChunkHead::read`] decodes the head alone;
//! [`ChunkHead::visit`] hands the rows to a [`ChunkVisitor`] without an allocation per row
//! ([`RowChunk::decode`] is the visitor that collects them).

use crate::digest::BatchId;
use tiqets_domain::value::{is_valid_barcode, MAX_ID};
use tiqets_domain::{BarcodeRow, FileKind, Issue, IssueCode, OrderRow, OwnedBarcodeRow};

const MAGIC: &[u8; 4] = b"TQR1";
const LAST: u8 = 1;

/// Header of the message that ends a file's chunks of a batch attempt without a last chunk:
/// the batch failed (its value is the reason). The validator publishes it on both files'
/// subjects when it fails a batch, so a merger reading them stops at once.
pub const ABORT_HEADER: &str = "Tiqets-Abort";

/// Encoded size a producer should flush at: well under NATS's default 1 MiB payload limit.
pub const CHUNK_TARGET_BYTES: usize = 256 * 1024;

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
}

/// Why bytes are not a row chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    #[error("not a row chunk (bad magic)")]
    BadMagic,
    #[error("row chunk cut short at byte {0}")]
    Truncated(usize),
    #[error("row chunk has a bad {what} at byte {at}")]
    BadValue { what: &'static str, at: usize },
    #[error("row chunk has {0} trailing bytes")]
    Trailing(usize),
}

impl RowChunk {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = ChunkWriter::new(&self.batch_id, self.attempt, self.file, self.seq);
        match &self.rows {
            ChunkRows::Orders(rows) => rows.iter().for_each(|r| w.push_order(r)),
            ChunkRows::Barcodes(rows) => rows.iter().for_each(|r| w.push_barcode(r)),
        }
        self.issues.iter().for_each(|i| w.push_issue(i));
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

/// What a chunk says about itself, before its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkHead {
    pub batch_id: BatchId,
    pub attempt: u32,
    pub file: FileKind,
    pub seq: u32,
    pub last: bool,
}

/// Receives a chunk's rows and issues as they are decoded, without an allocation per row.
pub trait ChunkVisitor {
    fn order(&mut self, row: OrderRow);
    fn barcode(&mut self, row: BarcodeRow<'_>);
    fn issue(&mut self, issue: Issue);
}

/// Collects a chunk into owned rows ([`RowChunk::decode`]).
#[derive(Default)]
struct Collect {
    orders: Vec<OrderRow>,
    barcodes: Vec<OwnedBarcodeRow>,
    issues: Vec<Issue>,
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
}

impl ChunkHead {
    /// Decodes only the head of a chunk (the rows are checked when visited).
    pub fn read(bytes: &[u8]) -> Result<ChunkHead, ChunkError> {
        let mut r = Reader { b: bytes, at: 0 };
        Self::parse(&mut r)
    }

    /// Decodes the whole chunk, handing every row and issue to `visitor` in order. A corrupt
    /// chunk is an error, possibly after some rows were visited.
    pub fn visit(bytes: &[u8], visitor: &mut impl ChunkVisitor) -> Result<ChunkHead, ChunkError> {
        let mut r = Reader { b: bytes, at: 0 };
        let head = Self::parse(&mut r)?;
        let n = r.len("row count")?;
        let mut line = 0u64;
        match head.file {
            FileKind::Orders => {
                for _ in 0..n {
                    line = line.wrapping_add(r.varint()?);
                    let order_id = r.id("order id")?;
                    let customer_id = r.id("customer id")?;
                    visitor.order(OrderRow {
                        line,
                        order_id,
                        customer_id,
                    });
                }
            }
            FileKind::Barcodes => {
                for _ in 0..n {
                    line = line.wrapping_add(r.varint()?);
                    let at = r.at;
                    let order_id = match r.varint()? {
                        0 => None,
                        id if id <= MAX_ID => Some(id),
                        _ => {
                            return Err(ChunkError::BadValue {
                                what: "order id",
                                at,
                            })
                        }
                    };
                    let len = r.byte()? as usize;
                    let at = r.at;
                    let barcode = std::str::from_utf8(r.take(len)?)
                        .ok()
                        .filter(|b| is_valid_barcode(b.as_bytes()))
                        .ok_or(ChunkError::BadValue {
                            what: "barcode",
                            at,
                        })?;
                    visitor.barcode(BarcodeRow {
                        line,
                        barcode,
                        order_id,
                    });
                }
            }
        }
        let n = r.len("issue count")?;
        for _ in 0..n {
            let file = r.file()?;
            let line = r.varint()?;
            let at = r.at;
            let code = *IssueCode::ALL
                .get(r.byte()? as usize)
                .ok_or(ChunkError::BadValue {
                    what: "issue code",
                    at,
                })?;
            let len = r.len("message length")?;
            let at = r.at;
            let message = std::str::from_utf8(r.take(len)?)
                .map_err(|_| ChunkError::BadValue {
                    what: "message",
                    at,
                })?
                .to_string();
            visitor.issue(Issue::new(file, line, code, message));
        }
        if r.at != bytes.len() {
            return Err(ChunkError::Trailing(bytes.len() - r.at));
        }
        Ok(head)
    }

    fn parse(r: &mut Reader<'_>) -> Result<ChunkHead, ChunkError> {
        if r.take(4)? != MAGIC {
            return Err(ChunkError::BadMagic);
        }
        let file = r.file()?;
        let at = r.at;
        let flags = r.byte()?;
        if flags & !LAST != 0 {
            return Err(ChunkError::BadValue { what: "flags", at });
        }
        let attempt = r.u32("attempt")?;
        let seq = r.u32("seq")?;
        let id_len = r.len("batch id length")?;
        let id_at = r.at;
        let batch_id = std::str::from_utf8(r.take(id_len)?)
            .ok()
            .and_then(|s| BatchId::parse(s).ok())
            .ok_or(ChunkError::BadValue {
                what: "batch id",
                at: id_at,
            })?;
        Ok(ChunkHead {
            batch_id,
            attempt,
            file,
            seq,
            last: flags & LAST != 0,
        })
    }
}

/// Encodes a chunk row by row, so a producer can flush at [`CHUNK_TARGET_BYTES`] without
/// building the rows twice.
pub struct ChunkWriter {
    head: Vec<u8>,
    rows: Vec<u8>,
    issues: Vec<u8>,
    row_count: u64,
    issue_count: u64,
    last_line: u64,
    file: FileKind,
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
    /// barcode is longer than 255 bytes (valid barcodes have at most 64).
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

    /// Encoded size so far (approximate to a few bytes).
    pub fn len(&self) -> usize {
        self.head.len() + self.rows.len() + self.issues.len() + 20
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

    /// The encoded chunk.
    pub fn finish(mut self, last: bool) -> Vec<u8> {
        self.head[5] = if last { LAST } else { 0 };
        let mut out = self.head;
        out.reserve(self.rows.len() + self.issues.len() + 20);
        put_varint(&mut out, self.row_count);
        out.extend_from_slice(&self.rows);
        put_varint(&mut out, self.issue_count);
        out.extend_from_slice(&self.issues);
        out
    }
}

fn file_byte(file: FileKind) -> u8 {
    match file {
        FileKind::Orders => 0,
        FileKind::Barcodes => 1,
    }
}

fn code_byte(code: IssueCode) -> u8 {
    IssueCode::ALL
        .iter()
        .position(|c| *c == code)
        .expect("IssueCode::ALL lists every code") as u8
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ChunkError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or(ChunkError::Truncated(self.at))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn byte(&mut self) -> Result<u8, ChunkError> {
        Ok(self.take(1)?[0])
    }

    fn varint(&mut self) -> Result<u64, ChunkError> {
        let start = self.at;
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let part = (b & 0x7f) as u64;
            if shift == 63 && part > 1 {
                break;
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                // A last byte of 0 after others is a longer form of a shorter varint.
                if b == 0 && shift > 0 {
                    break;
                }
                return Ok(v);
            }
        }
        Err(ChunkError::BadValue {
            what: "varint",
            at: start,
        })
    }

    /// An order or customer id: 1 to [`MAX_ID`].
    fn id(&mut self, what: &'static str) -> Result<u64, ChunkError> {
        let at = self.at;
        Some(self.varint()?)
            .filter(|id| (1..=MAX_ID).contains(id))
            .ok_or(ChunkError::BadValue { what, at })
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, ChunkError> {
        let at = self.at;
        u32::try_from(self.varint()?).map_err(|_| ChunkError::BadValue { what, at })
    }

    /// A count or length: bounded by the bytes left, so corrupt input cannot make us
    /// allocate.
    fn len(&mut self, what: &'static str) -> Result<usize, ChunkError> {
        let at = self.at;
        let v = self.varint()?;
        usize::try_from(v)
            .ok()
            .filter(|n| *n <= self.b.len())
            .ok_or(ChunkError::BadValue { what, at })
    }

    fn file(&mut self) -> Result<FileKind, ChunkError> {
        let at = self.at;
        match self.byte()? {
            0 => Ok(FileKind::Orders),
            1 => Ok(FileKind::Barcodes),
            _ => Err(ChunkError::BadValue { what: "file", at }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> BatchId {
        BatchId::parse("b0123456789abcdef01234567").unwrap()
    }

    #[test]
    fn barcode_chunks_round_trip() {
        let chunk = RowChunk {
            batch_id: id(),
            attempt: 2,
            file: FileKind::Barcodes,
            seq: 7,
            last: true,
            rows: ChunkRows::Barcodes(vec![
                OwnedBarcodeRow {
                    line: 2,
                    barcode: "000123".into(),
                    order_id: Some(1),
                },
                OwnedBarcodeRow {
                    line: 5,
                    barcode: "A".repeat(64),
                    order_id: None,
                },
                OwnedBarcodeRow {
                    line: 6,
                    barcode: "x".into(),
                    order_id: Some(i64::MAX as u64),
                },
            ]),
            issues: vec![Issue::new(
                FileKind::Barcodes,
                3,
                IssueCode::InvalidBarcode,
                "barcode \"ä\" is not ASCII".into(),
            )],
        };
        let bytes = chunk.encode();
        assert_eq!(RowChunk::decode(&bytes).unwrap(), chunk);
    }

    #[test]
    fn order_chunks_round_trip_and_are_compact() {
        let rows: Vec<OrderRow> = (0..10_000u64)
            .map(|i| OrderRow {
                line: i + 2,
                order_id: 1_000_000 + i,
                customer_id: 500 + i % 300,
            })
            .collect();
        let chunk = RowChunk {
            batch_id: id(),
            attempt: 1,
            file: FileKind::Orders,
            seq: 0,
            last: false,
            rows: ChunkRows::Orders(rows),
            issues: vec![],
        };
        let bytes = chunk.encode();
        assert!(bytes.len() < 10_000 * 7, "{} bytes", bytes.len());
        assert_eq!(RowChunk::decode(&bytes).unwrap(), chunk);
    }

    #[test]
    fn corrupt_chunks_are_errors_not_panics() {
        let chunk = RowChunk {
            batch_id: id(),
            attempt: 1,
            file: FileKind::Barcodes,
            seq: 0,
            last: true,
            rows: ChunkRows::Barcodes(vec![OwnedBarcodeRow {
                line: 2,
                barcode: "abc".into(),
                order_id: Some(3),
            }]),
            issues: vec![Issue::new(
                FileKind::Barcodes,
                9,
                IssueCode::MalformedRow,
                "m".into(),
            )],
        };
        let bytes = chunk.encode();
        for cut in 0..bytes.len() {
            assert!(RowChunk::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert_eq!(RowChunk::decode(&extra), Err(ChunkError::Trailing(1)));
        assert_eq!(RowChunk::decode(b"JSON{}"), Err(ChunkError::BadMagic));
        // Every single-byte corruption decodes or fails cleanly.
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xff;
            let _ = RowChunk::decode(&b);
        }
        // A huge declared count does not allocate it.
        let mut huge = bytes[..4 + 2].to_vec();
        huge.extend_from_slice(&[1, 0, 1, b'b']);
        huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(RowChunk::decode(&huge).is_err());
    }

    #[test]
    fn the_writer_reports_when_it_is_full() {
        let mut w = ChunkWriter::new(&id(), 1, FileKind::Barcodes, 0);
        let mut n = 0u64;
        while !w.is_full() {
            n += 1;
            w.push_barcode_parts(n + 1, "1234567890123", Some(n));
        }
        let bytes = w.finish(false);
        assert!(bytes.len() >= CHUNK_TARGET_BYTES - 64 && bytes.len() < CHUNK_TARGET_BYTES + 64);
        let back = RowChunk::decode(&bytes).unwrap();
        assert_eq!(back.row_count() as u64, n);
        assert!(!back.last);
    }

    #[test]
    fn rows_the_validator_cannot_send_are_corrupt() {
        // Found by the `row_chunk` fuzz target: a barcode with a `+` decoded, and the merger
        // would have taken it (a barcode over 64 bytes would make it panic).
        let crash = b"TQR1\x01\x00\xff\xff\xff\xff\x0f\xff\xff\xff\xff\x0f\x19b3f1c2a9d8e7f6a5b4c3d2e1f\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x40ZZZZZZZZZZZZZZZZZ+ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ\x03\x00\x010\x00";
        assert_eq!(
            RowChunk::decode(crash),
            Err(ChunkError::BadValue {
                what: "barcode",
                at: 63
            })
        );
        let barcodes = |barcode: &str, order_id: u64| {
            let mut w = ChunkWriter::new(&id(), 1, FileKind::Barcodes, 0);
            w.push_barcode_parts(2, "ok", Some(1));
            // Written as the encoder would, without its checks.
            put_varint(&mut w.rows, 1);
            put_varint(&mut w.rows, order_id);
            w.rows.push(barcode.len() as u8);
            w.rows.extend_from_slice(barcode.as_bytes());
            w.row_count += 1;
            w.finish(true)
        };
        assert!(RowChunk::decode(&barcodes("A1", 7)).is_ok());
        for (barcode, order_id) in [
            ("", 1),
            ("a-b", 1),
            ("é", 1),
            (&"7".repeat(65), 1),
            ("A1", MAX_ID + 1),
        ] {
            let bytes = barcodes(barcode, order_id);
            assert!(RowChunk::decode(&bytes).is_err(), "{barcode:?} {order_id}");
        }
        let orders = |order_id: u64, customer_id: u64| {
            let mut w = ChunkWriter::new(&id(), 1, FileKind::Orders, 0);
            put_varint(&mut w.rows, 2);
            put_varint(&mut w.rows, order_id);
            put_varint(&mut w.rows, customer_id);
            w.row_count += 1;
            w.finish(false)
        };
        assert!(RowChunk::decode(&orders(1, MAX_ID)).is_ok());
        for (o, c) in [(0, 1), (1, 0), (MAX_ID + 1, 1), (1, u64::MAX)] {
            assert!(RowChunk::decode(&orders(o, c)).is_err(), "{o} {c}");
        }
    }

    #[test]
    fn a_chunk_has_one_encoding() {
        let mut w = ChunkWriter::new(&id(), 1, FileKind::Orders, 0);
        w.push_order(&OrderRow {
            line: 2,
            order_id: 1,
            customer_id: 1,
        });
        let bytes = w.finish(true);
        let chunk = RowChunk::decode(&bytes).unwrap();
        assert_eq!(chunk.encode(), bytes);
        // The same values in a longer varint (attempt 1 as 0x81 0x00), or an unknown flag.
        let mut longer = bytes[..6].to_vec();
        longer.extend_from_slice(&[0x81, 0x00]);
        longer.extend_from_slice(&bytes[7..]);
        assert_eq!(
            RowChunk::decode(&longer),
            Err(ChunkError::BadValue {
                what: "varint",
                at: 6
            })
        );
        let mut flagged = bytes.clone();
        flagged[5] |= 2;
        assert_eq!(
            RowChunk::decode(&flagged),
            Err(ChunkError::BadValue {
                what: "flags",
                at: 5
            })
        );
        assert!(ChunkHead::read(&flagged).is_err());
        // Zero is one byte; the largest varint keeps its tenth byte.
        let mut one = Vec::new();
        put_varint(&mut one, u64::MAX);
        let mut r = Reader { b: &one, at: 0 };
        assert_eq!(r.varint(), Ok(u64::MAX));
        let mut r = Reader {
            b: &[0x80, 0x80, 0x00],
            at: 0,
        };
        assert!(r.varint().is_err());
    }
}
