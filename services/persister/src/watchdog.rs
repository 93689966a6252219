//! The watchdog: a batch in flight that gives no sign of life for longer than
//! `TIQETS_STALL_SECS` ends `failed`, with the status it was stuck at in the reason, so that
//! no accepted batch stays in flight forever (a lost work message, a stage that never comes
//! back). Its work, should it come later, is skipped (the attempt ended), and the batch can be
//! retried (`POST /api/batches/{id}/retry`).
//!
//! Every stage shows life while it works: the validator's and persister's progress events,
//! the merger's `merging` with its counts (and again after each step of a partitioned
//! merge), and the status of each stage as it starts, so the silence measured is the time
//! since the last recorded event. Replicas of the persister each run it; the `failed`
//! event's message id makes their verdicts one.

use std::time::Duration;
use tiqets_bus::Bus;
use tiqets_contract::{BatchId, BatchStatus, StatusEvent};
use tiqets_store::{queries, Pool};
use tokio_util::sync::CancellationToken;

/// How long a batch in flight may stay silent, and how often that is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watchdog {
    /// `TIQETS_STALL_SECS` (0: no watchdog).
    pub stall: Duration,
}

impl Default for Watchdog {
    /// 15 minutes: far longer than any stage goes without a status or progress event.
    fn default() -> Watchdog {
        Watchdog {
            stall: Duration::from_secs(900),
        }
    }
}

impl Watchdog {
    /// How often the batches in flight are looked at: a tenth of the allowed silence,
    /// between 1 s and a minute.
    pub fn every(&self) -> Duration {
        (self.stall / 10).clamp(Duration::from_secs(1), Duration::from_secs(60))
    }

    /// Fails the stalled batches every [`Watchdog::every`] until `shutdown` fires.
    pub async fn serve(self, bus: Bus, pool: Pool, shutdown: CancellationToken) {
        if self.stall.is_zero() {
            return;
        }
        let mut ticker = tokio::time::interval(self.every());
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = ticker.tick() => {}
            }
            if let Err(e) = self.check(&bus, &pool).await {
                tracing::warn!(error = %e, "watchdog: cannot look at the batches in flight");
            }
        }
    }

    /// Publishes `failed` for each batch silent longer than allowed; returns how many.
    pub async fn check(&self, bus: &Bus, pool: &Pool) -> Result<usize, String> {
        let stalled = queries::stalled_batches(pool, self.stall.as_secs())
            .await
            .map_err(|e| e.to_string())?;
        let mut failed = 0;
        for b in stalled {
            let Ok(id) = BatchId::parse(&b.id) else {
                continue;
            };
            let reason = format!(
                "stalled at {}: no progress for {} s (more than TIQETS_STALL_SECS = {}); its \
                 stage never finished, so the batch was stopped. Retry it once the cause is fixed",
                b.status,
                b.silent_secs,
                self.stall.as_secs()
            );
            tracing::warn!(batch_id = %b.id, status = %b.status, silent_s = b.silent_secs, "watchdog: failing a stalled batch");
            let event =
                StatusEvent::new(id, b.name, BatchStatus::Failed, b.attempt).with_reason(reason);
            match bus.publish_status(&event).await {
                Ok(_) => failed += 1,
                Err(e) => {
                    tracing::warn!(error = %e, batch_id = %b.id, "watchdog: cannot publish failed")
                }
            }
        }
        Ok(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_a_tenth_of_the_allowed_silence_within_bounds() {
        let every = |s| {
            Watchdog {
                stall: Duration::from_secs(s),
            }
            .every()
        };
        assert_eq!(every(5), Duration::from_secs(1));
        assert_eq!(every(100), Duration::from_secs(10));
        assert_eq!(every(3600), Duration::from_secs(60));
    }
}
