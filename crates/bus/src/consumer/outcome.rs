//! [`Outcome`]: what a handler made of a message, which decides its acknowledgement
//! (`settle.rs`).

/// What a handler made of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done, and its effects are durable: ack.
    Ack,
    /// A transient failure (a dependency is down): try again later.
    Retry(String),
    /// It can never succeed (undecodable, a broken invariant): dead-letter it now.
    Fatal(String),
}
