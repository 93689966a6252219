//! [`Outcome`]: what a handler made of a message, which decides its acknowledgement
//! (`settle.rs`).

use tiqets_contract::Failure;

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

impl Outcome {
    /// The answer to an error: [`Outcome::Retry`] when it is transient, [`Outcome::Fatal`]
    /// otherwise, with the error as the reason.
    pub fn of(error: &impl Failure) -> Outcome {
        if error.is_transient() {
            Outcome::Retry(error.to_string())
        } else {
            Outcome::Fatal(error.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct E(bool);
    impl std::fmt::Display for E {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "broke ({})", self.0)
        }
    }
    impl Failure for E {
        fn is_transient(&self) -> bool {
            self.0
        }
    }

    #[test]
    fn transient_errors_are_retried_and_the_rest_dead_lettered() {
        assert_eq!(Outcome::of(&E(true)), Outcome::Retry("broke (true)".into()));
        assert_eq!(
            Outcome::of(&E(false)),
            Outcome::Fatal("broke (false)".into())
        );
    }
}
