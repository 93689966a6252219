//! The wire contract of the Tiqets pipeline: everything that travels between services over
//! NATS JetStream, and the names it travels under. Serde and hashing only (no NATS client,
//! no async runtime, no metrics): the services, the store and the fuzz targets all build on
//! it, and `tiqets-bus` carries it over NATS. See `docs/events.md` for the flow of one batch.
//!
//! # Layout
//! - [`names`]: every subject, stream, consumer, bucket and object key, from the namespace
//!   ([`Names`]); the pipeline's [`Stage`]s and the merger's [`ResultFile`]s.
//! - [`digest`]: SHA-256 digests ([`Sha256`], [`Sha256Hasher`]) and [`BatchId`]s (derived
//!   from the files' contents).
//! - [`batch`]: which run of which batch ([`BatchRef`]), where its files came from
//!   ([`Source`]) and where they are stored ([`FileRef`], [`Inputs`]).
//! - [`status`]: the batch lifecycle ([`BatchStatus`]), [`StatusEvent`], its figures
//!   ([`BatchCounts`], [`Progress`]) and the forward-only rule ([`progression`]).
//! - [`events`]: the work messages ([`ValidateWork`], [`MergeWork`], [`PersistWork`], the
//!   [`Work`] trait) and [`Notice`]s.
//! - [`failure`]: [`Failure`], whether an error is worth a later delivery.
//! - [`chunk`]: validated rows in a compact binary [`RowChunk`], written by a
//!   [`ChunkWriter`], read by a [`ChunkVisitor`].
//!
//! Imports between the modules go one way: `batch` uses `digest`; `status` uses `digest` and
//! `batch`; `events` uses those and `names`; `chunk` uses `digest`. `names` and `digest`
//! use none.

pub mod batch;
pub mod chunk;
pub mod deletion;
pub mod digest;
pub mod events;
pub mod failure;
pub mod names;
pub mod record;
pub mod status;

pub use batch::{BatchRef, FileRef, Inputs, Source};
pub use chunk::{
    ChunkError, ChunkHead, ChunkRows, ChunkVisitor, ChunkWriter, RowChunk, ABORT_HEADER,
    CHUNK_TARGET_BYTES,
};
pub use deletion::{DeleteReply, DeleteRequest, Freed};
pub use digest::{BadBatchId, BadDigest, BatchId, Sha256, Sha256Hasher};
pub use events::{
    ChunkSet, MergeStep, MergeWork, Notice, NoticeKind, PersistWork, ResultRef, TopCustomer,
    ValidateWork, Work,
};
pub use failure::Failure;
pub use names::{Names, PartObject, ResultFile, Stage, PART_FORMAT};
pub use record::{RecordReply, RecordRequest};
pub use status::{progression, BatchCounts, BatchStatus, Progress, Progression, StatusEvent};
