//! The loop itself: fetch, hand each message to its handler in a span of the publisher's
//! trace, keep it alive with in-progress acks, settle it, and survive every error.

use super::backoff::Backoff;
use super::delivery::Delivery;
use super::handler::Handler;
use super::options::ConsumerOptions;
use super::outcome::Outcome;
use super::settle::settle;
use crate::client::Bus;
use crate::metrics::{consumer_metrics, count_message};
use crate::propagation::continue_trace;
use crate::setup;
use async_nats::jetstream::consumer::{pull, Consumer};
use async_nats::jetstream::AckKind;
use futures::{FutureExt, StreamExt};
use std::panic::AssertUnwindSafe;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Runs `handler` on the consumer until `shutdown` fires, then drains and returns.
pub async fn run_consumer<H: Handler>(
    bus: &Bus,
    options: &ConsumerOptions,
    handler: &H,
    shutdown: &CancellationToken,
) {
    let mut backoff = Backoff::new();
    tracing::info!(consumer = %options.consumer, stream = %options.stream, "consumer started");
    'outer: while !shutdown.is_cancelled() {
        let mut consumer = match get_consumer(bus, options).await {
            Ok(c) => {
                options.ready.set(true);
                c
            }
            Err(e) => {
                options.ready.set(false);
                tracing::warn!(consumer = %options.consumer, error = %e, "consumer unavailable, ensuring setup and retrying");
                if let Err(e) = setup::ensure(bus).await {
                    tracing::warn!(error = %e, "setup failed");
                }
                backoff.wait(shutdown).await;
                continue;
            }
        };
        let mut lag_checked: Option<std::time::Instant> = None;
        while !shutdown.is_cancelled() {
            if lag_checked.is_none_or(|t| t.elapsed() >= LAG_EVERY) {
                lag_checked = Some(std::time::Instant::now());
                record_lag(&mut consumer, &options.label).await;
            }
            let fetched = tokio::select! {
                r = consumer
                    .fetch()
                    .max_messages(options.fetch_batch)
                    .expires(options.fetch_expires)
                    .messages() => r,
                _ = shutdown.cancelled() => break 'outer,
            };
            let mut batch = match fetched {
                Ok(b) => b,
                Err(e) => {
                    options.ready.set(false);
                    tracing::warn!(consumer = %options.consumer, error = %e, "fetch failed");
                    backoff.wait(shutdown).await;
                    continue 'outer;
                }
            };
            // Read the whole batch even during shutdown: messages already on their way are
            // released rather than left to time out.
            while let Some(item) = batch.next().await {
                match item {
                    Ok(msg) => {
                        backoff.reset();
                        let d = Delivery::new(msg, options.max_deliver);
                        if d.delivered() > 1 {
                            consumer_metrics()
                                .redeliveries
                                .with_label_values(&[options.label.as_str()])
                                .inc();
                        }
                        if shutdown.is_cancelled() {
                            release(&d, &options.label).await;
                        } else {
                            process(bus, options, handler, d, shutdown).await;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(consumer = %options.consumer, error = %e, "message stream error");
                        backoff.wait(shutdown).await;
                        continue 'outer;
                    }
                }
            }
        }
    }
    options.ready.set(false);
    tracing::info!(consumer = %options.consumer, "consumer stopped");
}

async fn get_consumer(
    bus: &Bus,
    options: &ConsumerOptions,
) -> Result<Consumer<pull::Config>, async_nats::Error> {
    let stream = bus.jetstream().get_stream_no_info(&options.stream).await?;
    stream.get_consumer(&options.consumer).await
}

/// How often the loop asks the server for the consumer's backlog.
const LAG_EVERY: Duration = Duration::from_secs(5);

/// Records the consumer's backlog as the server reports it.
async fn record_lag(consumer: &mut Consumer<pull::Config>, label: &str) {
    match consumer.info().await {
        Ok(info) => {
            let m = consumer_metrics();
            m.pending
                .with_label_values(&[label])
                .set(info.num_pending as i64);
            m.ack_pending
                .with_label_values(&[label])
                .set(info.num_ack_pending as i64);
        }
        Err(e) => tracing::debug!(error = %e, "consumer info unavailable"),
    }
}

/// Gives the message back at shutdown: nak without delay, so another replica takes it
/// at once.
async fn release(d: &Delivery, label: &str) {
    count_message(label, "released");
    tracing::info!(
        subject = d.subject(),
        seq = d.stream_sequence(),
        "releasing message at shutdown"
    );
    if let Err(e) = d.msg.ack_with(AckKind::Nak(None)).await {
        tracing::warn!(error = %e, "release failed; the message is redelivered after its ack wait");
    }
}

/// Handles one message in its own span (the publisher's trace continued), with in-progress
/// acks while the handler runs and the drain timeout at shutdown, retries it in process
/// while its failures are transient, then settles it.
async fn process<H: Handler>(
    bus: &Bus,
    options: &ConsumerOptions,
    handler: &H,
    d: Delivery,
    shutdown: &CancellationToken,
) {
    let span = tracing::info_span!(
        "handle",
        stage = %options.label,
        subject = d.subject(),
        seq = d.stream_sequence(),
        delivered = d.delivered(),
        batch_id = tracing::field::Empty,
    );
    continue_trace(&span, d.headers());
    if let Some(batch_id) = handler.batch_id(&d) {
        span.record("batch_id", batch_id.as_str());
    }
    let started = std::time::Instant::now();
    let in_flight = consumer_metrics()
        .in_flight
        .with_label_values(&[options.label.as_str()]);
    in_flight.inc();
    async {
        if d.is_exhausted() {
            let interrupted = d.delivered() - 1;
            let reason = format!(
                "interrupted {interrupted} times: delivered {interrupted} times without \
                 finishing (its process stopped, or stalled past the ack wait); not tried again"
            );
            settle(bus, options, handler, &d, Outcome::Fatal(reason)).await;
            return;
        }
        let mut ticker = tokio::time::interval(options.progress_every);
        ticker.tick().await; // the first tick is immediate
        let mut failures: u64 = 0;
        let outcome = loop {
            let Some(outcome) = run_handler(options, handler, &d, shutdown, &mut ticker).await
            else {
                release(&d, &options.label).await;
                return;
            };
            let Outcome::Retry(reason) = outcome else {
                break outcome;
            };
            // Transient: the message is kept (in-progress acks go on) and the handler runs
            // again after a jittered, growing delay, for as long as the dependency is down.
            // No delivery is used up: the delivery count only tells of interruptions.
            failures += 1;
            count_message(&options.label, "retried");
            consumer_metrics()
                .failures
                .with_label_values(&[options.label.as_str()])
                .inc();
            let delay = jittered(options.retry_delay(failures));
            tracing::warn!(%reason, failures, retry_in_ms = delay.as_millis() as u64, "transient failure; retrying in process");
            let wait = tokio::time::sleep(delay);
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    _ = &mut wait => break,
                    _ = ticker.tick() => d.in_progress().await,
                    _ = shutdown.cancelled() => {
                        release(&d, &options.label).await;
                        return;
                    }
                }
            }
        };
        settle(bus, options, handler, &d, outcome).await;
        consumer_metrics()
            .duration
            .with_label_values(&[options.label.as_str()])
            .observe(started.elapsed().as_secs_f64());
    }
    .instrument(span)
    .await;
    in_flight.dec();
    if options.settle_memory {
        tiqets_telemetry::memory::settle();
    }
}

/// Runs the handler once on `d`, with in-progress acks on `ticker`; at shutdown it is let
/// finish within the drain timeout. `None`: it did not finish in time (release the message).
async fn run_handler<H: Handler>(
    options: &ConsumerOptions,
    handler: &H,
    d: &Delivery,
    shutdown: &CancellationToken,
    ticker: &mut tokio::time::Interval,
) -> Option<Outcome> {
    let work = AssertUnwindSafe(handler.handle(d)).catch_unwind();
    tokio::pin!(work);
    let drain = tokio::time::sleep(Duration::MAX / 4);
    tokio::pin!(drain);
    let mut draining = shutdown.is_cancelled();
    if draining {
        drain
            .as_mut()
            .reset(tokio::time::Instant::now() + options.drain_timeout);
    }
    loop {
        tokio::select! {
            r = &mut work => return Some(r.unwrap_or_else(|_| Outcome::Retry("the handler panicked".into()))),
            _ = ticker.tick() => d.in_progress().await,
            _ = shutdown.cancelled(), if !draining => {
                draining = true;
                drain.as_mut().reset(tokio::time::Instant::now() + options.drain_timeout);
                tracing::info!("shutdown: letting the running handler finish");
            }
            _ = &mut drain, if draining => return None,
        }
    }
}

/// `delay` spread by ±20 % so that replicas waiting out the same outage do not all come
/// back at the same instant.
fn jittered(delay: Duration) -> Duration {
    use rand::Rng;
    delay.mul_f64(rand::thread_rng().gen_range(0.8..1.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_a_fifth_of_the_delay() {
        for _ in 0..1000 {
            let d = jittered(Duration::from_secs(10));
            assert!(
                d >= Duration::from_secs(8) && d < Duration::from_secs(12),
                "{d:?}"
            );
        }
    }
}
