//! The NATS runtime of the Tiqets pipeline: connecting, setting up the namespace's streams,
//! consumers and bucket, publishing, the consumer loop and its metrics, and the trace context
//! carried in message headers. What travels (names, ids, events, row chunks) is
//! `tiqets-contract`'s; this crate carries it over NATS JetStream. See `docs/events.md` for
//! the flow of one batch.
//!
//! # Layout
//! - [`auth`]: the credentials a connection presents ([`NatsAuth`]).
//! - [`tls`]: TLS to NATS: the CA file, a client certificate, TLS required ([`NatsTls`]).
//! - [`client`]: [`Bus`], a connection in a namespace, with publishing helpers.
//! - [`pacing`]: the work consumers' ack wait and delivery limit ([`Pacing`]).
//! - [`setup`]: idempotent creation of streams, consumers and the file bucket.
//! - [`object`]: objects of the file bucket: their chunk size, and an object against an
//!   announced digest and size.
//! - [`consumer`]: the consumer loop: fetch, handle, ack / nak / dead-letter.
//! - [`metrics`]: the consumer loop's Prometheus metrics.
//! - [`rows`]: dropping a batch's row chunks once nothing reads them ([`RowsOf`]).
//! - [`propagation`]: W3C trace context in NATS headers.
//! - [`error`]: the error type, [`BusError`].
//! - [`variables`]: the environment variables a NATS service reads ([`variables_read`]).

pub mod auth;
pub mod client;
pub mod consumer;
pub mod error;
pub mod metrics;
pub mod object;
pub mod pacing;
pub mod propagation;
pub mod rows;
pub mod setup;
pub mod tls;
pub mod variables;

pub use auth::NatsAuth;
pub use client::{Bus, PublishAck};
pub use consumer::{
    run_consumer, run_work, run_work_with, ConsumerOptions, Delivery, Handler, Outcome, WorkHandler,
};
pub use error::BusError;
pub use object::{check_object, stored_digest, OBJECT_CHUNK_BYTES};
pub use pacing::Pacing;
pub use rows::RowsOf;
pub use tls::{ClientCert, NatsTls};
pub use variables::variables_read;
