//! The `status` consumer: every status event of the namespace, recorded in `batches`
//! (forward only, see [`tiqets_store::status`]).

use tiqets_bus::{Delivery, Handler, Outcome};
use tiqets_contract::StatusEvent;
use tiqets_store::{record_status, Pool};

/// Records status events. Cheap to clone.
#[derive(Clone)]
pub struct StatusRecorder {
    pool: Pool,
}

impl StatusRecorder {
    pub fn new(pool: Pool) -> StatusRecorder {
        StatusRecorder { pool }
    }

    /// Records one event and says what to do with its message.
    pub async fn record(&self, event: &StatusEvent) -> Outcome {
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
