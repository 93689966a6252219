//! PostgreSQL for the Tiqets order processor: where batch results live and how the api reads
//! them. The schema and the query each index serves are in `docs/data-model.md`.
//!
//! # Layout
//! - [`pool`]: [`connect`] gives a deadpool pool from a `DATABASE_URL`.
//! - [`migrate`](mod@migrate): embedded migrations, advisory-locked so replicas can all run
//!   them at start-up ([`migrate()`]).
//! - [`writer`]: [`BatchWriter`], replacing one batch's rows with binary COPY in one
//!   transaction (idempotent, atomic).
//! - [`queries`]: the read side (batches, top customers, orders, unused barcodes, issues).
//! - [`model`]: the rows those queries return.
//! - [`error`]: [`StoreError`], with [`StoreError::is_transient`] to tell retry from give-up.

pub mod error;
pub mod migrate;
pub mod model;
pub mod pool;
pub mod queries;
pub mod writer;

pub use deadpool_postgres::Pool;
pub use error::StoreError;
pub use migrate::{migrate, MIGRATIONS};
pub use model::{BatchCounts, BatchRecord, FileInfo, IssueRecord, OrderRecord, UnusedBarcode};
pub use pool::{connect, connect_with, DEFAULT_POOL_SIZE};
pub use writer::{BatchTotals, BatchWriter, IssuesCopy, OrdersCopy, UnusedCopy};
