//! Rules 1–3, each file on its own: the first row of each order and of each barcode wins
//! (the others are duplicates), and a kept barcode without an order is unused.

use crate::book::{BarcodeBook, BarcodeRec, OrderRec};
use crate::issue::{shown, FileKind, Issue, IssueCode};

/// Rule 1: the first row of each order_id wins. Returns the kept orders sorted by order_id.
pub(super) fn first_orders(rows: Vec<OrderRec>) -> (Vec<OrderRec>, Vec<Issue>) {
    if rows.windows(2).all(|w| w[0].order_id < w[1].order_id) {
        return (rows, Vec::new()); // already sorted and unique, as exports usually are
    }
    let mut order: Vec<(u64, u32)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.order_id, i as u32))
        .collect();
    radsort::sort_by_key(&mut order, |p| p.0); // stable: file order within one id

    // Sized exactly, and the issues written once the sort's pairs are gone: with millions
    // of duplicates, the issues are most of the memory.
    let duplicates = order.windows(2).filter(|w| w[0].0 == w[1].0).count();
    let mut kept = Vec::with_capacity(rows.len() - duplicates);
    let mut dups = Vec::with_capacity(duplicates);
    let mut first = 0usize;
    for (n, &(id, i)) in order.iter().enumerate() {
        if n > 0 && order[n - 1].0 == id {
            dups.push((i, order[first].1));
        } else {
            first = n;
            kept.push(rows[i as usize]);
        }
    }
    drop(order);
    let issues = dups
        .into_iter()
        .map(|(i, first)| {
            let (row, first_line) = (&rows[i as usize], rows[first as usize].line);
            Issue::new(
                FileKind::Orders,
                row.line,
                IssueCode::DuplicateOrder,
                format!(
                    "duplicate order_id {} (first on line {first_line})",
                    row.order_id
                ),
            )
        })
        .collect();
    (kept, issues)
}

/// Barcode keys and their `barcodes.csv` lines, side by side.
pub(super) type KeysAndLines = (Vec<u64>, Vec<u64>);

/// Rules 2 and 3: the first row of each barcode wins. Returns the kept sold barcodes sorted
/// by order_id (file order within one order) and the unused barcodes' keys and lines in
/// file order.
pub(super) fn first_barcodes(book: &BarcodeBook) -> (Vec<BarcodeRec>, KeysAndLines, Vec<Issue>) {
    let rows = &book.rows;
    let mut by_key: Vec<(u64, u32)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.key, i as u32))
        .collect();
    radsort::sort_by_key(&mut by_key, |p| p.0); // stable: file order within one barcode

    // As in `first_orders`: sized exactly, issues written once the pairs are gone.
    let duplicates = by_key.windows(2).filter(|w| w[0].0 == w[1].0).count();
    let mut duplicate = vec![false; rows.len()];
    let mut dups = Vec::with_capacity(duplicates);
    let mut first = 0usize;
    for n in 0..by_key.len() {
        if n > 0 && by_key[n - 1].0 == by_key[n].0 {
            let i = by_key[n].1;
            duplicate[i as usize] = true;
            dups.push((i, by_key[first].1));
        } else {
            first = n;
        }
    }
    drop(by_key);
    let issues = dups
        .into_iter()
        .map(|(i, first)| {
            let (row, first_line) = (&rows[i as usize], rows[first as usize].line);
            let message = format!(
                "duplicate barcode {} (first on line {first_line})",
                shown(&book.text_of(row.key))
            );
            Issue::new(
                FileKind::Barcodes,
                row.line,
                IssueCode::DuplicateBarcode,
                message,
            )
        })
        .collect();
    let mut sold = Vec::with_capacity(rows.len() - duplicates);
    let mut unused = Vec::new();
    let mut unused_lines = Vec::new();
    for (r, dup) in rows.iter().zip(duplicate) {
        if dup {
            continue;
        }
        if r.order_id == 0 {
            unused.push(r.key);
            unused_lines.push(r.line);
        } else {
            sold.push(*r);
        }
    }
    radsort::sort_by_key(&mut sold, |r| r.order_id);
    (sold, (unused, unused_lines), issues)
}
