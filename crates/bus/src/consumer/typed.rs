//! The typed adapter: a [`WorkHandler`] gets its stage's [`Work`] decoded (unless its
//! attempt already ended: failed, or superseded by a retry), and a dead-lettered batch is
//! reported `failed` with the reason. Work its attempt ended without is handed to
//! [`WorkHandler::abandoned`], so that a stage can free what it holds for that attempt.

use super::delivery::Delivery;
use super::handler::Handler;
use super::options::ConsumerOptions;
use super::outcome::Outcome;
use super::run::run_consumer;
use crate::client::Bus;
use crate::metrics::{consumer_metrics, count_rows};
use std::future::Future;
use tiqets_contract::{BatchRef, BatchStatus, Stage, StatusEvent, Work};
use tokio_util::sync::CancellationToken;

/// Handles one kind of [`Work`]: the payload decoded, the batch known. The delivery
/// itself stays with the loop (acks, redelivery counts, dead letters).
pub trait WorkHandler<W: Work>: Send + Sync + 'static {
    fn handle(&self, work: W) -> impl Future<Output = Outcome> + Send;

    /// Runs for work whose attempt ended without it: work dead-lettered (after its batch
    /// was reported `failed`), or work that arrived after its attempt had ended (and is
    /// acked unrun). What a stage keeps for the attempt (the merger's partition objects)
    /// can go. Best effort: nothing waits for it, and it may run more than once.
    fn abandoned(&self, _work: W) -> impl Future<Output = ()> + Send {
        async {}
    }
}

struct TypedWork<W, H> {
    bus: Bus,
    inner: H,
    _work: std::marker::PhantomData<fn() -> W>,
}

impl<W, H> TypedWork<W, H> {
    /// Why the work of `b` must not run, if its attempt already ended: the batch failed in
    /// this attempt (a watchdog, or a stage that gave up), a later attempt started (a
    /// retry), or, for the stages before the persister, the attempt completed (a merge
    /// redelivered after its ack was lost: its row chunks are gone by then). Its last status
    /// event decides; unreadable, the work runs.
    async fn ended(&self, b: &BatchRef, stage: Stage) -> Option<String> {
        match self.bus.last_status(&b.batch_id).await {
            Ok(Some(e)) if e.attempt > b.attempt => {
                Some(format!("attempt {} superseded it", e.attempt))
            }
            Ok(Some(e)) if e.attempt == b.attempt && e.status == BatchStatus::Failed => {
                Some("the attempt failed".to_string())
            }
            // The persister's own work runs again after `completed`: what follows it (the
            // lookup indexes, the changes, retention) is done again by a redelivery.
            Ok(Some(e))
                if e.attempt == b.attempt
                    && e.status == BatchStatus::Completed
                    && stage != Stage::Persist =>
            {
                Some("the attempt completed".to_string())
            }
            Ok(_) => None,
            Err(e) => {
                tracing::debug!(error = %e, "last status unreadable; working on");
                None
            }
        }
    }
}

impl<W: Work, H: WorkHandler<W>> Handler for TypedWork<W, H> {
    async fn handle(&self, d: &Delivery) -> Outcome {
        match d.json::<W>() {
            Ok(work) => {
                let b = work.batch();
                if let Some(ended) = self.ended(b, W::STAGE).await {
                    tracing::info!(%ended, attempt = b.attempt, "work of an ended attempt: skipped");
                    self.inner.abandoned(work).await;
                    return Outcome::Ack;
                }
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
                let outcome = self.inner.handle(work).await;
                if outcome == Outcome::Ack {
                    let m = consumer_metrics();
                    if let Some(rows) = rows {
                        count_rows(W::STAGE, rows);
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

    fn batch_id(&self, d: &Delivery) -> Option<String> {
        let work = d.json::<W>().ok()?;
        Some(work.batch().batch_id.as_str().to_string())
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
        self.inner.abandoned(work).await;
    }
}

/// Runs a stage's work consumer with a typed handler until `shutdown` fires. Undecodable
/// messages are dead-lettered; a dead-lettered batch gets a `failed` status with the reason.
pub async fn run_work<W: Work, H: WorkHandler<W>>(
    bus: Bus,
    handler: H,
    shutdown: CancellationToken,
) {
    let options = ConsumerOptions::work(bus.names(), W::STAGE).paced(bus.pacing());
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
