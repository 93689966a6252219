//! What a merge gives: the [`Outcome`] of a batch (its output rows as ranges of barcode
//! keys, the unused barcodes, the tickets per customer and every issue) and how it is read.

use crate::barcode::BarcodeBuf;
use crate::issue::{Issue, IssueCounts, IssueLimit, NotItemised};
use serde::{Deserialize, Serialize};

/// A customer's tickets (rule 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerTickets {
    pub customer_id: u64,
    pub tickets: u64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub(super) customer_id: u64,
    pub(super) order_id: u64,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// The result of a batch: output rows, unused barcodes, tickets and every issue.
pub struct Outcome {
    /// Sorted by (customer_id, order_id); each row's barcodes are `keys[start..end]`.
    pub(crate) rows: Vec<Row>,
    pub(super) keys: Vec<u64>,
    /// The `barcodes.csv` line of each of `keys`.
    pub(super) lines: Vec<u64>,
    pub(super) unused: Vec<u64>,
    /// The `barcodes.csv` line of each of `unused`.
    pub(super) unused_lines: Vec<u64>,
    pub(super) arena: Vec<u8>,
    /// Sorted by customer_id.
    pub(super) tickets: Vec<CustomerTickets>,
    /// The itemised issues, in report order.
    pub(super) issues: Vec<Issue>,
    /// Every issue, itemised or not.
    pub(super) counts: IssueCounts,
    pub(super) not_itemised: Vec<NotItemised>,
    pub(super) issue_limit: IssueLimit,
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

    /// The barcodes' keys and the arena their texts are in (see [`crate::barcode`]).
    pub(crate) fn keys(&self) -> (&'a [u64], &'a [u8]) {
        (self.keys, self.arena)
    }

    /// The `barcodes.csv` line of each of [`OutputRow::barcodes`], in the same order.
    pub fn barcode_lines(&self) -> &'a [u64] {
        self.lines
    }
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
        let ahead = range.end;
        range.clone().map(move |i| {
            // Rows are in customer order, their barcodes in order-id order: each row's keys
            // are somewhere else in `keys`. Ask for those of a later row now, so that they
            // are in cache by the time it is formatted.
            if let Some(later) = self.rows[..ahead].get(i + PREFETCH_AHEAD) {
                prefetch(&self.keys, later.start);
            }
            self.row(i)
        })
    }

    /// Output row `i` (an index into [`Outcome::rows`]).
    pub(crate) fn row(&self, i: usize) -> OutputRow<'_> {
        let r = &self.rows[i];
        OutputRow {
            customer_id: r.customer_id,
            order_id: r.order_id,
            keys: &self.keys[r.start..r.end],
            lines: &self.lines[r.start..r.end],
            arena: &self.arena,
        }
    }

    /// The unused barcodes' keys and the arena their texts are in.
    pub(crate) fn unused_keys(&self) -> (&[u64], &[u8]) {
        (&self.unused, &self.arena)
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

    /// The itemised issues of the batch (every one, up to the issue limit of each code in
    /// each file), in report order.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Every issue's count per code, itemised or not.
    pub fn issue_counts(&self) -> IssueCounts {
        self.counts
    }

    /// The issues counted but not itemised, per file and code, in report order.
    pub fn not_itemised(&self) -> &[NotItemised] {
        &self.not_itemised
    }

    pub fn issue_limit(&self) -> IssueLimit {
        self.issue_limit
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

/// How many rows ahead [`Outcome::rows_in`] asks for a row's barcode keys.
const PREFETCH_AHEAD: usize = 16;

/// Hints the CPU to load the cache line holding `keys[at]`; nothing else.
#[inline(always)]
fn prefetch(keys: &[u64], at: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(k) = keys.get(at) {
        // SAFETY: a prefetch has no architectural effect; the address is valid anyway.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (k as *const u64).cast::<i8>(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (keys, at);
}
