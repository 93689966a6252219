//! [`Failure`]: how every error of the pipeline says whether the same work may succeed on a
//! later delivery. The consumer loop turns it into a retry or a dead letter
//! (`tiqets_bus::Outcome::of`), so each stage decides "transient or fatal?" the same way.

/// An error a stage can meet while handling a message.
pub trait Failure: std::fmt::Display {
    /// True when a dependency was the problem (NATS, PostgreSQL, the disk) and a later
    /// delivery may succeed; false when the message itself can never succeed.
    fn is_transient(&self) -> bool;
}
