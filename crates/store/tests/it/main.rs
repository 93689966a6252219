//! Integration tests of tiqets-store against a real PostgreSQL, one database per test.

mod migrations;
mod queries;
mod roles;
mod sample;
mod status;
mod writer;
