//! Integration tests of the merger against the real NATS server (and PostgreSQL for the
//! whole pipeline), each test in its own namespace and database.

mod failures;
mod golden;
mod part_reader;
mod partitioned;
mod pipeline;
mod redelivery;
mod scale;
mod streaming;
mod support;
mod waiting;
