//! What changed between two completed batches (see docs/processing-rules.md, "Changes
//! between two batches"), a barcode's and an order's lookups, and what deleting a batch freed.

use serde::{Deserialize, Serialize};

/// The nine counts of a comparison, in this order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeSummary {
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

/// The changes from batch `since` to batch `batch_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Changes {
    pub batch_id: String,
    /// The older batch compared with (by default the completed batch before `batch_id`).
    pub since: String,
    pub summary: ChangeSummary,
}

/// An order as one batch's output has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderSide {
    pub customer_id: u64,
    /// In `barcodes.csv` line order.
    pub barcodes: Vec<String>,
}

/// A changed order: `orders_added` (`old` null), `orders_removed` (`new` null) or
/// `orders_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderChangeItem {
    pub kind: String,
    pub order_id: u64,
    pub old: Option<OrderSide>,
    pub new: Option<OrderSide>,
}

/// A changed barcode: `barcodes_sold`, `barcodes_unsold`, `barcodes_moved`,
/// `barcodes_added` or `barcodes_removed`. An order id is null where the barcode was unused
/// or absent; `old_state` and `new_state` say which (`sold`, `unused`, `absent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BarcodeChangeItem {
    pub kind: String,
    pub barcode: String,
    pub old_state: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub old_order_id: Option<u64>,
    pub new_state: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub new_order_id: Option<u64>,
}

/// A customer whose ticket count differs (0 where the customer has no output row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerChangeItem {
    pub customer_id: u64,
    pub before: u64,
    pub after: u64,
    pub delta: i64,
}

/// A page of changes of one table (orders, barcodes or customers), `kind` the filter
/// applied (null: every kind of the table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangesPage<T> {
    pub batch_id: String,
    pub since: String,
    pub kind: Option<String>,
    pub items: Vec<T>,
    pub page: u64,
    pub per_page: u64,
    /// Items across all pages (with the filter applied).
    pub total: u64,
}

/// A page of changed orders, by order id.
pub type OrderChangesPage = ChangesPage<OrderChangeItem>;
/// A page of changed barcodes, by barcode (byte order).
pub type BarcodeChangesPage = ChangesPage<BarcodeChangeItem>;
/// A page of changed customers, largest |delta| first, then by customer id.
pub type CustomerChangesPage = ChangesPage<CustomerChangeItem>;

/// A barcode in one batch: `sold` (with its order and customer) or `unused` (both null).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"barcode": "11111111111", "batch_id": "b-2f1c", "state": "sold", "order_id": 1, "customer_id": 10})))]
pub struct BarcodeLookup {
    pub barcode: String,
    pub batch_id: String,
    /// `sold` or `unused`.
    pub state: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub order_id: Option<u64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub customer_id: Option<u64>,
}

/// A barcode's state in one completed batch (`absent` when it is neither sold nor unused
/// there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BarcodeHistoryItem {
    pub batch_id: String,
    pub name: String,
    /// RFC 3339, UTC.
    pub completed_at: Option<String>,
    /// `sold`, `unused` or `absent`.
    pub state: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub order_id: Option<u64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub customer_id: Option<u64>,
}

/// A barcode's state in every completed batch, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BarcodeHistory {
    pub barcode: String,
    pub batches: Vec<BarcodeHistoryItem>,
}

/// One output order of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"batch_id": "b-2f1c", "customer_id": 10, "order_id": 1, "barcodes": ["11111111111"]})))]
pub struct OrderLookup {
    pub batch_id: String,
    pub customer_id: u64,
    pub order_id: u64,
    pub barcodes: Vec<String>,
}

/// What deleting a batch removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deleted {
    pub batch_id: String,
    /// Rows removed from PostgreSQL: output orders, sold and unused barcodes, issues,
    /// customers, change records.
    pub rows: u64,
    /// PostgreSQL bytes freed (tables and indexes).
    pub database_bytes: u64,
    /// Bytes of output files removed.
    pub file_bytes: u64,
    /// Bytes of the batch's input and result objects removed from the pipeline's file store.
    pub object_bytes: u64,
}
