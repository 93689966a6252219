//! What a caller hands the [`crate::Publisher`]: a name and source for the pair, and each
//! file as a reader with its digest and size known beforehand.

use tiqets_contract::{BatchId, Sha256, Source};

/// What to call a pair and where it came from.
#[derive(Debug, Clone)]
pub struct PairRequest {
    /// The batch's human name (folder, file tag, or upload name).
    pub name: String,
    pub source: Source,
    /// The waiting pseudo-batch this pair completes, if one may have been shown.
    pub supersedes: Option<BatchId>,
}

/// One file to publish: a reader positioned at its start, and its digest and size, known
/// beforehand.
pub struct Input<R> {
    pub reader: R,
    pub sha256: Sha256,
    pub size: u64,
}

/// What PostgreSQL holds of a batch to retry ([`crate::Publisher::retry`]).
#[derive(Debug, Clone)]
pub struct RecordedBatch {
    pub name: String,
    pub status: tiqets_contract::BatchStatus,
    pub attempt: u32,
    /// The names its input files arrived under (`orders.csv`, `barcodes.csv` when unknown).
    pub orders_name: String,
    pub barcodes_name: String,
}
