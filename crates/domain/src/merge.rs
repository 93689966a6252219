//! Rules 1–7 over both files' valid rows: duplicates, unused barcodes, unknown orders,
//! orders without barcodes, the sorted output rows and the tickets per customer.
//!
//! Everything is done by stable radix sorts and sequential merges rather than hash lookups:
//! on millions of rows a lookup per row is a cache miss, a sort pass is a stream. The two
//! files' duplicate rules run on two threads.

use crate::barcode::BarcodeBuf;
use crate::book::{BarcodeBook, BarcodeRec, OrderBook, OrderRec};
use crate::issue::{shown, sort_issues, FileKind, Issue, IssueCode, IssueCounts};
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
pub fn merge(orders: OrderBook, barcodes: BarcodeBook, mut issues: Vec<Issue>) -> Outcome {
    let ((orders, order_issues), (sold, (unused, unused_lines), barcode_issues)) =
        std::thread::scope(|s| {
            let o = s.spawn(|| first_orders(orders.rows));
            let b = first_barcodes(&barcodes);
            let o = o.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            (o, b)
        });
    issues.extend(order_issues);
    issues.extend(barcode_issues);

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
    let mut kept = Vec::with_capacity(rows.len());
    let mut issues = Vec::new();
    let mut first = 0usize;
    for (n, &(id, i)) in order.iter().enumerate() {
        if n > 0 && order[n - 1].0 == id {
            let first_line = rows[order[first].1 as usize].line;
            issues.push(Issue::new(
                FileKind::Orders,
                rows[i as usize].line,
                IssueCode::DuplicateOrder,
                format!("duplicate order_id {id} (first on line {first_line})"),
            ));
        } else {
            first = n;
            kept.push(rows[i as usize]);
        }
    }
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
    let mut duplicate = vec![false; rows.len()];
    let mut issues = Vec::new();
    let mut first = 0usize;
    for n in 0..by_key.len() {
        if n > 0 && by_key[n - 1].0 == by_key[n].0 {
            let (key, i) = by_key[n];
            let first_line = rows[by_key[first].1 as usize].line;
            duplicate[i as usize] = true;
            let message = format!(
                "duplicate barcode {} (first on line {first_line})",
                shown(&book.text_of(key))
            );
            issues.push(Issue::new(
                FileKind::Barcodes,
                rows[i as usize].line,
                IssueCode::DuplicateBarcode,
                message,
            ));
        } else {
            first = n;
        }
    }
    drop(by_key);
    let mut sold = Vec::with_capacity(rows.len());
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
