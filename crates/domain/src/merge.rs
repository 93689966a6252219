//! Rules 1–7 over both files' valid rows: duplicates, unused barcodes, unknown orders,
//! orders without barcodes, the sorted output rows and the tickets per customer.
//!
//! Everything is done by stable radix sorts and sequential merges rather than hash lookups:
//! on millions of rows a lookup per row is a cache miss, a sort pass is a stream. The two
//! files' duplicate rules run on two threads.

use crate::barcode::BarcodeBuf;
use crate::book::{BarcodeBook, BarcodeRec, OrderBook, OrderRec};
use crate::issue::{join_issues, shown, sort_issues, FileKind, Issue, IssueCode, IssueCounts};
use serde::{Deserialize, Serialize};

/// A customer's tickets (rule 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerTickets {
    pub customer_id: u64,
    pub tickets: u64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    customer_id: u64,
    order_id: u64,
    start: usize,
    end: usize,
}

/// The result of a batch: output rows, unused barcodes, tickets and every issue.
pub struct Outcome {
    /// Sorted by (customer_id, order_id); each row's barcodes are `keys[start..end]`.
    pub(crate) rows: Vec<Row>,
    keys: Vec<u64>,
    /// The `barcodes.csv` line of each of `keys`.
    lines: Vec<u64>,
    unused: Vec<u64>,
    /// The `barcodes.csv` line of each of `unused`.
    unused_lines: Vec<u64>,
    arena: Vec<u8>,
    /// Sorted by customer_id.
    tickets: Vec<CustomerTickets>,
    issues: Vec<Issue>,
    counts: IssueCounts,
}

/// One line of `processed_orders.csv`.
pub struct OutputRow<'a> {
    pub customer_id: u64,
    pub order_id: u64,
    keys: &'a [u64],
    lines: &'a [u64],
    arena: &'a [u8],
}

impl<'a> OutputRow<'a> {
    /// The order's barcodes in `barcodes.csv` line order.
    pub fn barcodes(&self) -> impl ExactSizeIterator<Item = BarcodeBuf> + 'a {
        let arena = self.arena;
        self.keys.iter().map(move |&k| BarcodeBuf::decode(k, arena))
    }

    /// The `barcodes.csv` line of each of [`OutputRow::barcodes`], in the same order.
    pub fn barcode_lines(&self) -> &'a [u64] {
        self.lines
    }
}

/// Applies rules 1–7 to the valid rows of both files. `issues` are the issues found while
/// parsing; the outcome holds them together with its own, in report order.
pub fn merge(orders: OrderBook, barcodes: BarcodeBook, issues: Vec<Issue>) -> Outcome {
    let ((orders, order_issues), (sold, (unused, unused_lines), barcode_issues)) =
        std::thread::scope(|s| {
            let o = s.spawn(|| first_orders(orders.rows));
            let b = first_barcodes(&barcodes);
            let o = o.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            (o, b)
        });
    let mut issues = join_issues(join_issues(issues, order_issues), barcode_issues);

    // Rules 4 and 5: merge the orders (sorted by id) with the sold barcodes (sorted by
    // order id, file order within one order).
    let mut rows = Vec::with_capacity(orders.len());
    let mut keys = Vec::with_capacity(sold.len());
    let mut lines = Vec::with_capacity(sold.len());
    let mut o = 0;
    let mut b = 0;
    while o < orders.len() || b < sold.len() {
        let next_order = orders.get(o).map_or(u64::MAX, |x| x.order_id);
        let next_sold = sold.get(b).map_or(u64::MAX, |x| x.order_id);
        if o < orders.len() && next_order < next_sold || b == sold.len() {
            let order = &orders[o];
            issues.push(Issue::new(
                FileKind::Orders,
                order.line,
                IssueCode::OrderWithoutBarcodes,
                format!("order_id {} has no barcodes", order.order_id),
            ));
            o += 1;
            continue;
        }
        let run_end = b + sold[b..].partition_point(|x| x.order_id == next_sold);
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
                let message = format!(
                    "barcode {} refers to unknown order_id {}",
                    shown(&barcodes.text_of(x.key)),
                    x.order_id
                );
                issues.push(Issue::new(
                    FileKind::Barcodes,
                    x.line,
                    IssueCode::UnknownOrder,
                    message,
                ));
            }
        }
        b = run_end;
    }
    drop(sold);
    drop(orders);

    // Rule 6: rows are in order_id order; a stable sort by customer gives (customer, order).
    radsort::sort_by_key(&mut rows, |r| r.customer_id);

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

    sort_issues(&mut issues);
    let counts = IssueCounts::from_issues(&issues);
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
    }
}

/// Rule 1: the first row of each order_id wins. Returns the kept orders sorted by order_id.
fn first_orders(rows: Vec<OrderRec>) -> (Vec<OrderRec>, Vec<Issue>) {
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
type KeysAndLines = (Vec<u64>, Vec<u64>);

/// Rules 2 and 3: the first row of each barcode wins. Returns the kept sold barcodes sorted
/// by order_id (file order within one order) and the unused barcodes' keys and lines in
/// file order.
fn first_barcodes(book: &BarcodeBook) -> (Vec<BarcodeRec>, KeysAndLines, Vec<Issue>) {
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

impl Outcome {
    /// The output rows in order (rule 6).
    pub fn rows(&self) -> impl ExactSizeIterator<Item = OutputRow<'_>> + '_ {
        self.rows_in(0..self.rows.len())
    }

    /// The output rows `range` (indices into [`Outcome::rows`]).
    pub fn rows_in(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl ExactSizeIterator<Item = OutputRow<'_>> + '_ {
        self.rows[range].iter().map(move |r| OutputRow {
            customer_id: r.customer_id,
            order_id: r.order_id,
            keys: &self.keys[r.start..r.end],
            lines: &self.lines[r.start..r.end],
            arena: &self.arena,
        })
    }

    /// Rows written to `processed_orders.csv`.
    pub fn orders_written(&self) -> u64 {
        self.rows.len() as u64
    }

    /// Barcodes in the output (= the sum of every customer's tickets).
    pub fn tickets(&self) -> u64 {
        self.keys.len() as u64
    }

    /// Customers with at least one output row.
    pub fn customers(&self) -> u64 {
        self.tickets.len() as u64
    }

    /// Unused barcodes, in file order (rule 3).
    pub fn unused(&self) -> impl ExactSizeIterator<Item = BarcodeBuf> + '_ {
        self.unused
            .iter()
            .map(move |&k| BarcodeBuf::decode(k, &self.arena))
    }

    /// Unused barcodes with their `barcodes.csv` lines, in file order.
    pub fn unused_with_lines(&self) -> impl ExactSizeIterator<Item = (BarcodeBuf, u64)> + '_ {
        self.unused
            .iter()
            .zip(&self.unused_lines)
            .map(move |(&k, &line)| (BarcodeBuf::decode(k, &self.arena), line))
    }

    pub fn unused_count(&self) -> u64 {
        self.unused.len() as u64
    }

    /// Every customer's tickets, sorted by customer_id.
    pub fn customer_tickets(&self) -> &[CustomerTickets] {
        &self.tickets
    }

    /// The top `n` customers: most tickets first, ties by smaller customer_id (rule 7).
    pub fn top_customers(&self, n: usize) -> Vec<CustomerTickets> {
        top_customers(&self.tickets, n)
    }

    /// Every issue of the batch, in report order.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    pub fn issue_counts(&self) -> IssueCounts {
        self.counts
    }
}

/// The top `n` of `tickets`: most tickets first, ties by smaller customer_id.
pub fn top_customers(tickets: &[CustomerTickets], n: usize) -> Vec<CustomerTickets> {
    let rank = |c: &CustomerTickets| (std::cmp::Reverse(c.tickets), c.customer_id);
    let mut all: Vec<CustomerTickets> = tickets.to_vec();
    if n < all.len() {
        all.select_nth_unstable_by_key(n, rank);
        all.truncate(n);
    }
    all.sort_unstable_by_key(rank);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{BarcodeRow, OrderRow};

    #[test]
    fn floods_of_duplicates_are_collected_in_exactly_sized_lists() {
        // With millions of duplicates of one order or barcode, their issues are most of a
        // batch's memory (scripts/hostile-run's `dup-*` cases): no list is sized by
        // doubling, nor by the rows the duplicates take away.
        let mut orders = OrderBook::new();
        for i in 0..1000 {
            orders.push(OrderRow {
                line: i + 2,
                order_id: 7,
                customer_id: 1,
            });
        }
        let (kept, issues) = first_orders(orders.rows);
        assert_eq!((kept.len(), kept.capacity()), (1, 1));
        assert_eq!((issues.len(), issues.capacity()), (999, 999));
        assert_eq!(issues[0].line, 3);
        assert_eq!(issues[0].message, "duplicate order_id 7 (first on line 2)");

        let mut book = BarcodeBook::new();
        for i in 0..1000 {
            book.push(BarcodeRow {
                line: i + 2,
                barcode: if i % 2 == 0 { "AB1" } else { "0042" },
                order_id: (i % 4 < 2).then_some(1),
            });
        }
        let (sold, (unused, _), mut issues) = first_barcodes(&book);
        assert_eq!((sold.len(), sold.capacity(), unused.len()), (2, 2, 0));
        assert_eq!((issues.len(), issues.capacity()), (998, 998));
        sort_issues(&mut issues);
        let lines: Vec<u64> = issues.iter().map(|i| i.line).collect();
        assert_eq!(lines, (4..=1001).collect::<Vec<_>>());
        assert_eq!(
            issues[0].message,
            "duplicate barcode \"AB1\" (first on line 2)"
        );
        assert_eq!(
            issues[1].message,
            "duplicate barcode \"0042\" (first on line 3)"
        );
    }
}
