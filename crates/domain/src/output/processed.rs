//! `processed_orders.csv`: the header `customer_id,order_id,barcodes`, then one line per
//! output row, `customer_id,order_id,[b1, b2]`, the list quoted when it holds a comma
//! (rule 6). Barcodes are ASCII letters and digits, so nothing else needs quoting.
//!
//! The text between the brackets, `b1, b2`, is a [`BarcodeList`]: what the persister reads
//! back and PostgreSQL stores in `batch_orders.barcodes`.

use super::read::{field_count, number, text, ResultFormat};
use super::write_file;
use crate::barcode::push_text;
use crate::merge::{Outcome, OutputRow};
use crate::records::Record;
use std::io::{self, Write};

/// The header line of `processed_orders.csv`.
pub const HEADER: &str = "customer_id,order_id,barcodes\n";

/// Opens the barcode list.
const OPEN: u8 = b'[';
/// Closes the barcode list.
const CLOSE: u8 = b']';
/// Separates two barcodes of the list.
const SEPARATOR: &str = ", ";

/// Appends one output row: `customer_id,order_id,`, then the list written by `list` between
/// its brackets, quoted when it holds more than one barcode.
#[inline(always)]
fn push_row(
    out: &mut Vec<u8>,
    customer_id: u64,
    order_id: u64,
    barcodes: usize,
    list: impl FnOnce(&mut Vec<u8>),
) {
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(n.format(customer_id).as_bytes());
    out.push(b',');
    out.extend_from_slice(n.format(order_id).as_bytes());
    out.push(b',');
    let quoted = barcodes > 1;
    if quoted {
        out.push(b'"');
    }
    out.push(OPEN);
    list(out);
    out.push(CLOSE);
    if quoted {
        out.push(b'"');
    }
    out.push(b'\n');
}

/// Appends `barcodes` joined by the separator.
#[inline(always)]
fn push_joined<B: AsRef<[u8]>>(out: &mut Vec<u8>, barcodes: impl Iterator<Item = B>) {
    for (i, b) in barcodes.enumerate() {
        if i > 0 {
            out.extend_from_slice(SEPARATOR.as_bytes());
        }
        out.extend_from_slice(b.as_ref());
    }
}

/// Appends one output row of an [`Outcome`].
pub fn format_row(out: &mut Vec<u8>, row: &OutputRow<'_>) {
    let (keys, arena) = row.keys();
    push_row(out, row.customer_id, row.order_id, keys.len(), |out| {
        for (i, &key) in keys.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(SEPARATOR.as_bytes());
            }
            push_text(key, arena, out);
        }
    });
}

/// Appends one output row from its parts (the barcodes in `barcodes.csv` line order).
pub fn format_order<B: AsRef<str>>(
    out: &mut Vec<u8>,
    customer_id: u64,
    order_id: u64,
    barcodes: impl ExactSizeIterator<Item = B>,
) {
    push_row(out, customer_id, order_id, barcodes.len(), |out| {
        push_joined(out, barcodes.map(|b| StrBytes(b)))
    });
}

/// Appends one output row as read back: the same bytes as the line it was read from.
pub fn format_line(out: &mut Vec<u8>, line: &OrderLine<'_>) {
    let list = line.barcodes;
    push_row(out, line.customer_id, line.order_id, list.len(), |out| {
        out.extend_from_slice(list.as_str().as_bytes())
    });
}

/// A `str` seen as bytes.
struct StrBytes<B>(B);

impl<B: AsRef<str>> AsRef<[u8]> for StrBytes<B> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref().as_bytes()
    }
}

/// Writes the whole `processed_orders.csv`, header included.
pub fn write_processed(outcome: &Outcome, w: &mut impl Write) -> io::Result<()> {
    write_file(w, HEADER, outcome.rows(), |buf, row| format_row(buf, &row))
}

/// Like [`write_processed`], formatting on two threads: blocks of rows are formatted
/// alternately by two workers and written in order, with at most a few blocks in memory.
/// Each worker's buffers go back to it once written, so the same few are used throughout
/// (a new buffer per block is new memory, faulted in page by page).
pub fn write_processed_parallel(outcome: &Outcome, w: &mut (impl Write + Send)) -> io::Result<()> {
    const BLOCK: usize = 16 * 1024;
    const WORKERS: usize = 2;
    /// Blocks a worker may have formatted ahead of the writer.
    const AHEAD: usize = 2;
    let rows = outcome.rows.len();
    if rows < 4 * BLOCK {
        return write_processed(outcome, w);
    }
    let blocks = rows.div_ceil(BLOCK);
    std::thread::scope(|s| {
        let mut inboxes = Vec::new();
        let mut returns = Vec::new();
        for worker in 0..WORKERS {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(AHEAD);
            let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<u8>>();
            inboxes.push(rx);
            returns.push(back_tx);
            s.spawn(move || {
                for block in (worker..blocks).step_by(WORKERS) {
                    let range = block * BLOCK..((block + 1) * BLOCK).min(rows);
                    let mut buf = back_rx
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(BLOCK * 128));
                    buf.clear();
                    for row in outcome.rows_in(range) {
                        format_row(&mut buf, &row);
                    }
                    if tx.send(buf).is_err() {
                        return; // the writer stopped on an error
                    }
                }
            });
        }
        w.write_all(HEADER.as_bytes())?;
        for block in 0..blocks {
            let buf = inboxes[block % WORKERS]
                .recv()
                .map_err(|_| io::Error::other("a formatting thread stopped"))?;
            w.write_all(&buf)?;
            // The worker may have finished: then the buffer is simply dropped.
            let _ = returns[block % WORKERS].send(buf);
        }
        Ok(())
    })
}

/// The barcodes of one output row as they stand between its brackets, `b1, b2`: at least
/// one, none empty. `batch_orders.barcodes` stores this text as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarcodeList<'a> {
    text: &'a str,
    len: usize,
}

impl<'a> BarcodeList<'a> {
    /// Reads a list's text; fails (saying why) when a barcode in it is empty.
    pub fn parse(text: &'a str) -> Result<BarcodeList<'a>, String> {
        let mut len = 0;
        for barcode in text.split(SEPARATOR) {
            if barcode.is_empty() {
                return Err(format!("an empty barcode in {text:?}"));
            }
            len += 1;
        }
        Ok(BarcodeList { text, len })
    }

    /// The list's text, as between the brackets.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The number of barcodes (the order's tickets).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never true for a list read by [`BarcodeList::parse`].
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The barcodes, in `barcodes.csv` line order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        split(self.text)
    }

    /// The text of the list of `barcodes`, for [`BarcodeList::parse`].
    pub fn join<B: AsRef<str>>(barcodes: impl IntoIterator<Item = B>) -> String {
        let mut out = Vec::new();
        push_joined(&mut out, barcodes.into_iter().map(|b| StrBytes(b)));
        String::from_utf8(out).unwrap_or_default()
    }
}

/// The barcodes of a list's text (one stored in `batch_orders.barcodes`, checked when it
/// was written), in `barcodes.csv` line order.
pub fn split(list: &str) -> impl Iterator<Item = &str> {
    list.split(SEPARATOR)
}

/// One line of `processed_orders.csv`, read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderLine<'a> {
    pub customer_id: u64,
    pub order_id: u64,
    pub barcodes: BarcodeList<'a>,
}

/// `processed_orders.csv`, for [`super::ResultReader`].
pub struct ProcessedOrdersCsv;

impl ResultFormat for ProcessedOrdersCsv {
    const HEADER: &'static str = HEADER;
    type Line<'a> = OrderLine<'a>;

    fn read<'a>(record: &Record<'a>) -> Result<OrderLine<'a>, String> {
        field_count(record, 3)?;
        let customer_id = number(record.field(0))?;
        let order_id = number(record.field(1))?;
        let list = text(record.field(2))?;
        let inner = list
            .strip_prefix(char::from(OPEN))
            .and_then(|l| l.strip_suffix(char::from(CLOSE)))
            .ok_or_else(|| format!("barcodes {list:?} are not a [list]"))?;
        let barcodes =
            BarcodeList::parse(inner).map_err(|why| format!("order {order_id} has {why}"))?;
        Ok(OrderLine {
            customer_id,
            order_id,
            barcodes,
        })
    }
}
