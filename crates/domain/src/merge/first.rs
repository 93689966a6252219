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

/// The kept sold barcodes in two parts split at an order id, so that two threads can sort
/// and join them: `low` holds the barcodes of orders up to `pivot`, `high` the others, each
/// sorted by order_id, file order within one order.
pub(super) struct Sold {
    pub pivot: u64,
    pub low: Vec<BarcodeRec>,
    pub high: Vec<BarcodeRec>,
}

/// Which of two halves of the key space a barcode key falls in: a multiplicative hash, so
/// that numeric and text keys, whatever their lengths, split about evenly.
#[inline]
fn half_of(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 63) as usize
}

/// Rule 2 among the rows whose keys fall in `half`: each duplicate row's index with the
/// index of the first row of its barcode.
fn duplicates_in(rows: &[BarcodeRec], half: usize) -> Vec<(u32, u32)> {
    // Room for every row, as one half may get them all (one barcode repeated); only the
    // pages filled are ever touched.
    let mut by_key: Vec<(u64, u32)> = Vec::with_capacity(rows.len());
    by_key.extend(
        rows.iter()
            .enumerate()
            .filter(|(_, r)| half_of(r.key) == half)
            .map(|(i, r)| (r.key, i as u32)),
    );
    radsort::sort_by_key(&mut by_key, |p| p.0); // stable: file order within one barcode
    let duplicates = by_key.windows(2).filter(|w| w[0].0 == w[1].0).count();
    let mut dups = Vec::with_capacity(duplicates);
    let mut first = 0usize;
    for n in 1..by_key.len() {
        if by_key[n - 1].0 == by_key[n].0 {
            dups.push((by_key[n].1, by_key[first].1));
        } else {
            first = n;
        }
    }
    dups
}

/// The median order id of a sample of the sold rows: the split point of [`Sold`].
fn pivot_of(rows: &[BarcodeRec]) -> u64 {
    const SAMPLE: usize = 1023;
    let step = (rows.len() / SAMPLE).max(1);
    let mut ids: Vec<u64> = rows
        .iter()
        .step_by(step)
        .map(|r| r.order_id)
        .filter(|&id| id != 0)
        .collect();
    if ids.is_empty() {
        return u64::MAX;
    }
    let mid = ids.len() / 2;
    *ids.select_nth_unstable(mid).1
}

/// Rules 2 and 3: the first row of each barcode wins. Returns the kept sold barcodes in two
/// parts sorted by order_id, the unused barcodes' keys and lines in file order, and the
/// duplicates' issues. Both halves of the key space, then both parts, are worked on at
/// once. The book's rows are gone afterwards (they are in the parts), its texts remain.
pub(super) fn first_barcodes(book: &mut BarcodeBook) -> (Sold, KeysAndLines, Vec<Issue>) {
    let rows = &book.rows;
    let (mut dups, other) = std::thread::scope(|s| {
        let other = s.spawn(|| duplicates_in(rows, 1));
        let mine = duplicates_in(rows, 0);
        (
            mine,
            other
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
        )
    });
    // Sized exactly, and the issues written once the sorts' pairs are gone: with millions
    // of duplicates, the issues are most of the memory.
    dups.reserve_exact(other.len());
    dups.extend(other);
    let mut skip: Vec<u32> = dups.iter().map(|&(i, _)| i).collect();
    skip.sort_unstable();
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
        .collect::<Vec<_>>();
    // Rule 3 and the two parts, each part gathered by its own thread.
    let pivot = pivot_of(rows);
    let kept = rows.len() - issues.len();
    let (mut low, mut high, unused, unused_lines) = std::thread::scope(|s| {
        let high = s.spawn(|| {
            let mut high = Vec::with_capacity(kept);
            for_kept(rows, &skip, |r| {
                if r.order_id > pivot {
                    high.push(*r)
                }
            });
            high
        });
        let mut low = Vec::with_capacity(kept);
        let (mut unused, mut unused_lines) = (Vec::with_capacity(kept), Vec::with_capacity(kept));
        for_kept(rows, &skip, |r| {
            if r.order_id == 0 {
                unused.push(r.key);
                unused_lines.push(r.line);
            } else if r.order_id <= pivot {
                low.push(*r);
            }
        });
        let high = high.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (low, high, unused, unused_lines)
    });
    // Freed before the sorts, which need as much again for their scratch space.
    drop(std::mem::take(&mut book.rows));
    std::thread::scope(|s| {
        let other = s.spawn(|| radsort::sort_by_key(&mut high, |r| r.order_id));
        radsort::sort_by_key(&mut low, |r| r.order_id);
        other
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
    });
    (Sold { pivot, low, high }, (unused, unused_lines), issues)
}

/// Calls `f` for each row in file order, but those whose indices are in `skip` (ascending).
fn for_kept(rows: &[BarcodeRec], skip: &[u32], mut f: impl FnMut(&BarcodeRec)) {
    let mut from = 0;
    for &i in skip {
        rows[from..i as usize].iter().for_each(&mut f);
        from = i as usize + 1;
    }
    rows[from..].iter().for_each(f);
}
