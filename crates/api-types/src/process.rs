//! `GET /api/process`: the original backend's main answer, for the latest processed batch.

use crate::results::{CustomerOrder, TopCustomer, UnusedBarcodeItem};
use serde::{Deserialize, Serialize};

/// The latest processed result: every output row, the top customers and the unused
/// barcodes, nested as the original backend nests them (`orders`, `analytics`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcessResult {
    /// The batch this is the result of (the last completed one).
    pub batch_id: String,
    /// Output rows in the batch, across all pages.
    pub total_orders: u64,
    /// With `?page=`: the page given (both lists are paged alike).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// With `?page=` or `?per_page=`: items per page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u64>,
    /// Output rows sorted by customer_id then order_id, each with its barcodes in
    /// `barcodes.csv` line order.
    pub orders: Vec<CustomerOrder>,
    pub analytics: Analytics,
}

/// The figures the original backend computes beside the orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Analytics {
    /// The top 5 customers: most tickets first, ties by smaller customer_id.
    pub top_customers: Vec<TopCustomer>,
    pub unused_barcodes: UnusedBarcodes,
}

/// The barcodes that were not sold, in `barcodes.csv` order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnusedBarcodes {
    /// All of them, across pages.
    pub count: u64,
    pub barcodes: Vec<UnusedBarcodeItem>,
}
