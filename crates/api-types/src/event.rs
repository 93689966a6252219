//! What a client reads from the live event stream (`GET /api/events`, event `status`): the
//! pipeline's status event, the fields a client needs.

use crate::batch::{Counts, ProgressInfo, Status};
use serde::{Deserialize, Serialize};

/// One status change (or progress update, when the status repeats) of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusUpdate {
    pub batch_id: String,
    pub name: String,
    pub status: Status,
    #[serde(default)]
    pub attempt: u32,
    /// When it happened, RFC 3339.
    pub at: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub counts: Option<Counts>,
    #[serde(default)]
    pub progress: Option<ProgressInfo>,
    /// A waiting entry that this batch replaces.
    #[serde(default)]
    pub supersedes: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_event() {
        let data = r#"{"batch_id":"ba2eafaf685daadbdcbd2b27f","name":"monday","status":"received","attempt":1,"at":"2026-11-24T20:33:13.07495Z","source":{"kind":"upload","orders":"orders.csv","barcodes":"barcodes.csv"}}"#;
        let e: StatusUpdate = serde_json::from_str(data).unwrap();
        assert_eq!(e.status, Status::Received);
        assert_eq!(e.name, "monday");
        assert!(e.counts.is_none());
        let data = r#"{"batch_id":"b1","name":"n","status":"merging","at":"x","progress":{"file":null,"done_bytes":5,"total_bytes":10,"rows":3},"counts":{"order_rows":1,"barcode_rows":1,"orders_written":0,"tickets":0,"customers":0,"unused_barcodes":1,"issues":2,"issues_by_code":{"invalid_barcode":2}}}"#;
        let e: StatusUpdate = serde_json::from_str(data).unwrap();
        assert_eq!(e.progress.unwrap().done_bytes, 5);
        assert_eq!(e.counts.unwrap().issues_by_code["invalid_barcode"], 2);
    }
}
