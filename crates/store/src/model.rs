//! Rows as the read queries return them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tiqets_contract::{BatchCounts, BatchStatus, Progress};

/// One batch: its status, when each stage was reached, its input files and its counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRecord {
    pub id: String,
    pub name: String,
    pub status: BatchStatus,
    /// 1 for the first run, +1 per retry of a failed batch (0 for a waiting file).
    pub attempt: u32,
    /// Why it failed (on `failed`), or what a waiting file waits for (on `waiting`).
    pub reason: Option<String>,
    /// When the batch was first seen.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the last recorded event happened.
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
    /// The figures known so far (complete once the batch completed).
    pub counts: Option<BatchCounts>,
    /// How far the current stage is, while in flight.
    pub progress: Option<Progress>,
}

impl BatchRecord {
    /// The names its input files arrived under (`orders.csv` and `barcodes.csv` when not
    /// recorded).
    pub fn input_names(&self) -> (String, String) {
        let name = |f: &Option<FileInfo>, default: &str| {
            f.as_ref()
                .map_or_else(|| default.to_string(), |f| f.name.clone())
        };
        (
            name(&self.orders_file, "orders.csv"),
            name(&self.barcodes_file, "barcodes.csv"),
        )
    }
}

/// An input file as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// The path it was dropped at, or the name it was uploaded under.
    pub name: String,
    pub sha256: Option<String>,
    pub size: Option<u64>,
}

/// One output row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub customer_id: u64,
    pub order_id: u64,
    /// In `barcodes.csv` line order.
    pub barcodes: Vec<String>,
}

/// One unused barcode: its 1-based rank among the batch's unused barcodes, and its line in
/// `barcodes.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusedBarcode {
    pub position: u64,
    pub barcode: String,
    pub line: u64,
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
