//! Integration tests of the api against a real PostgreSQL and a real NATS, each test with
//! its own database and namespace (`support::spawn_app`).

mod auth;
mod batches;
mod bypass;
mod changes;
mod delete;
mod downloads;
mod dropin;
mod events;
mod limits;
mod operations;
mod pipeline;
mod retry;
mod seed;
mod sse;
mod support;
mod unfinished;
mod upload;
