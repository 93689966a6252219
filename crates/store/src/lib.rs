//! PostgreSQL for the Tiqets order processor: where batch results live and how the api reads
//! them. The schema and the query each index serves are in `docs/data-model.md`.
//!
//! # Layout
//! - [`pool`]: [`connect`] gives a deadpool pool from a `DATABASE_URL`.
//! - [`tls`]: the URL's `sslmode` (libpq's meaning), `sslrootcert`, `sslcert` and `sslkey`,
//!   and the rustls configuration that enforces them.
//! - [`migrate`](mod@migrate): embedded migrations, advisory-locked so replicas can all run
//!   them at start-up ([`migrate()`]).
//! - [`status`]: [`record_status`], the forward-only record of status events in `batches`.
//! - [`writer`]: [`BatchWriter`], replacing one batch's rows with binary COPY, its tables
//!   loaded side by side on several connections and made the results in one transaction
//!   (idempotent, atomic); `copy` encodes its rows.
//! - [`queries`]: the read side, one file per table (batches, orders and top customers,
//!   issues, unused barcodes), with every filter and count the api serves.
//! - [`changes`]: the changes between two completed batches, compared by the domain's rules
//!   from their stored results, and stored.
//! - [`model`]: the rows those queries return.
//! - [`error`]: [`StoreError`], with [`StoreError::is_transient`] to tell retry from give-up.

pub mod changes;
mod copy;
pub mod error;
pub mod migrate;
pub mod model;
pub mod pool;
pub mod queries;
pub mod status;
pub mod tls;
pub mod writer;

pub use deadpool_postgres::Pool;
pub use error::StoreError;
pub use migrate::{migrate, MIGRATIONS};
pub use model::{BatchRecord, FileInfo, IssueRecord, OrderRecord, UnusedBarcode};
pub use pool::{connect, connect_with, DEFAULT_POOL_SIZE};
pub use status::{record_status, Recorded};
pub use tls::{DbTls, SslMode};
pub use writer::{
    deleted_attempt, drop_batch, index_lookups, split_barcodes, BatchWriter, IssuesCopy,
    IssuesWritten, OrdersCopy, OrdersWritten, SoldCopy, UnusedCopy, UnusedWritten,
    BATCH_LOCK_CLASS, WRITE_CONNECTIONS,
};
