//! Integration tests of tiqets-bus against the real NATS server (`NATS_URL`, default
//! `nats://127.0.0.1:4222`), each in its own random namespace.

mod consumer;
mod setup;
mod support;
mod tls;
