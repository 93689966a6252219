//! Rows as the read queries return them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One batch: its status, when each stage was reached, its input files and its counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRecord {
    pub id: String,
    pub name: String,
    /// `waiting`, `received`, `validating`, `merging`, `persisting`, `completed` or `failed`.
    pub status: String,
    /// Why it failed (only for `failed`).
    pub reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub received_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub validating_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub merging_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub persisting_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub failed_at: Option<OffsetDateTime>,
    pub orders_file: Option<FileInfo>,
    pub barcodes_file: Option<FileInfo>,
    /// Present once the batch completed.
    pub counts: Option<BatchCounts>,
    /// The latest progress a stage reported (free-form JSON), while in flight.
    pub progress: Option<serde_json::Value>,
}

/// An input file as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    pub name: String,
    pub sha256: Option<String>,
    pub size: Option<u64>,
}

/// The figures of a completed batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCounts {
    pub orders_written: u64,
    pub tickets: u64,
    pub customers: u64,
    pub unused_barcodes: u64,
    pub issues: u64,
    /// `{code: count}` for the codes that occurred.
    pub issue_counts: serde_json::Value,
}

/// One output row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub customer_id: u64,
    pub order_id: u64,
    /// In `barcodes.csv` line order.
    pub barcodes: Vec<String>,
}

/// One unused barcode; `position` is its 1-based rank among the batch's unused barcodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusedBarcode {
    pub position: u64,
    pub barcode: String,
}

/// One issue of the validation report; `seq` is its 1-based rank in report order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueRecord {
    pub seq: u64,
    pub file: String,
    pub line: u64,
    pub code: String,
    pub message: String,
}
