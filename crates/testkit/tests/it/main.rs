//! Tests of the harness itself, against real servers.

mod databases;
mod namespaces;
mod owned;
