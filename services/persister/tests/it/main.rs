//! Integration tests of the persister against real NATS and PostgreSQL: each test has its
//! own namespace, database and output directory.

mod failures;
mod harness;
mod persist;
mod status;
