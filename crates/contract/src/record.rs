//! Asking what PostgreSQL, the system of record, holds of a batch: the request a publisher
//! (ingest, the api) sends on `{ns}.admin.record` before it takes a pair as a repeat, and
//! the persister's reply. The status stream on NATS remembers every batch ever published,
//! but a batch deleted, or lost with a database restore, is no longer a result anyone can
//! read: its pair is processed again.

use crate::{BatchId, BatchStatus};
use serde::{Deserialize, Serialize};

/// What is recorded of `batch_id`?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRequest {
    pub batch_id: BatchId,
}

/// The batch's recorded status and attempt, or `None` when PostgreSQL does not hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RecordReply {
    Recorded {
        status: BatchStatus,
        attempt: u32,
    },
    NotRecorded,
    /// PostgreSQL could not be asked.
    Failed {
        message: String,
    },
}
