//! [`ConsumerOptions`]: where the loop reads and how it paces itself, with the defaults of
//! the work stages and of the status recorder, and the delay of each retry.

use crate::pacing::Pacing;
use crate::setup;
use std::time::Duration;
use tiqets_contract::{Names, Stage};
use tiqets_telemetry::health::ReadyFlag;

/// Where the loop reads and how it paces itself.
#[derive(Debug, Clone)]
pub struct ConsumerOptions {
    pub stream: String,
    pub consumer: String,
    /// Where given-up messages are copied.
    pub dead_subject: String,
    /// A label for logs and spans (`validate`, `status`, …).
    pub label: String,
    /// The consumer's `max_deliver` (`u64::MAX` for unlimited): a delivery numbered this
    /// is not worked on (see [`Delivery::is_exhausted`](super::Delivery::is_exhausted)).
    pub max_deliver: u64,
    /// Messages per fetch.
    pub fetch_batch: usize,
    /// How long one fetch waits for messages.
    pub fetch_expires: Duration,
    pub progress_every: Duration,
    /// How long a running handler may go on after shutdown before its message is released.
    pub drain_timeout: Duration,
    /// Waits between in-process retries of a transient failure (the last one repeats).
    pub retry_delays: Vec<Duration>,
    /// This loop's part of the service's readiness: set while it can fetch (detached by
    /// default; a service gives it [`tiqets_telemetry::health::Readiness::part`]).
    pub ready: ReadyFlag,
    /// Whether each message is a unit of work for the memory budget
    /// ([`tiqets_telemetry::memory::settle`] after it): the work stages' messages are,
    /// the small status events are not.
    pub settle_memory: bool,
}

impl ConsumerOptions {
    /// The durable consumer of a work stage.
    pub fn work(names: &Names, stage: Stage) -> ConsumerOptions {
        ConsumerOptions {
            stream: names.work_stream(),
            consumer: stage.consumer().to_string(),
            dead_subject: names.dead(stage),
            label: stage.as_str().to_string(),
            max_deliver: Pacing::default().max_deliver,
            fetch_batch: 1,
            fetch_expires: Duration::from_secs(5),
            progress_every: Pacing::default().progress_every(),
            drain_timeout: Duration::from_secs(20),
            retry_delays: vec![
                Duration::from_secs(2),
                Duration::from_secs(10),
                Duration::from_secs(30),
                Duration::from_secs(60),
            ],
            ready: ReadyFlag::detached(),
            settle_memory: true,
        }
    }

    /// These options for a work consumer paced by `pacing` (its delivery limit, and
    /// in-progress acks often enough for its ack wait).
    pub fn paced(self, pacing: Pacing) -> ConsumerOptions {
        ConsumerOptions {
            max_deliver: pacing.max_deliver,
            progress_every: pacing.progress_every(),
            ..self
        }
    }

    /// The persister's status recorder (small messages, fetched 64 at a time).
    pub fn status(names: &Names) -> ConsumerOptions {
        ConsumerOptions {
            stream: names.status_stream(),
            consumer: names.status_consumer().to_string(),
            dead_subject: names.dead_status(),
            label: "status".to_string(),
            fetch_batch: 64,
            max_deliver: u64::MAX, // setup::STATUS_MAX_DELIVER: never exhausted
            progress_every: setup::STATUS_ACK_WAIT / 4,
            settle_memory: false,
            ..ConsumerOptions::work(names, Stage::Persist)
        }
    }

    /// The wait (before jitter) after the `failures`-th transient failure in a row (1 for
    /// the first): the `failures`-th of [`ConsumerOptions::retry_delays`], the last one once
    /// they run out (5 s when there are none).
    pub fn retry_delay(&self, failures: u64) -> Duration {
        let i =
            (failures.saturating_sub(1) as usize).min(self.retry_delays.len().saturating_sub(1));
        self.retry_delays
            .get(i)
            .copied()
            .unwrap_or(Duration::from_secs(5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_delivery_and_the_last_delay_repeats() {
        let o = ConsumerOptions::work(&Names::new("t"), Stage::Merge);
        let delays: Vec<u64> = (0..=6).map(|d| o.retry_delay(d).as_secs()).collect();
        assert_eq!(delays, [2, 2, 10, 30, 60, 60, 60]);
        let none = ConsumerOptions {
            retry_delays: vec![],
            ..o
        };
        assert_eq!(none.retry_delay(3), Duration::from_secs(5));
    }

    #[test]
    fn work_and_status_consumers_read_their_streams() {
        let names = Names::new("t");
        let work = ConsumerOptions::work(&names, Stage::Validate);
        assert_eq!(
            (work.stream.as_str(), work.consumer.as_str()),
            ("t_WORK", "validator")
        );
        assert_eq!(
            (work.dead_subject.as_str(), work.label.as_str()),
            ("t.dead.validate", "validate")
        );
        assert_eq!(work.max_deliver, Pacing::default().max_deliver);
        let paced = work.clone().paced(Pacing {
            ack_wait: Duration::from_secs(8),
            max_deliver: 3,
        });
        assert_eq!(
            (paced.max_deliver, paced.progress_every),
            (3, Duration::from_secs(2))
        );
        assert_eq!(work.fetch_batch, 1);
        let status = ConsumerOptions::status(&names);
        assert_eq!(
            (status.stream.as_str(), status.consumer.as_str()),
            ("t_STATUS", "status-recorder")
        );
        assert_eq!(
            (status.dead_subject.as_str(), status.label.as_str()),
            ("t.dead.status", "status")
        );
        assert_eq!(status.fetch_batch, 64);
        assert_eq!(status.retry_delays, work.retry_delays);
    }
}
