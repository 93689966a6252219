//! Rules 1–7 over both files' valid rows: duplicates, unused barcodes, unknown orders,
//! orders without barcodes, the sorted output rows and the tickets per customer.
//!
//! No lookup per row in a table of millions, which is a cache miss each: stable radix sorts
//! (`radix`) and sequential merges, and for repeated barcodes a scatter into buckets that
//! fit in cache (`seen`). Work is split in two wherever it can be, for the two cores: the
//! two files' duplicate rules, the two halves of the barcode key space, the two parts of
//! the sold barcodes (split at the median order id) and of the join. New memory is faulted
//! in page by page, so the memory of a finished step is reused by the next where it can be.
//!
//! [`merge()`] joins the orders with their barcodes (rules 4–7) once `first` has applied each
//! file's duplicate rule (rules 1–3); `outcome` holds and reads the result.

mod first;
mod outcome;
mod radix;
mod seen;

#[cfg(test)]
mod tests;

pub use outcome::{top_customers, CustomerTickets, Outcome, OutputRow};
pub(crate) use radix::sort_by_key_alloc as sort_by_key;

use crate::book::{BarcodeBook, OrderBook};
use crate::book::{BarcodeRec, OrderRec};
use crate::issue::{shown, FileKind, IssueCode, IssueLog};
pub(crate) use first::first_barcodes;
use first::first_orders;
use outcome::Row;

/// Applies rules 1–7 to the valid rows of both files. `issues` holds the issues found
/// while parsing, and its limit applies to the merge's own issues too; the outcome holds
/// them all, the itemised ones in report order.
pub fn merge(orders: OrderBook, mut barcodes: BarcodeBook, mut issues: IssueLog) -> Outcome {
    let limit = issues.limit();
    let ((orders, order_issues), (sold, (unused, unused_lines), barcode_issues)) =
        std::thread::scope(|s| {
            let o = s.spawn(|| first_orders(orders.rows, limit));
            let b = first_barcodes(&mut barcodes, limit);
            let o = o.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            (o, b)
        });
    issues.append(order_issues);
    issues.append(barcode_issues);

    // Rules 4 and 5, on two threads: the orders up to the pivot with the low part of the
    // sold barcodes, the others with the high part.
    let split = orders.partition_point(|o| o.order_id <= sold.pivot);
    let (low, high) = std::thread::scope(|s| {
        let high = s.spawn(|| join(&orders[split..], &sold.high, &barcodes, (0, 0), limit));
        // With room for the high part's rows, which are appended to it.
        let room = (orders.len() - split, sold.high.len());
        let low = join(&orders[..split], &sold.low, &barcodes, room, limit);
        (
            low,
            high.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
        )
    });
    drop(sold);
    drop(orders);
    let mut rows = low.rows;
    let (mut keys, mut lines) = (low.keys, low.lines);
    let offset = keys.len();
    rows.extend(high.rows.into_iter().map(|r| Row {
        start: r.start + offset,
        end: r.end + offset,
        ..r
    }));
    keys.extend_from_slice(&high.keys);
    lines.extend_from_slice(&high.lines);
    drop((high.keys, high.lines));
    issues.append(low.issues);
    issues.append(high.issues);

    // Rule 6: rows are in order_id order; a stable sort by customer gives (customer, order).
    radix::sort_by_key_alloc(&mut rows, |r| r.customer_id);

    // Rule 7.
    let mut tickets: Vec<CustomerTickets> = Vec::new();
    for r in &rows {
        let n = (r.end - r.start) as u64;
        match tickets.last_mut() {
            Some(last) if last.customer_id == r.customer_id => last.tickets += n,
            _ => tickets.push(CustomerTickets {
                customer_id: r.customer_id,
                tickets: n,
            }),
        }
    }

    let issue_limit = issues.limit();
    let (issues, counts, not_itemised) = issues.finish();
    Outcome {
        rows,
        keys,
        lines,
        unused,
        unused_lines,
        arena: barcodes.arena,
        tickets,
        issues,
        counts,
        not_itemised,
        issue_limit,
    }
}

/// The output rows of some orders (sorted by id) joined with their sold barcodes (sorted by
/// order id, file order within one order), and the issues of the orders and barcodes left
/// alone (rules 4 and 5).
struct Joined {
    rows: Vec<Row>,
    keys: Vec<u64>,
    lines: Vec<u64>,
    issues: IssueLog,
}

/// `room`: how many more rows and keys to leave room for.
fn join(
    orders: &[OrderRec],
    sold: &[BarcodeRec],
    barcodes: &BarcodeBook,
    room: (usize, usize),
    limit: crate::issue::IssueLimit,
) -> Joined {
    let mut rows = Vec::with_capacity(orders.len() + room.0);
    let mut keys = Vec::with_capacity(sold.len() + room.1);
    let mut lines = Vec::with_capacity(sold.len() + room.1);
    let mut issues = IssueLog::new(limit);
    let mut o = 0;
    let mut b = 0;
    while o < orders.len() || b < sold.len() {
        let next_order = orders.get(o).map_or(u64::MAX, |x| x.order_id);
        let next_sold = sold.get(b).map_or(u64::MAX, |x| x.order_id);
        if o < orders.len() && next_order < next_sold || b == sold.len() {
            let order = &orders[o];
            issues.push_with(
                FileKind::Orders,
                order.line,
                IssueCode::OrderWithoutBarcodes,
                || format!("order_id {} has no barcodes", order.order_id),
            );
            o += 1;
            continue;
        }
        // The order's barcodes: a few rows, so a walk, not a binary search of the rest.
        let run_end = b + sold[b..]
            .iter()
            .position(|x| x.order_id != next_sold)
            .unwrap_or(sold.len() - b);
        if next_order == next_sold {
            let start = keys.len();
            keys.extend(sold[b..run_end].iter().map(|x| x.key));
            lines.extend(sold[b..run_end].iter().map(|x| x.line));
            rows.push(Row {
                customer_id: orders[o].customer_id,
                order_id: next_order,
                start,
                end: keys.len(),
            });
            o += 1;
        } else {
            for x in &sold[b..run_end] {
                issues.push_with(FileKind::Barcodes, x.line, IssueCode::UnknownOrder, || {
                    format!(
                        "barcode {} refers to unknown order_id {}",
                        shown(&barcodes.text_of(x.key)),
                        x.order_id
                    )
                });
            }
        }
        b = run_end;
    }
    Joined {
        rows,
        keys,
        lines,
        issues,
    }
}
