//! The test harness of the workspace: every integration test runs against a real NATS
//! server and a real PostgreSQL, isolated by its own namespace and its own database.
//!
//! ```no_run
//! # async fn demo() {
//! use tiqets_testkit::{eventually, TestDatabase, TestNamespace};
//! let ns = TestNamespace::new(); // TIQETS_NAMESPACE = ns.name(), NATS_URL = ns.nats_url()
//! let db = TestDatabase::create().await; // DATABASE_URL = db.url(), migrated
//! eventually(std::time::Duration::from_secs(10), || async { true }).await;
//! # }
//! ```
//!
//! # Layout
//! - [`services`]: [`ensure_services`] finds NATS and PostgreSQL or starts them, once per
//!   process.
//! - [`namespace`]: [`TestNamespace`], a random namespace whose streams go when it is dropped.
//! - [`database`]: [`TestDatabase`], a fresh database dropped with the test.
//! - [`postgres`] / [`nats`]: [`OwnedPostgres`] and [`OwnedNats`], servers owned by the test
//!   process (a test that stops the database uses its own [`OwnedPostgres`]).
//! - [`tls`]: [`TestPki`], a CA and certificates made by the test, for the servers above
//!   started with TLS ([`OwnedPostgres::start_tls`], [`OwnedNats::start_tls`]).
//! - [`bus`]: [`TestBus`], a bus set up in its own namespace; pairs put on it as ingest does.
//! - [`pair`]: [`Pair`], a pair of input files ([`Pair::sample`], the bundled sample).
//! - [`expected`]: [`Expected`], the reference result of a pair, as `tiqets process` gives it.
//! - [`database`] also counts a batch's rows ([`database::batch_row_counts`]).
//! - [`ports`]: [`free_port`], a TCP port nothing listens on.
//! - [`tasks`]: [`joined`], a spawned task's end awaited with a deadline.
//! - [`memory`]: peak resident memory of a process.
//! - [`eventually()`] / [`eventually_named`]: polling with a deadline.
//! - `process`: children that die with the test process, apt-get when a binary is missing.

pub mod bus;
pub mod database;
pub mod eventually;
pub mod expected;
pub mod memory;
pub mod namespace;
pub mod nats;
pub mod pair;
pub mod ports;
pub mod postgres;
mod process;
pub mod services;
pub mod tasks;
pub mod tls;

pub use bus::TestBus;
pub use database::TestDatabase;
pub use eventually::{eventually, eventually_named, Check};
pub use expected::{expected, Expected};
pub use namespace::TestNamespace;
pub use nats::OwnedNats;
pub use pair::Pair;
pub use ports::free_port;
pub use postgres::{OwnedPostgres, PostgresTls};
pub use services::{ensure_services, Services};
pub use tasks::joined;
pub use tls::TestPki;
