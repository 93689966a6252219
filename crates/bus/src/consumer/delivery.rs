//! [`Delivery`]: one delivered message, with how often it was delivered and whether every
//! delivery the consumer allows was used.

use async_nats::jetstream::{self, AckKind};
use async_nats::HeaderMap;

/// One delivered message.
pub struct Delivery {
    pub(super) msg: jetstream::Message,
    pub(super) delivered: u64,
    pub(super) stream_sequence: u64,
    max_deliver: u64,
}

impl Delivery {
    pub(super) fn new(msg: jetstream::Message, max_deliver: u64) -> Delivery {
        let (delivered, stream_sequence) = match msg.info() {
            Ok(info) => (info.delivered.max(1) as u64, info.stream_sequence),
            Err(_) => (1, 0),
        };
        Delivery {
            msg,
            delivered,
            stream_sequence,
            max_deliver,
        }
    }

    pub fn subject(&self) -> &str {
        self.msg.subject.as_str()
    }

    pub fn payload(&self) -> &[u8] {
        &self.msg.payload
    }

    pub fn headers(&self) -> Option<&HeaderMap> {
        self.msg.headers.as_ref()
    }

    /// 1 for the first delivery.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Whether every delivery the consumer allows was used: the loop never gives a message
    /// back on a failure (it retries transient ones in process), so each earlier delivery
    /// was interrupted (its process stopped, or it stalled past the ack wait), and this
    /// last one ends the batch instead of being worked on.
    pub fn is_exhausted(&self) -> bool {
        self.delivered >= self.max_deliver
    }

    pub fn stream_sequence(&self) -> u64 {
        self.stream_sequence
    }

    /// The payload as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.msg.payload)
    }

    /// Tells the server the work is still going (the loop also does this on a timer).
    pub async fn in_progress(&self) {
        if let Err(e) = self.msg.ack_with(AckKind::Progress).await {
            tracing::warn!(error = %e, "in-progress ack failed");
        }
    }
}
