//! Integration tests of tiqets-intake against the real NATS server (`NATS_URL`, default
//! `nats://127.0.0.1:4222`), each in its own random namespace.

mod publish;
mod support;
mod trace;
