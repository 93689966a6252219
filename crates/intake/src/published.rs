//! What became of a pair ([`Published`]), or why it could not be published
//! ([`PublishError`]).

use std::io;
use tiqets_bus::BusError;
use tiqets_contract::{BatchId, BatchRef, BatchStatus, Inputs};

/// What became of a pair.
#[derive(Debug, Clone, PartialEq)]
pub enum Published {
    /// Stored and queued for validation (a new batch, or a retry of a failed one).
    Queued { batch: BatchRef, inputs: Inputs },
    /// Byte-identical to batch `batch_id`, which is `status` (completed or in progress):
    /// not processed again; a repeat notice was published.
    Repeat {
        batch_id: BatchId,
        status: BatchStatus,
        /// The name the batch was first published under.
        original_name: String,
    },
}

impl Published {
    pub fn batch_id(&self) -> &BatchId {
        match self {
            Published::Queued { batch, .. } => &batch.batch_id,
            Published::Repeat { batch_id, .. } => batch_id,
        }
    }
}

/// Why a pair could not be published. Nothing was queued; the caller keeps its files.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("reading {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
    #[error("{file} changed while it was being stored (hashed {expected}, then read {actual})")]
    Changed {
        file: String,
        expected: String,
        actual: String,
    },
    /// The status stream remembers the batch, and whether PostgreSQL still holds it could not
    /// be asked: nothing was published; try again later.
    #[error("cannot tell whether batch {batch_id} is still recorded ({why}); try again later")]
    Unconfirmed { batch_id: String, why: String },
    /// A retry of a batch that is not failed.
    #[error("batch {batch_id} is {status}: only a failed batch is retried")]
    NotFailed {
        batch_id: String,
        status: tiqets_contract::BatchStatus,
    },
    /// A retry of a batch whose input files are no longer stored (never stored: refused
    /// unread; or expired, deleted).
    #[error(
        "batch {batch_id}'s input files are not stored ({why}): drop or upload the files again"
    )]
    InputsGone { batch_id: String, why: String },
    #[error(transparent)]
    Bus(#[from] BusError),
}
