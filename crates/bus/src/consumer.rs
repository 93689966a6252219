//! The consumer loop: pull a message, hand it to a [`Handler`], and map the [`Outcome`] to
//! the acknowledgement.
//!
//! - [`Outcome::Ack`] → ack.
//! - [`Outcome::Retry`] → nak with a growing delay; on the last delivery (`max_deliver`) it
//!   is treated as fatal.
//! - [`Outcome::Fatal`] → a copy goes to the dead-letter subject (original headers plus
//!   `Tiqets-Dead-*`), [`Handler::dead`] runs (the typed [`run_work`] publishes `failed`
//!   there), and the message is terminated.
//!
//! While a handler runs, an in-progress ack is sent every [`crate::setup::PROGRESS_EVERY`].
//! Messages are fetched one batch at a time (one message by default), so a replica never
//! hoards work another could do. On shutdown the loop stops fetching, lets the running
//! handler finish within `drain_timeout`, and otherwise releases the message (nak without
//! delay) so another replica takes it at once. A fetch or connection error never ends the
//! loop: it is logged, the namespace's streams and consumers are ensured again, and the loop
//! retries with back-off.
//!
//! The loop records the metrics of [`crate::metrics`] (messages by outcome, failures,
//! redeliveries, handling time, rows, and the consumer's lag) for every consumer service.

use crate::client::Bus;
use crate::metrics::consumer_metrics;
use crate::propagation::continue_trace;
use crate::setup;
use async_nats::jetstream::consumer::{pull, Consumer};
use async_nats::jetstream::{self, AckKind};
use async_nats::HeaderMap;
use futures::{FutureExt, StreamExt};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;
use tiqets_contract::{BatchStatus, Names, Stage, StatusEvent, Work};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

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

/// One delivered message.
pub struct Delivery {
    msg: jetstream::Message,
    delivered: u64,
    stream_sequence: u64,
    max_deliver: u64,
}

impl Delivery {
    fn new(msg: jetstream::Message, max_deliver: u64) -> Delivery {
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

    /// Whether a failure now will not be redelivered.
    pub fn is_last_delivery(&self) -> bool {
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

/// Handles messages of one consumer. Implement with `async fn`.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, delivery: &Delivery) -> impl Future<Output = Outcome> + Send;

    /// Runs after a message was dead-lettered, before it is terminated.
    fn dead(&self, _delivery: &Delivery, _reason: &str) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// Where the loop reads and how it paces itself.
#[derive(Debug, Clone)]
pub struct ConsumerOptions {
    pub stream: String,
    pub consumer: String,
    /// Where given-up messages are copied.
    pub dead_subject: String,
    /// A label for logs and spans (`validate`, `status`, …).
    pub label: String,
    /// Must match the consumer's `max_deliver`.
    pub max_deliver: u64,
    /// Messages per fetch.
    pub fetch_batch: usize,
    /// How long one fetch waits for messages.
    pub fetch_expires: Duration,
    pub progress_every: Duration,
    /// How long a running handler may go on after shutdown before its message is released.
    pub drain_timeout: Duration,
    /// Nak delays by delivery (the last one repeats).
    pub retry_delays: Vec<Duration>,
}

impl ConsumerOptions {
    /// The durable consumer of a work stage.
    pub fn work(names: &Names, stage: Stage) -> ConsumerOptions {
        ConsumerOptions {
            stream: names.work_stream(),
            consumer: stage.consumer().to_string(),
            dead_subject: names.dead(stage),
            label: stage.as_str().to_string(),
            max_deliver: setup::MAX_DELIVER as u64,
            fetch_batch: 1,
            fetch_expires: Duration::from_secs(5),
            progress_every: setup::PROGRESS_EVERY,
            drain_timeout: Duration::from_secs(20),
            retry_delays: vec![
                Duration::from_secs(2),
                Duration::from_secs(10),
                Duration::from_secs(30),
                Duration::from_secs(60),
            ],
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
            ..ConsumerOptions::work(names, Stage::Persist)
        }
    }

    fn retry_delay(&self, delivered: u64) -> Duration {
        let i =
            (delivered.saturating_sub(1) as usize).min(self.retry_delays.len().saturating_sub(1));
        self.retry_delays
            .get(i)
            .copied()
            .unwrap_or(Duration::from_secs(5))
    }
}

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
                tiqets_telemetry::health::readiness().set(true);
                c
            }
            Err(e) => {
                tiqets_telemetry::health::readiness().set(false);
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
                    tiqets_telemetry::health::readiness().set(false);
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
                        if d.delivered > 1 {
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
    tiqets_telemetry::health::readiness().set(false);
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

fn count(label: &str, outcome: &str) {
    consumer_metrics()
        .messages
        .with_label_values(&[label, outcome])
        .inc();
}

async fn release(d: &Delivery, label: &str) {
    count(label, "released");
    tracing::info!(
        subject = d.subject(),
        seq = d.stream_sequence,
        "releasing message at shutdown"
    );
    if let Err(e) = d.msg.ack_with(AckKind::Nak(None)).await {
        tracing::warn!(error = %e, "release failed; the message is redelivered after its ack wait");
    }
}

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
        seq = d.stream_sequence,
        delivered = d.delivered,
        batch_id = tracing::field::Empty,
    );
    continue_trace(&span, d.headers());
    let started = std::time::Instant::now();
    let in_flight = consumer_metrics()
        .in_flight
        .with_label_values(&[options.label.as_str()]);
    in_flight.inc();
    async {
        let work = AssertUnwindSafe(handler.handle(&d)).catch_unwind();
        tokio::pin!(work);
        let mut ticker = tokio::time::interval(options.progress_every);
        ticker.tick().await; // the first tick is immediate
        let drain = tokio::time::sleep(Duration::MAX / 4);
        tokio::pin!(drain);
        let mut draining = false;
        let outcome = loop {
            tokio::select! {
                r = &mut work => break r.unwrap_or_else(|_| Outcome::Retry("the handler panicked".into())),
                _ = ticker.tick() => d.in_progress().await,
                _ = shutdown.cancelled(), if !draining => {
                    draining = true;
                    drain.as_mut().reset(tokio::time::Instant::now() + options.drain_timeout);
                    tracing::info!("shutdown: letting the running handler finish");
                }
                _ = &mut drain, if draining => {
                    release(&d, &options.label).await;
                    return;
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
}

async fn settle<H: Handler>(
    bus: &Bus,
    options: &ConsumerOptions,
    handler: &H,
    d: &Delivery,
    outcome: Outcome,
) {
    let label = options.label.as_str();
    let reason = match outcome {
        Outcome::Ack => {
            count(label, "acked");
            if let Err(e) = d.msg.ack().await {
                tracing::warn!(error = %e, "ack failed; the message will be redelivered");
            }
            return;
        }
        Outcome::Retry(reason) if !d.is_last_delivery() => {
            count(label, "retried");
            consumer_metrics()
                .failures
                .with_label_values(&[label])
                .inc();
            let delay = options.retry_delay(d.delivered);
            tracing::warn!(%reason, retry_in_s = delay.as_secs(), "retrying later");
            if let Err(e) = d.msg.ack_with(AckKind::Nak(Some(delay))).await {
                tracing::warn!(error = %e, "nak failed; the message is redelivered after its ack wait");
            }
            return;
        }
        Outcome::Retry(reason) => format!("gave up after {} deliveries: {reason}", d.delivered),
        Outcome::Fatal(reason) => reason,
    };
    count(label, "dead_lettered");
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

/// Copies the message to the dead-letter subject; `false` when that failed thrice.
async fn dead_letter(bus: &Bus, options: &ConsumerOptions, d: &Delivery, reason: &str) -> bool {
    let mut headers = d.headers().cloned().unwrap_or_default();
    let clean: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(1000)
        .collect();
    headers.insert("Tiqets-Dead-Reason", clean.as_str());
    headers.insert("Tiqets-Dead-Subject", d.subject());
    headers.insert("Tiqets-Dead-Stream-Seq", d.stream_sequence.to_string());
    headers.insert("Tiqets-Dead-Deliveries", d.delivered.to_string());
    let id = format!("dead.{}.{}", options.stream, d.stream_sequence);
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

/// Handles one kind of [`Work`]: the payload decoded, the batch known.
pub trait WorkHandler<W: Work>: Send + Sync + 'static {
    fn handle(&self, work: W, delivery: &Delivery) -> impl Future<Output = Outcome> + Send;
}

struct TypedWork<W, H> {
    bus: Bus,
    inner: H,
    _work: std::marker::PhantomData<fn() -> W>,
}

impl<W: Work, H: WorkHandler<W>> Handler for TypedWork<W, H> {
    async fn handle(&self, d: &Delivery) -> Outcome {
        match d.json::<W>() {
            Ok(work) => {
                let b = work.batch();
                tracing::Span::current().record("batch_id", b.batch_id.as_str());
                let rows = work.rows();
                let issues: Vec<(&'static str, u64)> = work
                    .final_counts()
                    .map(|c| {
                        c.issues_by_code
                            .iter()
                            .map(|(k, n)| (k.as_str(), *n))
                            .collect()
                    })
                    .unwrap_or_default();
                let outcome = self.inner.handle(work, d).await;
                if outcome == Outcome::Ack {
                    let m = consumer_metrics();
                    if let Some(rows) = rows {
                        crate::metrics::count_rows(W::STAGE, rows);
                    }
                    for (code, n) in issues {
                        m.issues.with_label_values(&[code]).inc_by(n);
                    }
                }
                outcome
            }
            Err(e) => Outcome::Fatal(format!("cannot decode {} work: {e}", W::STAGE)),
        }
    }

    async fn dead(&self, d: &Delivery, reason: &str) {
        let Ok(work) = d.json::<W>() else { return };
        let b = work.batch();
        let event = StatusEvent::new(
            b.batch_id.clone(),
            b.name.clone(),
            BatchStatus::Failed,
            b.attempt,
        )
        .with_reason(format!("{} stage: {reason}", W::STAGE));
        if let Err(e) = self.bus.publish_status(&event).await {
            tracing::error!(error = %e, batch_id = %b.batch_id, "could not publish failed status");
        }
    }
}

/// Runs a stage's work consumer with a typed handler until `shutdown` fires. Undecodable
/// messages are dead-lettered; a dead-lettered batch gets a `failed` status with the reason.
pub async fn run_work<W: Work, H: WorkHandler<W>>(
    bus: Bus,
    handler: H,
    shutdown: CancellationToken,
) {
    let options = ConsumerOptions::work(bus.names(), W::STAGE);
    run_work_with(bus, &options, handler, shutdown).await
}

/// [`run_work`] with custom options (tests shorten the delays).
pub async fn run_work_with<W: Work, H: WorkHandler<W>>(
    bus: Bus,
    options: &ConsumerOptions,
    handler: H,
    shutdown: CancellationToken,
) {
    let typed = TypedWork {
        bus: bus.clone(),
        inner: handler,
        _work: std::marker::PhantomData,
    };
    run_consumer(&bus, options, &typed, &shutdown).await
}

struct Backoff(Duration);

impl Backoff {
    fn new() -> Backoff {
        Backoff(Duration::from_millis(250))
    }

    fn reset(&mut self) {
        self.0 = Duration::from_millis(250);
    }

    async fn wait(&mut self, shutdown: &CancellationToken) {
        tokio::select! {
            _ = tokio::time::sleep(self.0) => {}
            _ = shutdown.cancelled() => {}
        }
        self.0 = (self.0 * 2).min(Duration::from_secs(10));
    }
}

/// A stateless stage service (validator, merger) from start to end: connects (retrying until
/// NATS answers or `shutdown` fires), ensures the setup (the consumer loop ensures it again
/// until it works), builds its handler on the connection and consumes `stage`'s work until
/// shutdown, with `drain_timeout` for the running message.
pub async fn serve_stage<W: Work, H: WorkHandler<W>>(
    nats_url: &str,
    names: Names,
    stage: Stage,
    drain_timeout: Duration,
    handler: impl FnOnce(Bus) -> H,
    shutdown: CancellationToken,
) {
    let client_name = format!("tiqets-{}", stage.consumer());
    let Some(bus) = Bus::connect_retrying(nats_url, names.clone(), &client_name, &shutdown).await
    else {
        return; // shut down before NATS was reachable: nothing was taken
    };
    if let Err(e) = setup::ensure(&bus).await {
        tracing::warn!(error = %e, "stream setup failed");
    }
    let options = ConsumerOptions {
        drain_timeout,
        ..ConsumerOptions::work(&names, stage)
    };
    tracing::info!(namespace = %names.namespace(), "{} running", stage.consumer());
    run_work_with(bus.clone(), &options, handler(bus), shutdown).await;
}
