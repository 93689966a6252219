//! Settling a message once its handler is done: [`settlement`] maps the [`Outcome`] to what
//! becomes of the message (pure), [`settle`] carries it out.
//!
//! - [`Outcome::Ack`] → ack.
//! - [`Outcome::Retry`] → nak with the delivery's delay ([`ConsumerOptions::retry_delay`]);
//!   on the last delivery (`max_deliver`) it is dead-lettered instead.
//! - [`Outcome::Fatal`] → a copy goes to the dead-letter subject, [`Handler::dead`] runs,
//!   and the message is terminated (left unacknowledged if the copy could not be stored).

use super::dead_letter::dead_letter;
use super::delivery::{is_last_delivery, Delivery};
use super::handler::Handler;
use super::options::ConsumerOptions;
use super::outcome::Outcome;
use crate::client::Bus;
use crate::metrics::{consumer_metrics, count_message};
use async_nats::jetstream::AckKind;
use std::time::Duration;

/// What becomes of a handled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Settlement {
    /// Ack: done.
    Ack,
    /// Nak with `delay`: it is delivered again after it.
    Retry { reason: String, delay: Duration },
    /// Dead-letter, then term: it is never delivered again.
    Dead { reason: String },
}

/// What becomes of a message whose delivery number `delivered` (1 for the first) ended in
/// `outcome`.
pub(super) fn settlement(
    outcome: Outcome,
    delivered: u64,
    options: &ConsumerOptions,
) -> Settlement {
    match outcome {
        Outcome::Ack => Settlement::Ack,
        Outcome::Retry(reason) if !is_last_delivery(delivered, options.max_deliver) => {
            Settlement::Retry {
                reason,
                delay: options.retry_delay(delivered),
            }
        }
        Outcome::Retry(reason) => Settlement::Dead {
            reason: format!("gave up after {delivered} deliveries: {reason}"),
        },
        Outcome::Fatal(reason) => Settlement::Dead { reason },
    }
}

/// Acks, naks or dead-letters `d` as [`settlement`] says, counting it in the metrics.
pub(super) async fn settle<H: Handler>(
    bus: &Bus,
    options: &ConsumerOptions,
    handler: &H,
    d: &Delivery,
    outcome: Outcome,
) {
    let label = options.label.as_str();
    let reason = match settlement(outcome, d.delivered, options) {
        Settlement::Ack => {
            count_message(label, "acked");
            if let Err(e) = d.msg.ack().await {
                tracing::warn!(error = %e, "ack failed; the message will be redelivered");
            }
            return;
        }
        Settlement::Retry { reason, delay } => {
            count_message(label, "retried");
            consumer_metrics()
                .failures
                .with_label_values(&[label])
                .inc();
            tracing::warn!(%reason, retry_in_s = delay.as_secs(), "retrying later");
            if let Err(e) = d.msg.ack_with(AckKind::Nak(Some(delay))).await {
                tracing::warn!(error = %e, "nak failed; the message is redelivered after its ack wait");
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
    use tiqets_contract::{Names, Stage};

    fn options() -> ConsumerOptions {
        ConsumerOptions::work(&Names::new("t"), Stage::Validate)
    }

    #[test]
    fn an_ack_is_acked_on_any_delivery() {
        for delivered in [1, 5, 9] {
            assert_eq!(
                settlement(Outcome::Ack, delivered, &options()),
                Settlement::Ack
            );
        }
    }

    #[test]
    fn a_retry_is_nakked_with_its_delay_until_the_last_delivery() {
        let o = options();
        assert_eq!(o.max_deliver, 5);
        let retry = |delivered| settlement(Outcome::Retry("down".into()), delivered, &o);
        assert_eq!(
            retry(1),
            Settlement::Retry {
                reason: "down".into(),
                delay: Duration::from_secs(2)
            }
        );
        assert_eq!(
            retry(4),
            Settlement::Retry {
                reason: "down".into(),
                delay: Duration::from_secs(60)
            }
        );
        assert_eq!(
            retry(5),
            Settlement::Dead {
                reason: "gave up after 5 deliveries: down".into()
            }
        );
    }

    #[test]
    fn a_fatal_outcome_is_dead_lettered_at_once_with_its_reason() {
        assert_eq!(
            settlement(Outcome::Fatal("undecodable".into()), 1, &options()),
            Settlement::Dead {
                reason: "undecodable".into()
            }
        );
    }
}
