//! Rules 1–3, each file on its own: the first row of each order and of each barcode wins
//! (the others are duplicates), and a kept barcode without an order is unused.

use super::radix;
use super::seen::repeats_in;
use crate::book::{BarcodeBook, BarcodeRec, OrderRec, Rows};
use crate::issue::{shown, FileKind, IssueCode, IssueLimit, IssueLog};

/// Rule 1: the first row of each order_id wins. Returns the kept orders sorted by order_id.
pub(super) fn first_orders(
    mut rows: Vec<OrderRec>,
    limit: IssueLimit,
) -> (Vec<OrderRec>, IssueLog) {
    let mut issues = IssueLog::new(limit);
    if first_orders_in_place(&mut rows, &mut issues) {
        return (rows, issues);
    }
    let mut order: Vec<(u64, u32)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.order_id, i as u32))
        .collect();
    radix::sort_by_key_alloc(&mut order, |p| p.0); // stable: file order within one id

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
    for (i, first) in dups {
        let (row, first_line) = (&rows[i as usize], rows[first as usize].line);
        issues.push_with(
            FileKind::Orders,
            row.line,
            IssueCode::DuplicateOrder,
            || duplicate_order(row, first_line),
        );
    }
    (kept, issues)
}

/// Rule 1 for rows in order_id order but for a few, as exports are (a repeated row, an
/// order added late): the rows in order stay where they are, the others are sorted and
/// merged in, without a sort of every row or any table beside the rows. `false`, the rows
/// untouched, when more than a few are out of order.
fn first_orders_in_place(rows: &mut Vec<OrderRec>, issues: &mut IssueLog) -> bool {
    // A row is out of order when its id is not above every id before it.
    let mut max = 0;
    let mut late = 0usize;
    for r in rows.iter() {
        if r.order_id > max {
            max = r.order_id;
        } else {
            late += 1;
        }
    }
    if late > rows.len() / 16 + 16 {
        return false;
    }
    let mut out_of_order = Vec::with_capacity(late);
    let mut kept = 0;
    max = 0;
    for i in 0..rows.len() {
        let r = rows[i];
        if r.order_id > max {
            max = r.order_id;
            rows[kept] = r;
            kept += 1;
        } else {
            out_of_order.push(r);
        }
    }
    rows.truncate(kept);
    // A row in order always comes before the late rows of its id, so it is their first; a
    // late id not in order is new, and its first late row wins.
    out_of_order.sort_by_key(|r| r.order_id); // stable: file order within one id
    let mut new = Vec::new();
    for group in out_of_order.chunk_by(|a, b| a.order_id == b.order_id) {
        let (first, rest) = match rows.binary_search_by_key(&group[0].order_id, |r| r.order_id) {
            Ok(at) => (rows[at], group),
            Err(_) => {
                new.push(group[0]);
                (group[0], &group[1..])
            }
        };
        for r in rest {
            issues.push_with(FileKind::Orders, r.line, IssueCode::DuplicateOrder, || {
                duplicate_order(r, first.line)
            });
        }
    }
    // Merge the new ones in from the back; they came from the rows, so there is room.
    let (mut i, mut j) = (rows.len(), new.len());
    rows.resize(rows.len() + new.len(), OrderRec::default());
    let mut at = rows.len();
    while j > 0 {
        at -= 1;
        if i > 0 && rows[i - 1].order_id > new[j - 1].order_id {
            rows[at] = rows[i - 1];
            i -= 1;
        } else {
            rows[at] = new[j - 1];
            j -= 1;
        }
    }
    true
}

fn duplicate_order(row: &OrderRec, first_line: u64) -> String {
    format!(
        "duplicate order_id {} (first on line {first_line})",
        row.order_id
    )
}

/// Barcode keys and their `barcodes.csv` lines, side by side.
pub(crate) type KeysAndLines = (Vec<u64>, Vec<u64>);

/// The kept sold barcodes in two parts split at an order id, so that two threads can sort
/// and join them: `low` holds the barcodes of orders up to `pivot`, `high` the others, each
/// sorted by order_id, file order within one order.
pub(crate) struct Sold {
    pub pivot: u64,
    pub low: Vec<BarcodeRec>,
    pub high: Vec<BarcodeRec>,
}

/// The median order id of a sample of the sold rows: the split point of [`Sold`].
fn pivot_of(rows: Rows<'_>) -> u64 {
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
pub(crate) fn first_barcodes(
    book: &mut BarcodeBook,
    limit: IssueLimit,
) -> (Sold, KeysAndLines, IssueLog) {
    let rows = book.all_rows();
    let (mut dups, other) = std::thread::scope(|s| {
        let other = s.spawn(|| repeats_in(rows, 1));
        let mine = repeats_in(rows, 0);
        (
            mine,
            other
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
        )
    });
    // Sized exactly, and the issues written once the buckets are gone: with millions
    // of duplicates, the issues are most of the memory.
    dups.reserve_exact(other.len());
    dups.extend(other);
    let mut skip: Vec<u32> = dups.iter().map(|&(i, _)| i).collect();
    skip.sort_unstable();
    let kept = rows.len() - dups.len();
    let mut issues = IssueLog::new(limit);
    for (i, first) in dups {
        let (row, first_line) = (rows.get(i as usize), rows.get(first as usize).line);
        issues.push_with(
            FileKind::Barcodes,
            row.line,
            IssueCode::DuplicateBarcode,
            || {
                format!(
                    "duplicate barcode {} (first on line {first_line})",
                    shown(&book.text_of(row.key))
                )
            },
        );
    }
    // Rule 3 and the two parts, each part gathered by its own thread.
    let pivot = pivot_of(rows);
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
    // The rows are in the parts now: their memory, resident already, is the sorts' scratch
    // space (the bigger piece for the bigger part).
    let [mut a, mut b] = book.take_rows();
    if (a.len() < b.len()) != (low.len() < high.len()) {
        std::mem::swap(&mut a, &mut b);
    }
    std::thread::scope(|s| {
        let other = s.spawn(|| sort_by_order(&mut high, b));
        sort_by_order(&mut low, a);
        other
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
    });
    (Sold { pivot, low, high }, (unused, unused_lines), issues)
}

/// Sorts one part of the sold barcodes by order id (stable: file order within one order),
/// with `scratch` as scratch space, lengthened when short.
fn sort_by_order(part: &mut [BarcodeRec], mut scratch: Vec<BarcodeRec>) {
    if scratch.len() < part.len() {
        scratch.resize(part.len(), BarcodeRec::default());
    }
    radix::sort_by_key(part, &mut scratch, |r| r.order_id);
}

/// Calls `f` for each row in file order, but those whose indices are in `skip` (ascending).
fn for_kept(rows: Rows<'_>, mut skip: &[u32], mut f: impl FnMut(&BarcodeRec)) {
    let mut base = 0;
    for part in rows.parts() {
        let end = base + part.len();
        let (here, rest) = skip.split_at(skip.partition_point(|&i| (i as usize) < end));
        let mut from = 0;
        for &i in here {
            part[from..i as usize - base].iter().for_each(&mut f);
            from = i as usize - base + 1;
        }
        part[from..].iter().for_each(&mut f);
        (skip, base) = (rest, end);
    }
}
