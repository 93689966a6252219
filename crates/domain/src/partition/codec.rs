//! The records the partition steps hand each other: valid order rows, barcode rows and
//! issues, little-endian, one after the other with no other framing.
//!
//! - order: `line`, `order_id`, `customer_id` (three `u64`);
//! - barcode: `line`, `order_id` (0 when unsold) (two `u64`), the barcode's length (`u8`,
//!   a barcode is at most 64 bytes) and its bytes;
//! - issue: the file (`u8`: 0 orders, 1 barcodes), the code (`u8`, its place in
//!   [`IssueCode::ALL`]), `line` (`u64`), the message's length (`u32`) and its bytes.
//!
//! A reader refuses a record cut short or a value out of range as `InvalidData`.

use crate::book::{BarcodeBook, OrderBook};
use crate::issue::{FileKind, Issue, IssueCode};
use crate::parse::{BarcodeRow, OrderRow};
use std::io::{self, Read};

/// Appends an order row.
pub fn put_order(out: &mut Vec<u8>, row: &OrderRow) {
    out.extend_from_slice(&row.line.to_le_bytes());
    out.extend_from_slice(&row.order_id.to_le_bytes());
    out.extend_from_slice(&row.customer_id.to_le_bytes());
}

/// Appends a barcode row.
pub fn put_barcode(out: &mut Vec<u8>, line: u64, order_id: Option<u64>, barcode: &[u8]) {
    let len = u8::try_from(barcode.len()).expect("a valid barcode is at most 64 bytes");
    out.extend_from_slice(&line.to_le_bytes());
    out.extend_from_slice(&order_id.unwrap_or(0).to_le_bytes());
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
    out.extend_from_slice(&issue.line.to_le_bytes());
    let message = issue.message.as_bytes();
    let len = u32::try_from(message.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&message[..len as usize]);
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("partition record: {what}"),
    )
}

/// Fills `buf`; `false` at a clean end before its first byte.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => return Err(invalid("cut short")),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

fn exact(r: &mut impl Read, buf: &mut [u8]) -> io::Result<()> {
    if buf.is_empty() || fill(r, buf)? {
        Ok(())
    } else {
        Err(invalid("cut short"))
    }
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Reads every order row of `r` into `book`, in order; returns how many.
pub fn read_orders(mut r: impl Read, book: &mut OrderBook) -> io::Result<u64> {
    let mut rec = [0u8; 24];
    let mut n = 0;
    while fill(&mut r, &mut rec)? {
        book.push(OrderRow {
            line: u64_at(&rec, 0),
            order_id: u64_at(&rec, 8),
            customer_id: u64_at(&rec, 16),
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

impl<R: Read> BarcodeReader<R> {
    pub fn new(r: R) -> Self {
        BarcodeReader {
            r,
            text: Vec::with_capacity(64),
        }
    }

    /// The next row, or `None` at the end.
    pub fn next_row(&mut self) -> io::Result<Option<BarcodeRow<'_>>> {
        let mut head = [0u8; 17];
        if !fill(&mut self.r, &mut head)? {
            return Ok(None);
        }
        let (line, order_id) = (u64_at(&head, 0), u64_at(&head, 8));
        self.text.resize(head[16] as usize, 0);
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
pub fn read_barcodes(r: impl Read, book: &mut BarcodeBook) -> io::Result<u64> {
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

impl<R: Read> IssueReader<R> {
    pub fn new(r: R) -> Self {
        IssueReader { r }
    }

    fn read_one(&mut self) -> io::Result<Option<Issue>> {
        let mut head = [0u8; 14];
        if !fill(&mut self.r, &mut head)? {
            return Ok(None);
        }
        let file = match head[0] {
            0 => FileKind::Orders,
            1 => FileKind::Barcodes,
            _ => return Err(invalid("file")),
        };
        let code = *IssueCode::ALL
            .get(head[1] as usize)
            .ok_or_else(|| invalid("code"))?;
        let line = u64_at(&head, 2);
        let len = u32::from_le_bytes(head[10..14].try_into().expect("4 bytes")) as usize;
        let mut message = vec![0u8; len];
        exact(&mut self.r, &mut message)?;
        let message = String::from_utf8(message).map_err(|_| invalid("message"))?;
        Ok(Some(Issue::new(file, line, code, message)))
    }
}

impl<R: Read> Iterator for IssueReader<R> {
    type Item = io::Result<Issue>;

    fn next(&mut self) -> Option<io::Result<Issue>> {
        self.read_one().transpose()
    }
}

/// Reads the barcode rows of several runs, each in file order, into `book` in file order
/// (a merge by line); returns how many.
pub fn read_barcodes_by_line<R: Read>(runs: Vec<R>, book: &mut BarcodeBook) -> io::Result<u64> {
    use std::cmp::Reverse;
    /// A run's next row, its barcode copied (the reader's buffer is overwritten).
    struct Head<R> {
        rows: BarcodeReader<R>,
        order_id: Option<u64>,
        text: String,
    }
    impl<R: Read> Head<R> {
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
