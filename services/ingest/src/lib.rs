//! `tiqets-ingest`: watches the input folder, pairs files into batches (SPEC §4), waits
//! until they are completely written, publishes them to NATS JetStream and, once
//! acknowledged, moves them to the archive folder.
//!
//! # Layout
//! - [`settings`]: environment variables.
//! - [`pairing`]: which files make a batch (pure).
//! - [`quiet`]: when a file is completely written (pure).
//! - [`scan`]: listing the input folder.
//! - [`claim`]: taking a pair so that exactly one replica publishes it; archiving.
//! - [`watch`]: `notify` events as wake-ups.
//! - [`service`]: the loop: [`run`] / [`run_with_bus`].
//!
//! Publishing itself (hashing, object store, `ValidateWork`, statuses, repeats) is
//! `tiqets_bus::publish`, shared with the api's upload.

pub mod claim;
pub mod pairing;
pub mod quiet;
pub mod scan;
pub mod service;
pub mod settings;
pub mod watch;

pub use service::{run, run_with_bus, IngestError};
pub use settings::Settings;
