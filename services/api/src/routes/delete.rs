//! `DELETE /api/batches/{batch_id}`: removes a batch's results, change records and output
//! files and objects. The persister owns them and deletes (a request on `{ns}.admin.delete`, answered
//! by one persister replica); the api passes on what it freed.

use crate::error::ApiError;
use crate::model::{ok, Deleted, DeletedResponse, ErrorBody};
use crate::params::{BatchPath, BatchRef, Checked, ForceQuery};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use async_nats::{Request, RequestErrorKind};
use std::time::Duration;
use tiqets_contract::{DeleteReply, DeleteRequest};

/// How long the api waits for a persister to answer (dropping a large batch's tables).
const DELETE_TIMEOUT: Duration = Duration::from_secs(120);

/// Deletes a batch that completed or failed: its rows in PostgreSQL (results and change
/// records), its output folder, and its record. The current batch (the last completed;
/// `latest` names it) only with `force=true`; the batch completed before it becomes current. Readers see the
/// whole batch until the deletion commits, then 404.
#[utoipa::path(
    delete,
    path = "/api/batches/{batch_id}",
    tag = "batches",
    params(BatchPath, ForceQuery),
    responses(
        (status = 200, description = "Deleted; what it freed", body = DeletedResponse),
        (status = 400, description = "Not a batch id, or `force` not true or false", body = ErrorBody),
        (status = 404, description = "No such batch (or, for `latest`, none completed yet)", body = ErrorBody),
        (status = 409, description = "The current batch without `force=true`, or a batch still in flight (`batch_in_use`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete(
    state: web::Data<AppState>,
    Checked(force): Checked<ForceQuery>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let batch_id = match BatchRef::parse(&path)? {
        BatchRef::Id(id) => id,
        // The current batch, which only `force` deletes.
        BatchRef::Latest => {
            let current = crate::routes::current(&state).await?;
            tiqets_contract::BatchId::parse(&current.id)
                .map_err(|_| ApiError::Internal(format!("a stored batch id: {}", current.id)))?
        }
    };
    let request = DeleteRequest {
        batch_id: batch_id.clone(),
        force,
    };
    let body = serde_json::to_vec(&request)
        .map_err(|e| ApiError::Internal(format!("encoding a delete request: {e}")))?;
    let subject = state.bus.names().admin_delete();
    let sent = Request::new()
        .payload(body.into())
        .timeout(Some(DELETE_TIMEOUT));
    let answer = state
        .bus
        .client()
        .send_request(subject, sent)
        .await
        .map_err(|e| match e.kind() {
            RequestErrorKind::NoResponders => ApiError::Unavailable(
                "no persister is running to delete the batch; try again once one is".into(),
            ),
            RequestErrorKind::TimedOut => ApiError::Unavailable(
                "the persister did not answer in time; the batch may be deleted shortly: \
                 ask for it again"
                    .into(),
            ),
            _ => ApiError::Unavailable(format!("the message bus (NATS) failed: {e}")),
        })?;
    let reply: DeleteReply = serde_json::from_slice(&answer.payload)
        .map_err(|e| ApiError::Internal(format!("a persister's delete reply: {e}")))?;
    match reply {
        DeleteReply::Deleted { freed } => {
            // This replica forgets at once; the others on the persister's notice.
            state.answers.forget(batch_id.as_str());
            state.current.forget();
            Ok(ok(Deleted {
                batch_id: batch_id.to_string(),
                rows: freed.rows,
                database_bytes: freed.database_bytes,
                file_bytes: freed.file_bytes,
                object_bytes: freed.object_bytes,
            }))
        }
        DeleteReply::NotFound { message } => Err(ApiError::NotFound(message)),
        DeleteReply::InUse { message } => Err(ApiError::BatchInUse(message)),
        DeleteReply::Failed { message } => Err(ApiError::Unavailable(message)),
    }
}
