//! The records the partition steps hand each other: valid order rows, barcode rows and
//! issues, one after the other with no other framing. Numbers are LEB128 varints (their
//! shortest form), so a record costs about what its CSV line does: the objects between
//! the steps are most of the bytes a partitioned merge sends through the file bucket
//! (`docs/architecture.md`, "Capacity").
//!
//! - order: `line`, `order_id`, `customer_id`;
//! - barcode: `line`, `order_id` (0 when unsold), the barcode's length (one byte, a
//!   barcode is at most 64 bytes) and its bytes;
//! - issue: the file (one byte: 0 orders, 1 barcodes), the code (one byte, its place in
//!   [`IssueCode::ALL`]), `line`, the message's length and its bytes.
//!
//! A reader refuses a record cut short, a varint longer than its shortest form or past
//! 64 bits, and a value out of range as `InvalidData`.

use crate::book::{BarcodeBook, OrderBook};
use crate::issue::{FileKind, Issue, IssueCode};
use crate::parse::{BarcodeRow, OrderRow};
use std::io::{self, BufRead, Read};

/// Appends `v` as a LEB128 varint, its shortest form (also the row chunks' varint,
/// `tiqets_contract::chunk`).
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends an order row.
pub fn put_order(out: &mut Vec<u8>, row: &OrderRow) {
    put_varint(out, row.line);
    put_varint(out, row.order_id);
    put_varint(out, row.customer_id);
}

/// Appends a barcode row.
pub fn put_barcode(out: &mut Vec<u8>, line: u64, order_id: Option<u64>, barcode: &[u8]) {
    let len = u8::try_from(barcode.len()).expect("a valid barcode is at most 64 bytes");
    put_varint(out, line);
    put_varint(out, order_id.unwrap_or(0));
    out.push(len);
    out.extend_from_slice(barcode);
}

/// Appends an issue.
pub fn put_issue(out: &mut Vec<u8>, issue: &Issue) {
    out.push(match issue.file {
        FileKind::Orders => 0,
        FileKind::Barcodes => 1,
    });
    out.push(issue.code as u8);
    put_varint(out, issue.line);
    let message = issue.message.as_bytes();
    put_varint(out, message.len() as u64);
    out.extend_from_slice(message);
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("partition record: {what}"),
    )
}

/// The reader's buffered bytes, filled when empty (empty at the end). A read interrupted
/// is tried again; the second `fill_buf` only returns what the first one buffered.
fn buffer<R: BufRead>(r: &mut R) -> io::Result<&[u8]> {
    loop {
        match r.fill_buf() {
            Ok(_) => return r.fill_buf(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The next byte, or `None` at the end.
fn byte(r: &mut impl BufRead) -> io::Result<Option<u8>> {
    let b = buffer(r)?.first().copied();
    if b.is_some() {
        r.consume(1);
    }
    Ok(b)
}

/// Folds the varint byte `b`, the `i`th, into `v`; `true` once it is the last one.
fn fold(v: &mut u64, i: usize, b: u8) -> io::Result<bool> {
    let part = u64::from(b & 0x7f);
    if i == 9 && part > 1 {
        return Err(invalid("a varint past 64 bits"));
    }
    *v |= part << (7 * i);
    if b & 0x80 != 0 {
        return Ok(false);
    }
    if b == 0 && i > 0 {
        return Err(invalid("a varint longer than its shortest form"));
    }
    Ok(true)
}

/// The next varint, or `None` at a clean end before its first byte. Read in place when
/// the reader's buffer holds it whole, a byte at a time across the buffer's end.
fn varint_or_end(r: &mut impl BufRead) -> io::Result<Option<u64>> {
    let buf = buffer(r)?;
    if buf.is_empty() {
        return Ok(None);
    }
    let mut v = 0;
    for (i, &b) in buf.iter().take(10).enumerate() {
        if fold(&mut v, i, b)? {
            r.consume(i + 1);
            return Ok(Some(v));
        }
    }
    if buf.len() >= 10 {
        return Err(invalid("a varint past 64 bits"));
    }
    let mut v = 0;
    for i in 0..10 {
        let b = byte(r)?.ok_or_else(|| invalid("cut short"))?;
        if fold(&mut v, i, b)? {
            return Ok(Some(v));
        }
    }
    Err(invalid("a varint past 64 bits"))
}

/// The next varint of a record begun.
fn varint(r: &mut impl BufRead) -> io::Result<u64> {
    varint_or_end(r)?.ok_or_else(|| invalid("cut short"))
}

/// Fills `buf` with the next bytes of a record begun.
fn exact(r: &mut impl BufRead, buf: &mut [u8]) -> io::Result<()> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => invalid("cut short"),
        _ => e,
    })
}

/// Reads every order row of `r` into `book`, in order; returns how many.
pub fn read_orders(mut r: impl BufRead, book: &mut OrderBook) -> io::Result<u64> {
    let mut n = 0;
    while let Some(line) = varint_or_end(&mut r)? {
        let order_id = varint(&mut r)?;
        let customer_id = varint(&mut r)?;
        book.push(OrderRow {
            line,
            order_id,
            customer_id,
        });
        n += 1;
    }
    Ok(n)
}

/// Barcode rows read one at a time, the barcode borrowed from the reader.
pub struct BarcodeReader<R> {
    r: R,
    text: Vec<u8>,
}

impl<R: BufRead> BarcodeReader<R> {
    pub fn new(r: R) -> Self {
        BarcodeReader {
            r,
            text: Vec::with_capacity(64),
        }
    }

    /// The next row, or `None` at the end.
    pub fn next_row(&mut self) -> io::Result<Option<BarcodeRow<'_>>> {
        let Some(line) = varint_or_end(&mut self.r)? else {
            return Ok(None);
        };
        let order_id = varint(&mut self.r)?;
        let len = byte(&mut self.r)?.ok_or_else(|| invalid("cut short"))?;
        self.text.resize(usize::from(len), 0);
        exact(&mut self.r, &mut self.text)?;
        let barcode = std::str::from_utf8(&self.text).map_err(|_| invalid("barcode"))?;
        Ok(Some(BarcodeRow {
            line,
            barcode,
            order_id: (order_id != 0).then_some(order_id),
        }))
    }
}

/// Reads every barcode row of `r` into `book`, in order; returns how many.
pub fn read_barcodes(r: impl BufRead, book: &mut BarcodeBook) -> io::Result<u64> {
    let mut rows = BarcodeReader::new(r);
    let mut n = 0;
    while let Some(row) = rows.next_row()? {
        book.push(row);
        n += 1;
    }
    Ok(n)
}

/// The issues of `r`, in order.
pub struct IssueReader<R> {
    r: R,
}

impl<R: BufRead> IssueReader<R> {
    pub fn new(r: R) -> Self {
        IssueReader { r }
    }

    fn read_one(&mut self) -> io::Result<Option<Issue>> {
        let Some(file) = byte(&mut self.r)? else {
            return Ok(None);
        };
        let file = match file {
            0 => FileKind::Orders,
            1 => FileKind::Barcodes,
            _ => return Err(invalid("file")),
        };
        let code = byte(&mut self.r)?.ok_or_else(|| invalid("cut short"))?;
        let code = *IssueCode::ALL
            .get(usize::from(code))
            .ok_or_else(|| invalid("code"))?;
        let line = varint(&mut self.r)?;
        let len = usize::try_from(varint(&mut self.r)?).map_err(|_| invalid("message"))?;
        // A message is a line's worth of text: no length read is trusted with memory.
        let mut message = Vec::new();
        (&mut self.r).take(len as u64).read_to_end(&mut message)?;
        if message.len() != len {
            return Err(invalid("cut short"));
        }
        let message = String::from_utf8(message).map_err(|_| invalid("message"))?;
        Ok(Some(Issue::new(file, line, code, message)))
    }
}

impl<R: BufRead> Iterator for IssueReader<R> {
    type Item = io::Result<Issue>;

    fn next(&mut self) -> Option<io::Result<Issue>> {
        self.read_one().transpose()
    }
}

/// Reads the barcode rows of several runs, each in file order, into `book` in file order
/// (a merge by line); returns how many.
pub fn read_barcodes_by_line<R: BufRead>(runs: Vec<R>, book: &mut BarcodeBook) -> io::Result<u64> {
    use std::cmp::Reverse;
    /// A run's next row, its barcode copied (the reader's buffer is overwritten).
    struct Head<R> {
        rows: BarcodeReader<R>,
        order_id: Option<u64>,
        text: String,
    }
    impl<R: BufRead> Head<R> {
        /// Reads the next row; its line, or `None` at the end.
        fn advance(&mut self) -> io::Result<Option<u64>> {
            let Some(row) = self.rows.next_row()? else {
                return Ok(None);
            };
            self.order_id = row.order_id;
            self.text.clear();
            self.text.push_str(row.barcode);
            Ok(Some(row.line))
        }
    }
    let mut heads = Vec::with_capacity(runs.len());
    let mut heap = std::collections::BinaryHeap::new();
    for (i, r) in runs.into_iter().enumerate() {
        let mut head = Head {
            rows: BarcodeReader::new(r),
            order_id: None,
            text: String::with_capacity(64),
        };
        if let Some(line) = head.advance()? {
            heap.push(Reverse((line, i)));
        }
        heads.push(head);
    }
    let mut n = 0;
    while let Some(Reverse((line, i))) = heap.pop() {
        let head = &mut heads[i];
        book.push(BarcodeRow {
            line,
            barcode: &head.text,
            order_id: head.order_id,
        });
        n += 1;
        if let Some(line) = head.advance()? {
            heap.push(Reverse((line, i)));
        }
    }
    Ok(n)
}
