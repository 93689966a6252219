//! Integration tests of the validator against the real NATS server, each test in its own
//! namespace (tiqets-testkit starts a server when none is reachable).

mod fatal;
mod redelivery;
mod sample;
mod service;
mod support;
