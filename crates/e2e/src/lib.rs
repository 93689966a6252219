//! End-to-end harness: runs the real service binaries (`tiqets-ingest`, `-validator`,
//! `-merger`, `-persister`) as child processes against a real NATS and PostgreSQL, each
//! test in its own namespace, database and folders, and compares what they store with what
//! `tiqets_domain` (the same code as `tiqets process`) gives on the same files.
//!
//! # Layout
//! - [`Stack`]: folders, environment, processes (start, `kill -9`, restart) of one test.
//! - `tiqets_testkit::expected`: the reference result of a pair of files, as the CLI would
//!   write it, compared with [`stored`].
//! - [`stored`]: what the pipeline stored for a batch, read back from PostgreSQL in the
//!   same formats.
//!
//! The tests are in `tests/it`.

pub mod stack;
pub mod stored;

pub use stack::{Service, Stack};
