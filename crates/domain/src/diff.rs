//! What changed between the results of two batches, old and new
//! (`docs/processing-rules.md`, Changes between two batches).
//!
//! Three comparisons, each a merge of two streams sorted the same way, so that two batches
//! of any size are compared in constant memory: the output orders by order id, the barcodes'
//! states by barcode (byte order), the customers' ticket counts by customer id. A stream out
//! of order is an error, not a wrong answer.
//!
//! [`Snapshot`] gives the three streams of an [`Outcome`](crate::Outcome) (the command
//! line); the pipeline reads them from PostgreSQL in the same orders.

mod compare;
pub mod csv;
mod snapshot;

#[cfg(test)]
mod tests;

pub use compare::{
    compare_barcodes, compare_customers, compare_orders, BarcodeChange, BarcodeKind,
    CustomerChange, OrderChange, OrderKind, Summary, Unsorted, KINDS,
};
pub use snapshot::Snapshot;

/// An output order as compared: its customer and its barcode list as it stands between the
/// brackets of `processed_orders.csv` (`b1, b2`, in `barcodes.csv` line order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderState {
    pub order_id: u64,
    pub customer_id: u64,
    pub barcodes: String,
}

/// A barcode's state in a batch: sold to an order (it is in an output row) or unused
/// (`order_id` is `None`). A barcode in neither is absent from the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarcodeState {
    pub barcode: String,
    pub order_id: Option<u64>,
}
