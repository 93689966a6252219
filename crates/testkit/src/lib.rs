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
//! - [`eventually()`]: polling with a deadline.
//! - `process`: children that die with the test process, apt-get when a binary is missing.

pub mod database;
pub mod eventually;
pub mod namespace;
pub mod nats;
pub mod postgres;
mod process;
pub mod services;
pub mod tls;

pub use database::TestDatabase;
pub use eventually::{eventually, Check};
pub use namespace::TestNamespace;
pub use nats::OwnedNats;
pub use postgres::{OwnedPostgres, PostgresTls};
pub use services::{ensure_services, Services};
pub use tls::TestPki;
