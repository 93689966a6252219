//! The event contract of the Tiqets pipeline: everything services agree on to talk over
//! NATS JetStream. See `docs/events.md` for the flow of one batch.
//!
//! # Layout
//! - [`object`]: an object of the file bucket against an announced digest and size.
//! - [`names`]: every subject, stream, consumer, bucket and object key, from the namespace.
//! - [`env`]: settings from a service's environment ([`Env`], [`SettingsError`]), re-exported
//!   from `tiqets-config`, which holds each service's catalogue of settings too.
//! - [`digest`]: SHA-256 digests and [`BatchId`]s (derived from the files' contents).
//! - [`status`]: the batch lifecycle ([`BatchStatus`]), [`StatusEvent`] and the
//!   forward-only rule ([`progression`]).
//! - [`events`]: the work messages ([`ValidateWork`], [`MergeWork`], [`PersistWork`]) and
//!   [`Notice`]s.
//! - [`chunk`]: validated rows in a compact binary [`RowChunk`].
//! - [`auth`]: the credentials a connection presents ([`NatsAuth`]).
//! - [`tls`]: TLS to NATS: the CA file, a client certificate, TLS required ([`NatsTls`]).
//! - [`client`]: [`Bus`], a connection in a namespace, with publishing helpers.
//! - [`setup`]: idempotent creation of streams, consumers and the file bucket.
//! - [`consumer`]: the consumer loop: fetch, handle, ack / nak / dead-letter.
//! - [`metrics`]: the consumer loop's Prometheus metrics.
//! - [`propagation`]: W3C trace context in NATS headers.
//! - [`publish`]: the file publishing path shared by ingest and the api upload.
//! - [`error`]: the error type, [`BusError`].

pub mod auth;
pub mod chunk;
pub mod client;
pub mod consumer;
pub mod digest;
pub mod error;
pub mod events;
pub mod metrics;
pub mod names;
pub mod object;
pub mod propagation;
pub mod publish;
pub mod setup;
pub mod status;
pub mod tls;

pub use auth::NatsAuth;
pub use chunk::{
    ChunkError, ChunkHead, ChunkRows, ChunkVisitor, ChunkWriter, RowChunk, ABORT_HEADER,
    CHUNK_TARGET_BYTES,
};
pub use client::{Bus, PublishAck};
pub use consumer::{
    run_consumer, run_work, run_work_with, ConsumerOptions, Delivery, Handler, Outcome, WorkHandler,
};
pub use digest::{BadBatchId, BatchId, Sha256, Sha256Hasher};
pub use error::BusError;
pub use events::{
    BatchRef, ChunkSet, FileRef, Inputs, MergeWork, Notice, NoticeKind, PersistWork, ResultRef,
    Source, TopCustomer, ValidateWork, Work,
};
pub use names::{Names, ResultFile, Stage};
pub use object::{check_object, stored_digest};
pub use publish::{hash_file, PairRequest, PublishError, Published, Publisher, OBJECT_CHUNK_BYTES};
pub use status::{progression, BatchCounts, BatchStatus, Progress, Progression, StatusEvent};
pub use tiqets_config::env;
pub use tiqets_config::{Env, SettingsError};
pub use tls::{ClientCert, NatsTls};
