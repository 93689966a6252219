//! Metrics of the consumer loop, the same for every consumer service (validator, merger,
//! persister), registered in the process's registry ([`tiqets_telemetry::metrics`]) and so
//! served at the health endpoint's `/metrics`. Every series has a `stage` label: the
//! consumer's label (`validate`, `merge`, `persist`, or `status` for the status recorder).
//!
//! - `tiqets_consumer_messages_total{stage,outcome}`: messages handled, by outcome:
//!   `acked`, `retried` (nak with delay), `dead_lettered`, `released` (at shutdown).
//! - `tiqets_consumer_failures_total{stage}`: handler failures (retried or dead-lettered).
//! - `tiqets_consumer_redeliveries_total{stage}`: deliveries after the first of a message.
//! - `tiqets_consumer_handle_duration_seconds{stage}`: time from delivery to settling; for
//!   the work stages one message is one batch, so this is the batch duration of the stage.
//! - `tiqets_consumer_rows_total{stage}`: rows in the work the stage completed (validate:
//!   valid rows it emitted; merge: rows it joined; persist: output rows it wrote);
//!   `rate()` of it is rows per second.
//! - `tiqets_batch_issues_total{code}`: issues of the batches persisted, by issue code.
//! - `tiqets_consumer_in_flight{stage}`: messages being handled now.
//! - `tiqets_consumer_pending{stage}` and `tiqets_consumer_ack_pending{stage}`: the durable
//!   consumer's backlog (messages not yet delivered) and unacknowledged deliveries, as the
//!   server last reported them (refreshed at most every 5 s): the consumer lag.

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts};
use std::sync::OnceLock;
use tiqets_contract::Stage;

/// The consumer loop's metrics.
pub struct ConsumerMetrics {
    pub messages: IntCounterVec,
    pub failures: IntCounterVec,
    pub redeliveries: IntCounterVec,
    pub duration: HistogramVec,
    pub rows: IntCounterVec,
    pub issues: IntCounterVec,
    pub in_flight: IntGaugeVec,
    pub pending: IntGaugeVec,
    pub ack_pending: IntGaugeVec,
}

/// Counts one message of consumer `label` in `tiqets_consumer_messages_total` under
/// `outcome` (`acked`, `retried`, `dead_lettered` or `released`).
pub(crate) fn count_message(label: &str, outcome: &str) {
    consumer_metrics()
        .messages
        .with_label_values(&[label, outcome])
        .inc();
}

/// Adds `rows` to `tiqets_consumer_rows_total{stage}`: the rows of a work the stage completed.
pub fn count_rows(stage: Stage, rows: u64) {
    consumer_metrics()
        .rows
        .with_label_values(&[stage.as_str()])
        .inc_by(rows);
}

/// The metrics, registered on first use.
pub fn consumer_metrics() -> &'static ConsumerMetrics {
    static METRICS: OnceLock<ConsumerMetrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        // The names, help texts and labels below are static and valid.
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
            let _ = tiqets_telemetry::metrics::registry().register(Box::new(c.clone()));
            c
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGaugeVec::new(Opts::new(name, help), &["stage"]).expect("valid metric");
            let _ = tiqets_telemetry::metrics::registry().register(Box::new(g.clone()));
            g
        };
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "tiqets_consumer_handle_duration_seconds",
                "Time from delivery to settling a message (one batch for the work stages)",
            )
            .buckets(vec![
                0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
            ]),
            &["stage"],
        )
        .expect("valid metric");
        let _ = tiqets_telemetry::metrics::registry().register(Box::new(duration.clone()));
        ConsumerMetrics {
            messages: counter(
                "tiqets_consumer_messages_total",
                "Messages handled, by outcome",
                &["stage", "outcome"],
            ),
            failures: counter(
                "tiqets_consumer_failures_total",
                "Handler failures (retried or dead-lettered)",
                &["stage"],
            ),
            redeliveries: counter(
                "tiqets_consumer_redeliveries_total",
                "Deliveries after the first of a message",
                &["stage"],
            ),
            duration,
            rows: counter(
                "tiqets_consumer_rows_total",
                "Rows in the work the stage completed",
                &["stage"],
            ),
            issues: counter(
                "tiqets_batch_issues_total",
                "Issues of the batches persisted, by issue code",
                &["code"],
            ),
            in_flight: gauge("tiqets_consumer_in_flight", "Messages being handled"),
            pending: gauge(
                "tiqets_consumer_pending",
                "Messages of the consumer not yet delivered (lag)",
            ),
            ack_pending: gauge(
                "tiqets_consumer_ack_pending",
                "Deliveries of the consumer not yet acknowledged",
            ),
        }
    })
}
