//! Integration tests of tiqets-bus against the real NATS server (`tiqets_testkit::TestBus`,
//! on the shared server of `ensure_services`), each in its own random namespace.

mod consumer;
mod setup;
mod tls;
