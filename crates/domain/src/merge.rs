//! Joining the two files (rules 3–7): unused barcodes, unknown orders, orders without
//! barcodes, the sorted output rows and the tickets per customer.

use crate::barcode::BarcodeBuf;
use crate::book::{BarcodeBook, KeptOrder, OrderBook};
use crate::issue::{shown, sort_issues, FileKind, Issue, IssueCode, IssueCounts};
use serde::{Deserialize, Serialize};

/// A customer's tickets (rule 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerTickets {
    pub customer_id: u64,
    pub tickets: u64,
}

/// The result of a batch: output rows, unused barcodes, tickets and every issue.
pub struct Outcome {
    /// Output orders, sorted by (customer_id, order_id).
    rows: Vec<KeptOrder>,
    /// Row `i`'s barcodes are `barcodes[ends[i-1]..ends[i]]`, in file order.
    ends: Vec<usize>,
    barcodes: Vec<u64>,
    unused: Vec<u64>,
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
    arena: &'a [u8],
}

impl<'a> OutputRow<'a> {
    /// The order's barcodes in `barcodes.csv` line order.
    pub fn barcodes(&self) -> impl ExactSizeIterator<Item = BarcodeBuf> + 'a {
        let arena = self.arena;
        self.keys.iter().map(move |&k| BarcodeBuf::decode(k, arena))
    }
}

/// Applies rules 3–7 to the kept rows of both files. `issues` are the issues found so far
/// (parsing, rules 1–2); the outcome holds them together with its own, in report order.
pub fn merge(orders: OrderBook, barcodes: BarcodeBook, mut issues: Vec<Issue>) -> Outcome {
    const NONE: u32 = u32::MAX;
    let OrderBook {
        index,
        orders: kept_orders,
    } = orders;
    let mut counts = vec![0u32; kept_orders.len()];
    let mut assigned = vec![NONE; barcodes.kept.len()];
    let mut unused = Vec::new();
    for (i, b) in barcodes.kept.iter().enumerate() {
        if b.order_id == 0 {
            unused.push(b.key); // rule 3
            continue;
        }
        match index.get(&b.order_id) {
            Some(&o) => {
                assigned[i] = o;
                counts[o as usize] += 1;
            }
            None => {
                let message = format!(
                    "barcode {} refers to unknown order_id {}",
                    shown(&barcodes.text_of(b.key)),
                    b.order_id
                );
                issues.push(Issue::new(
                    FileKind::Barcodes,
                    b.line,
                    IssueCode::UnknownOrder, // rule 4
                    message,
                ));
            }
        }
    }
    drop(index);

    // Rule 5, and the output order of rule 6.
    let mut sorted: Vec<(u64, u64, u32)> = Vec::with_capacity(kept_orders.len());
    for (o, order) in kept_orders.iter().enumerate() {
        if counts[o] == 0 {
            let message = format!("order_id {} has no barcodes", order.order_id);
            issues.push(Issue::new(
                FileKind::Orders,
                order.line,
                IssueCode::OrderWithoutBarcodes,
                message,
            ));
        } else {
            sorted.push((order.customer_id, order.order_id, o as u32));
        }
    }
    sorted.sort_unstable();

    // Lay the barcodes out row by row (a counting sort keeps file order within a row).
    let mut row_of = vec![NONE; kept_orders.len()];
    let mut ends = Vec::with_capacity(sorted.len());
    let mut cursor = vec![0usize; sorted.len()];
    let mut total = 0usize;
    for (r, &(_, _, o)) in sorted.iter().enumerate() {
        row_of[o as usize] = r as u32;
        cursor[r] = total;
        total += counts[o as usize] as usize;
        ends.push(total);
    }
    drop(counts);
    let mut laid = vec![0u64; total];
    for (i, &o) in assigned.iter().enumerate() {
        if o != NONE {
            let r = row_of[o as usize] as usize;
            laid[cursor[r]] = barcodes.kept[i].key;
            cursor[r] += 1;
        }
    }
    drop((assigned, cursor, row_of));

    // Rule 7: tickets per customer (rows are sorted by customer).
    let mut tickets: Vec<CustomerTickets> = Vec::new();
    let mut start = 0usize;
    for (r, &(customer_id, _, _)) in sorted.iter().enumerate() {
        let n = (ends[r] - start) as u64;
        start = ends[r];
        match tickets.last_mut() {
            Some(last) if last.customer_id == customer_id => last.tickets += n,
            _ => tickets.push(CustomerTickets {
                customer_id,
                tickets: n,
            }),
        }
    }
    let rows = sorted
        .iter()
        .map(|&(_, _, o)| kept_orders[o as usize])
        .collect();

    sort_issues(&mut issues);
    let counts = IssueCounts::from_issues(&issues);
    Outcome {
        rows,
        ends,
        barcodes: laid,
        unused,
        arena: barcodes.arena,
        tickets,
        issues,
        counts,
    }
}

impl Outcome {
    /// The output rows in order (rule 6).
    pub fn rows(&self) -> impl ExactSizeIterator<Item = OutputRow<'_>> + '_ {
        self.rows.iter().enumerate().map(move |(r, order)| {
            let start = if r == 0 { 0 } else { self.ends[r - 1] };
            OutputRow {
                customer_id: order.customer_id,
                order_id: order.order_id,
                keys: &self.barcodes[start..self.ends[r]],
                arena: &self.arena,
            }
        })
    }

    /// Rows written to `processed_orders.csv`.
    pub fn orders_written(&self) -> u64 {
        self.rows.len() as u64
    }

    /// Barcodes in the output (= the sum of every customer's tickets).
    pub fn tickets(&self) -> u64 {
        self.barcodes.len() as u64
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
