//! Answering what PostgreSQL holds of a batch (`{ns}.admin.record`,
//! [`tiqets_contract::RecordRequest`]): a publisher asks before it takes a pair as a repeat,
//! so that a batch deleted, or lost with a database restore, is processed again.

use tiqets_bus::Bus;
use tiqets_contract::{RecordReply, RecordRequest};
use tiqets_store::{queries, Pool};
use tokio_util::sync::CancellationToken;

/// Answers record requests until `shutdown` fires.
pub async fn serve(bus: Bus, pool: Pool, shutdown: CancellationToken) {
    let subject = bus.names().admin_record();
    crate::requests::serve(
        &bus,
        subject,
        shutdown,
        |request: Result<RecordRequest, String>| {
            let pool = pool.clone();
            async move {
                let request = match request {
                    Ok(r) => r,
                    Err(e) => {
                        return RecordReply::Failed {
                            message: format!("not a record request: {e}"),
                        }
                    }
                };
                match queries::batch(&pool, request.batch_id.as_str()).await {
                    Ok(Some(record)) => RecordReply::Recorded {
                        status: record.status,
                        attempt: record.attempt,
                    },
                    Ok(None) => RecordReply::NotRecorded,
                    Err(e) => RecordReply::Failed {
                        message: e.to_string(),
                    },
                }
            }
        },
    )
    .await
}
