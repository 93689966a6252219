//! `tiqets-ingest`: watches the input folder, pairs files into batches (`docs/operations.md`,
//! ingest), waits until they are completely written, publishes them to NATS JetStream and,
//! once acknowledged, moves them to the archive folder.
//!
//! It never leaves the input folder and never blocks on what it finds there: it reads
//! regular files only, never follows a symbolic link and never opens a FIFO, a socket or a
//! device. Such an entry, or a folder where a file is expected, is moved to the rejected
//! folder with the reason beside it (or, when it cannot be moved, left alone and logged
//! once). A pair with a file larger than `TIQETS_INGEST_MAX_FILE_BYTES` is not read: it is
//! reported as a `failed` batch naming the file, its size and the limit, and kept in the
//! rejected folder. See [`refuse`].
//!
//! # Layout
//! - [`catalogue`]: [`SETTINGS`], every variable it reads (`--help`).
//! - [`settings`]: environment variables.
//! - [`pairing`]: which files make a batch (pure).
//! - [`quiet`]: when a file is completely written (pure).
//! - [`scan`]: listing the input folder, and which entries in it are refused.
//! - [`open`]: opening a file without following a link or blocking; hashing it up to the
//!   size limit.
//! - [`claim`]: taking a pair so that exactly one replica publishes it; archiving.
//! - [`holder`]: which process holds a claim, so that a replica restarted on the same host
//!   is taken over at once.
//! - [`refuse`]: the rejected folder; failing a pair that is too large.
//! - [`metrics`]: the counter `tiqets_ingest_rejected_total{reason}`.
//! - [`watch`]: `notify` events as wake-ups.
//! - [`service`]: the loop: [`run`] / [`run_with_bus`].
//!
//! Publishing itself (object store, `ValidateWork`, statuses, repeats) is
//! `tiqets_intake`, shared with the api's upload: ingest hashes the files it opened
//! and hands those open files to `Publisher::publish_pair`.

pub mod catalogue;
pub mod claim;
pub mod holder;
pub mod metrics;
pub mod open;
pub mod pairing;
pub mod quiet;
pub mod refuse;
pub mod scan;
pub mod service;
pub mod settings;
pub mod watch;

pub use catalogue::SETTINGS;
pub use service::{run, run_with_bus, IngestError};
pub use settings::Settings;
