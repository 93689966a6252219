//! What can go wrong merging a batch, and whether trying again can help.

use tiqets_bus::BusError;

/// Why a batch could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error("reading the {file} chunks: {message}")]
    Read { file: &'static str, message: String },
    #[error("{have} {file} chunks arrived (of {}), then none within {waited_s} s", want.map_or("an unknown number".to_owned(), |n| n.to_string()))]
    Missing {
        file: &'static str,
        have: u32,
        /// The announced number, when announced.
        want: Option<u32>,
        waited_s: u64,
    },
    /// The validator failed the batch while its chunks were being read.
    #[error("the validator stopped the {file} chunks: {reason}")]
    Aborted { file: &'static str, reason: String },
    #[error("{file} chunk {seq}: {message}")]
    Corrupt {
        file: &'static str,
        seq: u32,
        message: String,
    },
    #[error("the {file} chunks hold {got}, the MergeWork announced {want}")]
    Counts {
        file: &'static str,
        got: String,
        want: String,
    },
    #[error("writing result object {key}: {message}")]
    Upload { key: String, message: String },
    #[error("a merge task stopped: {0}")]
    Task(String),
    /// An object of a partitioned merge could not be read or written.
    #[error("partition object {key}: {message}")]
    Part { key: String, message: String },
    /// A batch that even [`crate::partitioned::MAX_PARTS`] partitions of the budget do not
    /// hold: refused, rather than merged over the budget.
    #[error(
        "the batch's files ({input} bytes) need more than {max} partitions of \
         TIQETS_MERGER_MEMORY_BYTES={budget}; a budget of at least {needed} merges it",
        max = crate::partitioned::MAX_PARTS
    )]
    TooLarge {
        input: u64,
        budget: u64,
        needed: u64,
    },
}

impl tiqets_contract::Failure for MergeError {
    /// Whether the same work may succeed later (NATS was unavailable, chunks not visible
    /// yet); otherwise the inputs are inconsistent and retrying cannot help.
    fn is_transient(&self) -> bool {
        match self {
            MergeError::Bus(_)
            | MergeError::Read { .. }
            | MergeError::Missing { .. }
            | MergeError::Upload { .. }
            | MergeError::Part { .. }
            | MergeError::Task(_) => true,
            MergeError::Corrupt { .. }
            | MergeError::Counts { .. }
            | MergeError::Aborted { .. }
            | MergeError::TooLarge { .. } => false,
        }
    }
}
