//! What PostgreSQL, the system of record, holds of a batch: asked of a persister
//! (`{ns}.admin.record`) before a pair is taken as a repeat of a batch the status stream
//! remembers, so a batch deleted or lost with a database restore is processed again.

use crate::published::PublishError;
use async_nats::{Request, RequestErrorKind};
use std::time::Duration;
use tiqets_bus::Bus;
use tiqets_contract::{BatchId, RecordReply, RecordRequest};

/// How long a persister may take to answer.
const RECORD_TIMEOUT: Duration = Duration::from_secs(10);

/// The batch's recorded status and attempt, `NotRecorded` when PostgreSQL does not hold it;
/// an error when no persister answered (the caller tries again later: nothing was published).
pub async fn recorded(bus: &Bus, id: &BatchId) -> Result<RecordReply, PublishError> {
    let unconfirmed = |why: String| PublishError::Unconfirmed {
        batch_id: id.to_string(),
        why,
    };
    let body = serde_json::to_vec(&RecordRequest {
        batch_id: id.clone(),
    })
    .map_err(|e| unconfirmed(e.to_string()))?;
    let request = Request::new()
        .payload(body.into())
        .timeout(Some(RECORD_TIMEOUT));
    let answer = bus
        .client()
        .send_request(bus.names().admin_record(), request)
        .await
        .map_err(|e| {
            unconfirmed(match e.kind() {
                RequestErrorKind::NoResponders => "no persister is running".to_string(),
                RequestErrorKind::TimedOut => "no persister answered in time".to_string(),
                _ => format!("the message bus (NATS) failed: {e}"),
            })
        })?;
    match serde_json::from_slice::<RecordReply>(&answer.payload) {
        Ok(RecordReply::Failed { message }) => Err(unconfirmed(message)),
        Ok(reply) => Ok(reply),
        Err(e) => Err(unconfirmed(format!("a persister's reply: {e}"))),
    }
}
