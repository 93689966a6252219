//! Batches: their lifecycle, figures and progress, and what an upload answers.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a batch is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Waiting,
    Received,
    Validating,
    Merging,
    Persisting,
    Completed,
    Failed,
}

impl Status {
    /// The stages a batch goes through, in order, up to its end.
    pub const STAGES: [Status; 5] = [
        Status::Received,
        Status::Validating,
        Status::Merging,
        Status::Persisting,
        Status::Completed,
    ];

    /// As in the API (`received`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Waiting => "waiting",
            Status::Received => "received",
            Status::Validating => "validating",
            Status::Merging => "merging",
            Status::Persisting => "persisting",
            Status::Completed => "completed",
            Status::Failed => "failed",
        }
    }

    /// Completed or failed: nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Failed)
    }
}

/// An input file as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InputFile {
    /// The path it was dropped at, or the name it was uploaded under (display only).
    pub name: String,
    pub sha256: Option<String>,
    pub size: Option<u64>,
}

/// A batch's figures (complete once it completed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    /// Valid rows of `orders.csv` / `barcodes.csv`.
    pub order_rows: u64,
    pub barcode_rows: u64,
    /// Rows of `processed_orders.csv`.
    pub orders_written: u64,
    /// Barcodes sold (in the output).
    pub tickets: u64,
    /// Customers with at least one output row.
    pub customers: u64,
    pub unused_barcodes: u64,
    /// Every issue, itemised or not.
    pub issues: u64,
    /// Issues per code, itemised or not (codes without issues may be absent).
    pub issues_by_code: BTreeMap<String, u64>,
    /// Issues counted but not itemised, per file and code: past the issue limit, only the
    /// first `limit` of a code in a file are listed (`docs/processing-rules.md`, "Issue
    /// floods"). Empty when every issue is listed.
    #[serde(default)]
    pub issues_not_itemised: Vec<NotItemised>,
}

/// Issues of one code in one file that were counted but not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotItemised {
    /// `orders` or `barcodes`.
    pub file: String,
    pub code: String,
    /// Issues not listed.
    pub count: u64,
    /// The issue limit: how many of this code in this file are listed.
    pub limit: u64,
}

/// How far the running stage is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressInfo {
    /// `orders` or `barcodes`, when the stage reads one file.
    pub file: Option<String>,
    pub done_bytes: u64,
    pub total_bytes: u64,
    pub rows: u64,
}

/// A batch: one `orders.csv` with one `barcodes.csv`, or a file waiting for its partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Batch {
    /// `b` + 24 hex digits of the files' digests, or `w-…` for a waiting file.
    pub id: String,
    pub name: String,
    pub status: Status,
    /// 1 for the first run, +1 per retry of a failed batch (0 for a waiting file).
    pub attempt: u32,
    /// Why it failed (on `failed`), or what a waiting file waits for.
    pub reason: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub updated_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub received_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub validating_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub merging_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub persisting_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub completed_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub failed_at: Option<String>,
    pub orders_file: Option<InputFile>,
    pub barcodes_file: Option<InputFile>,
    pub counts: Option<Counts>,
    pub progress: Option<ProgressInfo>,
}

impl Batch {
    /// When it reached `status`, if it did.
    pub fn reached_at(&self, status: Status) -> Option<&str> {
        match status {
            Status::Waiting => Some(&self.created_at),
            Status::Received => self.received_at.as_deref(),
            Status::Validating => self.validating_at.as_deref(),
            Status::Merging => self.merging_at.as_deref(),
            Status::Persisting => self.persisting_at.as_deref(),
            Status::Completed => self.completed_at.as_deref(),
            Status::Failed => self.failed_at.as_deref(),
        }
    }
}

/// A page of batches, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchesPage {
    pub batches: Vec<Batch>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

/// What became of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"batch_id": "b3f1c2d4e5f60718293a4b5c6", "name": "monday", "status": "received", "repeat": false, "status_url": "/api/batches/b3f1c2d4e5f60718293a4b5c6", "message": "received; follow its progress at /api/batches/b3f1c2d4e5f60718293a4b5c6 or /api/events"})))]
pub struct UploadOutcome {
    pub batch_id: String,
    /// The batch's name (for a repeat, the name it was first given).
    pub name: String,
    /// `received` for a new batch; for a repeat, the status of the batch it repeats.
    pub status: Status,
    /// True when the files are byte-identical to an earlier batch that is completed or in
    /// progress: nothing is processed again.
    pub repeat: bool,
    /// Where the batch's status can be read.
    pub status_url: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_as_the_api_writes_them() {
        for s in Status::STAGES
            .into_iter()
            .chain([Status::Waiting, Status::Failed])
        {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), s);
        }
        assert!(Status::Failed.is_final() && Status::Completed.is_final());
        assert!(!Status::Persisting.is_final());
    }
}
