//! The event contract of the Tiqets pipeline: everything services agree on to talk over
//! NATS JetStream. See `docs/events.md` for the flow of one batch.
//!
//! # Layout
//! - [`names`]: every subject, stream, consumer, bucket and object key, from the namespace.
//! - [`digest`]: SHA-256 digests and [`BatchId`]s (derived from the files' contents).
//! - [`status`]: the batch lifecycle ([`BatchStatus`]), [`StatusEvent`] and the
//!   forward-only rule ([`progression`]).
//! - [`events`]: the work messages ([`ValidateWork`], [`MergeWork`], [`PersistWork`]) and
//!   [`Notice`]s.
//! - [`chunk`]: validated rows in a compact binary [`RowChunk`].

pub mod chunk;
pub mod digest;
pub mod events;
pub mod names;
pub mod status;

pub use chunk::{ChunkError, ChunkRows, ChunkWriter, RowChunk, CHUNK_TARGET_BYTES};
pub use digest::{BadBatchId, BatchId, Sha256, Sha256Hasher};
pub use events::{
    BatchRef, ChunkSet, FileRef, Inputs, MergeWork, Notice, NoticeKind, PersistWork, ResultRef,
    Source, TopCustomer, ValidateWork, Work,
};
pub use names::{Names, ResultFile, Stage};
pub use status::{progression, BatchCounts, BatchStatus, Progress, Progression, StatusEvent};
