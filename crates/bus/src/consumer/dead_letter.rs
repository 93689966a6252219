//! Dead letters: a copy of a message the loop gave up on, on the consumer's dead-letter
//! subject, with the original headers plus `Tiqets-Dead-Reason`, `Tiqets-Dead-Subject`,
//! `Tiqets-Dead-Stream-Seq` and `Tiqets-Dead-Deliveries`.

use super::delivery::Delivery;
use super::options::ConsumerOptions;
use crate::client::Bus;
use async_nats::HeaderMap;
use std::time::Duration;

/// Why it was given up on.
pub const DEAD_REASON: &str = "Tiqets-Dead-Reason";
/// The subject it was published on (where a replay puts it back).
pub const DEAD_SUBJECT: &str = "Tiqets-Dead-Subject";
/// Its sequence in its stream.
pub const DEAD_STREAM_SEQ: &str = "Tiqets-Dead-Stream-Seq";
/// How often it was delivered.
pub const DEAD_DELIVERIES: &str = "Tiqets-Dead-Deliveries";
/// Every header a dead letter adds to the original's.
pub const DEAD_HEADERS: [&str; 4] = [DEAD_REASON, DEAD_SUBJECT, DEAD_STREAM_SEQ, DEAD_DELIVERIES];

/// The longest reason a dead letter carries, in characters.
const MAX_REASON_CHARS: usize = 1000;

/// Copies the message to the dead-letter subject; `false` when that failed thrice.
pub(super) async fn dead_letter(
    bus: &Bus,
    options: &ConsumerOptions,
    d: &Delivery,
    reason: &str,
) -> bool {
    let headers = dead_letter_headers(
        d.headers(),
        reason,
        d.subject(),
        d.stream_sequence,
        d.delivered,
    );
    let id = dead_letter_id(&options.stream, d.stream_sequence);
    for attempt in 1..=3 {
        match bus
            .publish_bytes(
                options.dead_subject.clone(),
                Some(&id),
                headers.clone(),
                d.msg.payload.clone(),
            )
            .await
        {
            Ok(_) => return true,
            Err(e) => {
                tracing::warn!(error = %e, attempt, "dead-letter publish failed");
                tokio::time::sleep(Duration::from_secs(attempt)).await;
            }
        }
    }
    false
}

/// The original headers plus the `Tiqets-Dead-*` ones: why, from which subject and stream
/// sequence, after how many deliveries.
fn dead_letter_headers(
    original: Option<&HeaderMap>,
    reason: &str,
    subject: &str,
    stream_sequence: u64,
    delivered: u64,
) -> HeaderMap {
    let mut headers = original.cloned().unwrap_or_default();
    headers.insert(DEAD_REASON, header_text(reason).as_str());
    headers.insert(DEAD_SUBJECT, subject);
    headers.insert(DEAD_STREAM_SEQ, stream_sequence.to_string());
    headers.insert(DEAD_DELIVERIES, delivered.to_string());
    headers
}

/// `reason` as a header value: control characters (line breaks…) as spaces, at most
/// [`MAX_REASON_CHARS`] characters.
fn header_text(reason: &str) -> String {
    reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_REASON_CHARS)
        .collect()
}

/// `Nats-Msg-Id` of the dead letter of stream message `seq`: copying it again (a retry, a
/// redelivery) stores it once.
fn dead_letter_id(stream: &str, seq: u64) -> String {
    format!("dead.{stream}.{seq}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_letters_keep_the_original_headers_and_say_why() {
        let mut original = HeaderMap::new();
        original.insert("traceparent", "00-abc-def-01");
        let h = dead_letter_headers(Some(&original), "bad\nthing", "t.work.merge", 42, 5);
        let get = |k: &str| h.get(k).map(|v| v.as_str().to_string());
        assert_eq!(get("traceparent").as_deref(), Some("00-abc-def-01"));
        assert_eq!(get("Tiqets-Dead-Reason").as_deref(), Some("bad thing"));
        assert_eq!(get("Tiqets-Dead-Subject").as_deref(), Some("t.work.merge"));
        assert_eq!(get("Tiqets-Dead-Stream-Seq").as_deref(), Some("42"));
        assert_eq!(get("Tiqets-Dead-Deliveries").as_deref(), Some("5"));
        let bare = dead_letter_headers(None, "r", "s", 1, 1);
        assert_eq!(bare.iter().count(), 4);
    }

    #[test]
    fn reasons_are_one_line_of_at_most_a_thousand_characters() {
        assert_eq!(header_text("a\r\nb\tc"), "a  b c");
        let long = "é".repeat(1500);
        assert_eq!(header_text(&long).chars().count(), MAX_REASON_CHARS);
    }

    #[test]
    fn a_message_has_one_dead_letter_id() {
        assert_eq!(dead_letter_id("t_WORK", 7), "dead.t_WORK.7");
    }
}
