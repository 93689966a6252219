//! [`Handler`]: what the loop hands each message to.

use super::delivery::Delivery;
use super::outcome::Outcome;
use std::future::Future;

/// Handles messages of one consumer. Implement with `async fn`.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, delivery: &Delivery) -> impl Future<Output = Outcome> + Send;

    /// The batch a message is about, recorded once in its span as `batch_id` (a message
    /// retried in process is handled again in the same span). `None`: not about a batch.
    fn batch_id(&self, _delivery: &Delivery) -> Option<String> {
        None
    }

    /// Runs after a message was dead-lettered, before it is terminated.
    fn dead(&self, _delivery: &Delivery, _reason: &str) -> impl Future<Output = ()> + Send {
        async {}
    }
}
