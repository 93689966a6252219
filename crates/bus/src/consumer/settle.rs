//! Settling a message once its handler is done with it: [`settlement`] maps the final
//! [`Outcome`] to what becomes of the message (pure), [`settle`] carries it out.
//!
//! - [`Outcome::Ack`] → ack.
//! - [`Outcome::Fatal`] → a copy goes to the dead-letter subject, [`Handler::dead`] runs,
//!   and the message is terminated (left unacknowledged if the copy could not be stored).
//! - [`Outcome::Retry`] never gets here: the loop runs the handler again in process while
//!   the dependency is down (`run.rs`), so waiting out an outage uses up no delivery.

use super::dead_letter::dead_letter;
use super::delivery::Delivery;
use super::handler::Handler;
use super::options::ConsumerOptions;
use super::outcome::Outcome;
use crate::client::Bus;
use crate::metrics::{consumer_metrics, count_message};
use async_nats::jetstream::AckKind;

/// What becomes of a handled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Settlement {
    /// Ack: done.
    Ack,
    /// Dead-letter, then term: it is never delivered again.
    Dead { reason: String },
}

/// What becomes of a message whose handling ended in `outcome`.
pub(super) fn settlement(outcome: Outcome) -> Settlement {
    match outcome {
        Outcome::Ack => Settlement::Ack,
        // Not produced by the loop (see the module doc); were it, it would not be lost.
        Outcome::Retry(reason) => Settlement::Dead {
            reason: format!("gave up: {reason}"),
        },
        Outcome::Fatal(reason) => Settlement::Dead { reason },
    }
}

/// Acks or dead-letters `d` as [`settlement`] says, counting it in the metrics.
pub(super) async fn settle<H: Handler>(
    bus: &Bus,
    options: &ConsumerOptions,
    handler: &H,
    d: &Delivery,
    outcome: Outcome,
) {
    let label = options.label.as_str();
    let reason = match settlement(outcome) {
        Settlement::Ack => {
            count_message(label, "acked");
            if let Err(e) = d.msg.ack().await {
                tracing::warn!(error = %e, "ack failed; the message will be redelivered");
            }
            return;
        }
        Settlement::Dead { reason } => reason,
    };
    count_message(label, "dead_lettered");
    consumer_metrics()
        .failures
        .with_label_values(&[label])
        .inc();
    tracing::error!(%reason, dead_subject = %options.dead_subject, "dead-lettering message");
    let copied = dead_letter(bus, options, d, &reason).await;
    handler.dead(d, &reason).await;
    if copied {
        if let Err(e) = d.msg.ack_with(AckKind::Term).await {
            tracing::warn!(error = %e, "term failed");
        }
    } else {
        // Not terminated: the message stays in the stream rather than being lost.
        tracing::error!("dead letter not stored; leaving the message unacknowledged");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ack_is_acked_and_a_fatal_outcome_dead_lettered_with_its_reason() {
        assert_eq!(settlement(Outcome::Ack), Settlement::Ack);
        assert_eq!(
            settlement(Outcome::Fatal("undecodable".into())),
            Settlement::Dead {
                reason: "undecodable".into()
            }
        );
    }
}
