//! Integration tests of tiqets-store against a real PostgreSQL, one database per test.

mod changes;
mod migrations;
mod queries;
mod rank_pages;
mod roles;
mod sample;
mod status;
mod tls;
mod writer;
