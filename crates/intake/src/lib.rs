//! The intake of the pipeline: the file publishing path shared by ingest (the input folder)
//! and the api (uploads). It turns a pair of files into a batch on the bus.
//!
//! A batch's id is derived from the SHA-256 of its two files ([`BatchId::for_pair`](tiqets_contract::BatchId::for_pair)), so the
//! caller hashes first ([`hash_file`], or while spooling an upload) and then hands the files
//! to [`Publisher::publish_pair`], which:
//!
//! 1. looks up the batch's last status on `{ns}.status.{id}`: a failed batch is retried with
//!    the next attempt number; one in progress is a **repeat** (a
//!    [`Notice`](tiqets_contract::Notice) is published and nothing is processed again; a
//!    batch still `received` has its work published again, in case its publisher stopped
//!    between the two); for a completed one, a persister is asked what PostgreSQL holds of
//!    it (`record.rs`): still recorded, a repeat; no longer recorded (deleted, or lost with
//!    a database restore), processed again as the next attempt;
//! 2. streams both files at once into the object store (`batches/{id}/orders.csv`, …) in chunks,
//!    never holding a whole file, and refuses the result if the digest the store computed
//!    while storing differs from the announced one (a file that changed after it was
//!    hashed; see [`tiqets_bus::object`]); an object already stored with the same digest is
//!    not sent again;
//! 3. publishes [`ValidateWork`](tiqets_contract::ValidateWork) (`Nats-Msg-Id: {id}.validate.{attempt}`) and the `received`
//!    status (`{id}.status.received.{attempt}`), and returns once JetStream acknowledged both.
//!
//! Everything is idempotent: publishing the same pair again (after a crash before the caller
//! archived the files) finds the batch in progress, or is dropped as a duplicate message.
//!
//! # Layout
//! - `pair.rs`: what is handed in, [`PairRequest`] and an [`Input`] per file, or the
//!   [`RecordedBatch`] to retry.
//! - `published.rs`: what comes out, [`Published`] or a [`PublishError`].
//! - `hash.rs`: [`hash_file`], a file's digest and size before it is published.
//! - `publisher.rs`: [`Publisher`], the steps above, the waiting pseudo-batch, and
//!   [`Publisher::retry`], a failed batch queued again from its stored files.
//! - `record.rs`: what PostgreSQL holds of a batch, asked of a persister.
//! - `store.rs`: the objects: room in the bucket, a verified put.

mod hash;
mod pair;
mod published;
mod publisher;
mod record;
mod store;

pub use hash::hash_file;
pub use pair::{Input, PairRequest, RecordedBatch};
pub use published::{PublishError, Published};
pub use publisher::Publisher;
