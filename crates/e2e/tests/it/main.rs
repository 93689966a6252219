//! The pipeline end to end: the four service binaries, a real NATS and a real PostgreSQL.

mod dashboard;
mod deletion;
mod dropin;
mod faults;
mod flood;
mod full;
mod grafana;
mod help;
mod outage;
mod partitions;
mod permissions;
mod pipeline;
mod replay;
mod replicas;
mod settings;
mod support;
mod traces;
