//! A whole batch from two readers, both files parsed at once on two threads.

use crate::book::{BarcodeBook, OrderBook};
use crate::issue::{FileKind, Issue};
use crate::merge::{merge, Outcome};
use crate::parse::{BarcodeRow, BarcodesParser, FatalError, OrderRow, OrdersParser, Parsed};
use std::io::{ErrorKind, Read};

const CHUNK: usize = 1 << 20;

/// Reads `orders` and `barcodes` to the end and applies every rule of SPEC §3.
///
/// `progress` is called with the number of bytes just read (from either thread). Size hints
/// (the files' lengths, when known) pre-size the tables.
pub fn process<O, B>(
    orders: O,
    barcodes: B,
    size_hints: (u64, u64),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcome, FatalError>
where
    O: Read + Send,
    B: Read + Send,
{
    let (orders, barcodes) = std::thread::scope(|s| {
        let o = s.spawn(|| read_orders(orders, size_hints.0, progress));
        let b = read_barcodes(barcodes, size_hints.1, progress);
        let o = o
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (o, b)
    });
    let (orders, mut issues) = orders?;
    let (barcodes, barcode_issues) = barcodes?;
    issues.extend(barcode_issues);
    Ok(merge(orders, barcodes, issues))
}

fn read_orders(
    r: impl Read,
    size: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(OrderBook, Vec<Issue>), FatalError> {
    // About 16 bytes per row in a typical export.
    let mut book = OrderBook::with_capacity((size / 16) as usize);
    let mut issues = Vec::new();
    let mut parser = OrdersParser::new();
    let mut sink = |p: Parsed<OrderRow>| match p {
        Parsed::Row(row) => book.push(row),
        Parsed::Issue(issue) => issues.push(issue),
    };
    feed(r, FileKind::Orders, progress, |chunk| {
        parser.push(chunk, &mut sink)
    })?;
    parser.finish(&mut sink)?;
    Ok((book, issues))
}

fn read_barcodes(
    r: impl Read,
    size: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(BarcodeBook, Vec<Issue>), FatalError> {
    // About 20 bytes per row in a typical export.
    let mut book = BarcodeBook::with_capacity((size / 20) as usize);
    let mut issues = Vec::new();
    let mut parser = BarcodesParser::new();
    let mut sink = |p: Parsed<BarcodeRow<'_>>| match p {
        Parsed::Row(row) => book.push(row),
        Parsed::Issue(issue) => issues.push(issue),
    };
    feed(r, FileKind::Barcodes, progress, |chunk| {
        parser.push(chunk, &mut sink)
    })?;
    parser.finish(&mut sink)?;
    Ok((book, issues))
}

fn feed(
    mut r: impl Read,
    file: FileKind,
    progress: &(dyn Fn(u64) + Sync),
    mut push: impl FnMut(&[u8]) -> Result<(), FatalError>,
) -> Result<(), FatalError> {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(FatalError::unreadable(file, e)),
        };
        push(&buf[..n])?;
        progress(n as u64);
    }
}
