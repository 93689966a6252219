//! The three comparisons, each a merge of two sorted streams, and the nine counts.

use super::{BarcodeState, OrderState};
use crate::merge::CustomerTickets;
use serde::Serialize;
use std::cmp::Ordering;
use std::fmt;

/// The nine counts of a comparison, in the order `tiqets diff --json` prints them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub orders_added: u64,
    pub orders_removed: u64,
    pub orders_changed: u64,
    pub barcodes_sold: u64,
    pub barcodes_unsold: u64,
    pub barcodes_moved: u64,
    pub barcodes_added: u64,
    pub barcodes_removed: u64,
    pub customers_changed: u64,
}

/// Every kind, in the order of [`Summary`]'s counts (`customers_changed` last).
pub const KINDS: [&str; 9] = [
    OrderKind::Added.as_str(),
    OrderKind::Removed.as_str(),
    OrderKind::Changed.as_str(),
    BarcodeKind::Sold.as_str(),
    BarcodeKind::Unsold.as_str(),
    BarcodeKind::Moved.as_str(),
    BarcodeKind::Added.as_str(),
    BarcodeKind::Removed.as_str(),
    "customers_changed",
];

impl Summary {
    /// The counts, in the order of [`KINDS`].
    pub fn counts(&self) -> [u64; 9] {
        [
            self.orders_added,
            self.orders_removed,
            self.orders_changed,
            self.barcodes_sold,
            self.barcodes_unsold,
            self.barcodes_moved,
            self.barcodes_added,
            self.barcodes_removed,
            self.customers_changed,
        ]
    }

    /// The count of `kind` (one of [`KINDS`]; 0 for anything else).
    pub fn count(&self, kind: &str) -> u64 {
        KINDS
            .iter()
            .position(|k| *k == kind)
            .map_or(0, |i| self.counts()[i])
    }
}

/// How an output order changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrderKind {
    /// In the new batch's output only.
    Added,
    /// In the old batch's output only.
    Removed,
    /// In both, with a different customer or barcode list.
    Changed,
}

impl OrderKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderKind::Added => "orders_added",
            OrderKind::Removed => "orders_removed",
            OrderKind::Changed => "orders_changed",
        }
    }
}

/// How a barcode's state changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BarcodeKind {
    /// Unused, then sold.
    Sold,
    /// Sold, then unused.
    Unsold,
    /// Sold in both, to different orders.
    Moved,
    /// Absent, then sold or unused.
    Added,
    /// Sold or unused, then absent.
    Removed,
}

impl BarcodeKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            BarcodeKind::Sold => "barcodes_sold",
            BarcodeKind::Unsold => "barcodes_unsold",
            BarcodeKind::Moved => "barcodes_moved",
            BarcodeKind::Added => "barcodes_added",
            BarcodeKind::Removed => "barcodes_removed",
        }
    }
}

/// One changed order: its state in the old and in the new batch (`None` when not in that
/// batch's output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderChange<'a> {
    pub kind: OrderKind,
    pub order_id: u64,
    pub old: Option<&'a OrderState>,
    pub new: Option<&'a OrderState>,
}

/// One changed barcode: its state in the old and in the new batch (`None` when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarcodeChange<'a> {
    pub kind: BarcodeKind,
    pub barcode: &'a str,
    pub old: Option<&'a BarcodeState>,
    pub new: Option<&'a BarcodeState>,
}

impl BarcodeChange<'_> {
    /// The order it was sold to in the old batch, if any.
    pub fn old_order_id(&self) -> Option<u64> {
        self.old.and_then(|s| s.order_id)
    }

    /// The order it is sold to in the new batch, if any.
    pub fn new_order_id(&self) -> Option<u64> {
        self.new.and_then(|s| s.order_id)
    }
}

/// A customer whose ticket count differs (a customer missing from one batch has 0 there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerChange {
    pub customer_id: u64,
    pub before: u64,
    pub after: u64,
}

impl CustomerChange {
    pub fn delta(&self) -> i64 {
        self.after as i64 - self.before as i64
    }
}

/// A stream that was not strictly increasing: its items out of order, or one repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsorted {
    /// `orders`, `barcodes` or `customers`.
    pub stream: &'static str,
    /// `old` or `new`.
    pub side: &'static str,
}

impl fmt::Display for Unsorted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} batch's {} are not in order, or one repeats",
            self.side, self.stream
        )
    }
}

impl std::error::Error for Unsorted {}

/// Compares the output orders, both sorted by order id; calls `each` for every changed one
/// and counts them in `summary`.
pub fn compare_orders(
    old: impl IntoIterator<Item = OrderState>,
    new: impl IntoIterator<Item = OrderState>,
    summary: &mut Summary,
    mut each: impl FnMut(OrderChange<'_>),
) -> Result<(), Unsorted> {
    let by_id = |a: &OrderState, b: &OrderState| a.order_id.cmp(&b.order_id);
    merge_join("orders", old, new, by_id, |old, new| {
        let kind = match (old, new) {
            (Some(_), None) => OrderKind::Removed,
            (None, Some(_)) => OrderKind::Added,
            (Some(o), Some(n)) if o != n => OrderKind::Changed,
            _ => return,
        };
        match kind {
            OrderKind::Added => summary.orders_added += 1,
            OrderKind::Removed => summary.orders_removed += 1,
            OrderKind::Changed => summary.orders_changed += 1,
        }
        let order_id = old.or(new).map_or(0, |s| s.order_id);
        each(OrderChange {
            kind,
            order_id,
            old,
            new,
        });
    })
}

/// Compares the barcodes' states, both sorted by barcode (byte order); calls `each` for
/// every changed one and counts them in `summary`.
pub fn compare_barcodes(
    old: impl IntoIterator<Item = BarcodeState>,
    new: impl IntoIterator<Item = BarcodeState>,
    summary: &mut Summary,
    mut each: impl FnMut(BarcodeChange<'_>),
) -> Result<(), Unsorted> {
    let by_text =
        |a: &BarcodeState, b: &BarcodeState| a.barcode.as_bytes().cmp(b.barcode.as_bytes());
    merge_join("barcodes", old, new, by_text, |old, new| {
        let kind = match (old, new) {
            (Some(_), None) => BarcodeKind::Removed,
            (None, Some(_)) => BarcodeKind::Added,
            (Some(o), Some(n)) => match (o.order_id, n.order_id) {
                (None, Some(_)) => BarcodeKind::Sold,
                (Some(_), None) => BarcodeKind::Unsold,
                (Some(a), Some(b)) if a != b => BarcodeKind::Moved,
                _ => return,
            },
            (None, None) => return,
        };
        match kind {
            BarcodeKind::Sold => summary.barcodes_sold += 1,
            BarcodeKind::Unsold => summary.barcodes_unsold += 1,
            BarcodeKind::Moved => summary.barcodes_moved += 1,
            BarcodeKind::Added => summary.barcodes_added += 1,
            BarcodeKind::Removed => summary.barcodes_removed += 1,
        }
        let barcode = old.or(new).map_or("", |s| s.barcode.as_str());
        each(BarcodeChange {
            kind,
            barcode,
            old,
            new,
        });
    })
}

/// Compares the tickets per customer, both sorted by customer id; calls `each` for every
/// customer whose count differs and counts them in `summary`.
pub fn compare_customers(
    old: impl IntoIterator<Item = CustomerTickets>,
    new: impl IntoIterator<Item = CustomerTickets>,
    summary: &mut Summary,
    mut each: impl FnMut(CustomerChange),
) -> Result<(), Unsorted> {
    let by_id = |a: &CustomerTickets, b: &CustomerTickets| a.customer_id.cmp(&b.customer_id);
    merge_join("customers", old, new, by_id, |old, new| {
        let (before, after) = (old.map_or(0, |c| c.tickets), new.map_or(0, |c| c.tickets));
        if before == after {
            return;
        }
        summary.customers_changed += 1;
        let customer_id = old.or(new).map_or(0, |c| c.customer_id);
        each(CustomerChange {
            customer_id,
            before,
            after,
        });
    })
}

/// Walks two streams that `cmp` orders strictly increasing side by side: `each` gets an
/// item of one stream with the other's equal item, or with `None` when the other has none.
fn merge_join<T>(
    stream: &'static str,
    old: impl IntoIterator<Item = T>,
    new: impl IntoIterator<Item = T>,
    cmp: impl Fn(&T, &T) -> Ordering,
    mut each: impl FnMut(Option<&T>, Option<&T>),
) -> Result<(), Unsorted> {
    let (mut old, mut new) = (old.into_iter(), new.into_iter());
    let (mut a, mut b) = (old.next(), new.next());
    let advance = |iter: &mut dyn Iterator<Item = T>, cur: &mut Option<T>, side| {
        let next = iter.next();
        if let (Some(p), Some(n)) = (cur.as_ref(), next.as_ref()) {
            if cmp(p, n) != Ordering::Less {
                return Err(Unsorted { stream, side });
            }
        }
        *cur = next;
        Ok(())
    };
    loop {
        let step = match (&a, &b) {
            (None, None) => return Ok(()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => cmp(x, y),
        };
        match step {
            Ordering::Less => {
                each(a.as_ref(), None);
                advance(&mut old, &mut a, "old")?;
            }
            Ordering::Greater => {
                each(None, b.as_ref());
                advance(&mut new, &mut b, "new")?;
            }
            Ordering::Equal => {
                each(a.as_ref(), b.as_ref());
                advance(&mut old, &mut a, "old")?;
                advance(&mut new, &mut b, "new")?;
            }
        }
    }
}
