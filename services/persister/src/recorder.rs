//! The `status` consumer: every status event of the namespace, recorded in `batches`
//! (forward only, see [`tiqets_store::status`]). Once an attempt has ended, its row chunks
//! are dropped from the rows stream: its work is skipped from then on, so nothing reads them.

use tiqets_bus::{Bus, Delivery, Handler, Outcome, RowsOf};
use tiqets_contract::StatusEvent;
use tiqets_store::{record_status, Pool};

/// Records status events. Cheap to clone.
#[derive(Clone)]
pub struct StatusRecorder {
    bus: Bus,
    pool: Pool,
}

impl StatusRecorder {
    pub fn new(bus: Bus, pool: Pool) -> StatusRecorder {
        StatusRecorder { bus, pool }
    }

    /// Records one event and says what to do with its message.
    pub async fn record(&self, event: &StatusEvent) -> Outcome {
        let outcome = self.apply(event).await;
        if outcome == Outcome::Ack && event.status.is_terminal() {
            self.drop_chunks(event).await;
        }
        outcome
    }

    /// Best effort (a chunk left behind goes with the stream's age limit): an ended
    /// attempt's chunks. Redelivered terminal events purge again, which finds nothing.
    async fn drop_chunks(&self, event: &StatusEvent) {
        let id = event.batch_id.as_str();
        match self
            .bus
            .purge_rows(id, RowsOf::Attempt(event.attempt))
            .await
        {
            Ok(0) => {}
            Ok(purged) => tracing::debug!(
                batch_id = id,
                purged,
                "row chunks of an ended attempt dropped"
            ),
            Err(e) => {
                tracing::warn!(batch_id = id, error = %e, "row chunks of an ended attempt not dropped")
            }
        }
    }

    async fn apply(&self, event: &StatusEvent) -> Outcome {
        match record_status(&self.pool, event).await {
            Ok(recorded) => {
                tracing::debug!(
                    batch_id = %event.batch_id,
                    status = %event.status,
                    attempt = event.attempt,
                    ?recorded,
                    "status recorded"
                );
                Outcome::Ack
            }
            Err(e) => Outcome::of(&e),
        }
    }
}

impl Handler for StatusRecorder {
    async fn handle(&self, delivery: &Delivery) -> Outcome {
        match delivery.json::<StatusEvent>() {
            Ok(event) => self.record(&event).await,
            Err(e) => Outcome::Fatal(format!("cannot decode status event: {e}")),
        }
    }
}
