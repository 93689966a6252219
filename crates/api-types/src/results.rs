//! A completed batch's results: top customers, orders, unused barcodes and the validation
//! report.

use serde::{Deserialize, Serialize};

/// Every issue code, in the report's order of rules.
pub const ISSUE_CODES: [&str; 10] = [
    "extra_column",
    "malformed_row",
    "invalid_utf8",
    "invalid_order_id",
    "invalid_customer_id",
    "invalid_barcode",
    "duplicate_order",
    "duplicate_barcode",
    "unknown_order",
    "order_without_barcodes",
];

/// A customer and the tickets (barcodes) of their output rows (rule 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"customer_id": 10, "ticket_count": 7})))]
pub struct TopCustomer {
    pub customer_id: u64,
    pub ticket_count: u64,
}

/// A barcode that was not sold (`order_id` is always null).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"barcode": "000123", "order_id": null, "line": 42})))]
pub struct UnusedBarcodeItem {
    pub barcode: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub order_id: Option<u64>,
    /// Where it stands in `barcodes.csv` (1-based physical line).
    pub line: u64,
}

/// A page of unused barcodes, in `barcodes.csv` order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnusedBarcodesPage {
    /// The number of unused barcodes in the batch (as in the seed API).
    pub count: u64,
    pub barcodes: Vec<UnusedBarcodeItem>,
    pub page: u64,
    pub per_page: u64,
    /// The same number as `count`: items across all pages.
    pub total: u64,
}

/// One output row: a customer's order and its barcodes in `barcodes.csv` line order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"customer_id": 10, "order_id": 1, "barcodes": ["000111", "222"]})))]
pub struct CustomerOrder {
    pub customer_id: u64,
    pub order_id: u64,
    pub barcodes: Vec<String>,
}

/// A page of output rows, sorted by customer_id then order_id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrdersPage {
    pub orders: Vec<CustomerOrder>,
    pub page: u64,
    pub per_page: u64,
    /// Rows across all pages (with the filter applied).
    pub total: u64,
}

/// Which input file an issue is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum IssueFile {
    Orders,
    Barcodes,
}

impl IssueFile {
    /// As in the API (`orders`, `barcodes`).
    pub fn as_str(self) -> &'static str {
        match self {
            IssueFile::Orders => "orders",
            IssueFile::Barcodes => "barcodes",
        }
    }
}

/// One line of the validation report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"seq": 1, "file": "barcodes", "line": 7, "code": "duplicate_barcode", "message": "barcode 111 was already seen on line 3"})))]
pub struct IssueItem {
    /// Rank in report order (orders before barcodes, then by line), from 1.
    pub seq: u64,
    pub file: IssueFile,
    /// 1-based physical line where the record starts.
    pub line: u64,
    /// One of the issue codes (see `code` in the issues query).
    pub code: String,
    pub message: String,
}

/// A page of issues, in report order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuesPage {
    pub issues: Vec<IssueItem>,
    pub page: u64,
    pub per_page: u64,
    /// Issues listed across all pages (with the filters applied).
    pub total: u64,
    /// Issues of the filters' codes and files that were counted but not listed (past the
    /// issue limit): not in `total`.
    #[serde(default)]
    pub not_itemised: Vec<crate::NotItemised>,
}
