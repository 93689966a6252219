//! Integration tests of ingest against the real NATS server, each with its own namespace
//! and temporary folders.

mod ingest;
mod limits;
mod refuse;
mod support;
