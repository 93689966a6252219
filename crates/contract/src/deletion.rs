//! Deleting a batch: the request the api (or `tiqets-admin delete-batch`) sends on
//! `{ns}.admin.delete` and the persister's reply. The persister owns a batch's storage (its
//! rows, its output folder), so it is the one that deletes; after a deletion it publishes a
//! [`NoticeKind::Deleted`](crate::NoticeKind::Deleted) notice, which the api replicas read
//! to forget what they cached of the batch.

use crate::BatchId;
use serde::{Deserialize, Serialize};

/// Delete `batch_id`; the current batch (the last completed) only with `force`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRequest {
    pub batch_id: BatchId,
    #[serde(default)]
    pub force: bool,
}

/// What a deletion removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freed {
    /// Rows removed from PostgreSQL (results, change records, the batch's record).
    pub rows: u64,
    /// Bytes of the PostgreSQL tables and indexes dropped.
    pub database_bytes: u64,
    /// Bytes of the output files removed.
    pub file_bytes: u64,
    /// Bytes of the batch's input and result objects removed from the file bucket (those
    /// its age limit had not expired yet).
    #[serde(default)]
    pub object_bytes: u64,
}

/// The persister's answer to a [`DeleteRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DeleteReply {
    Deleted {
        freed: Freed,
    },
    /// No batch has that id.
    NotFound {
        message: String,
    },
    /// The batch may not be deleted now: the current batch without `force`, or still in
    /// flight.
    InUse {
        message: String,
    },
    /// The deletion failed (the database or the disk); nothing or part of the output files
    /// may be gone, the batch's rows are untouched. Try again.
    Failed {
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_tagged_json() {
        let r = DeleteReply::Deleted {
            freed: Freed {
                rows: 3,
                database_bytes: 8192,
                file_bytes: 10,
                object_bytes: 20,
            },
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["outcome"], "deleted");
        assert_eq!(v["freed"]["rows"], 3);
        assert_eq!(serde_json::from_value::<DeleteReply>(v).unwrap(), r);
        let q: DeleteRequest = serde_json::from_str(r#"{"batch_id":"b1"}"#).unwrap();
        assert!(!q.force);
    }
}
