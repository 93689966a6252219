//! `POST /api/batches/{batch_id}/retry`: a failed batch processed again from its stored
//! input files, as its next attempt (`tiqets_intake::Publisher::retry`). The pipeline's
//! effects are exactly-once per batch: the new attempt replaces whatever the failed one left.

use crate::error::ApiError;
use crate::model::ErrorBody;
use crate::model::UploadResponse;
use crate::params::{BatchPath, BatchRef};
use crate::routes::upload::answer;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use tiqets_intake::{PublishError, RecordedBatch};
use tiqets_store::queries;

/// Queues a failed batch again from its stored input files, as its next attempt; follow it
/// at its status URL. Needs the write token.
#[utoipa::path(
    post,
    path = "/api/batches/{batch_id}/retry",
    tag = "batches",
    params(BatchPath),
    responses(
        (status = 202, description = "Queued again: the batch is `received`, with the next attempt number", body = UploadResponse,
            headers(("Location" = String, description = "The batch's status URL"))),
        (status = 400, description = "Not a batch id", body = ErrorBody),
        (status = 404, description = "No such batch", body = ErrorBody),
        (status = 409, description = "The batch is not failed (`latest`, the last completed batch, never is), or its input files are no longer stored (`not_retryable`)", body = ErrorBody),
        (status = 503, description = "NATS or PostgreSQL is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn retry(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id =
        match BatchRef::parse(&path)? {
            BatchRef::Id(id) => id,
            BatchRef::Latest => return Err(ApiError::NotRetryable(
                "`latest` is the last completed batch: only a failed batch is retried; name it \
                 by its id"
                    .into(),
            )),
        };
    let record = queries::batch(&state.pool, id.as_str())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no batch with id {id}")))?;
    let (orders_name, barcodes_name) = record.input_names();
    let recorded = RecordedBatch {
        name: record.name.clone(),
        status: record.status,
        attempt: record.attempt,
        orders_name,
        barcodes_name,
    };
    let published = state
        .publisher
        .retry(&id, recorded)
        .await
        .map_err(|e| match e {
            PublishError::NotFailed { .. } | PublishError::InputsGone { .. } => {
                ApiError::NotRetryable(e.to_string())
            }
            PublishError::Bus(e) => ApiError::Bus(e),
            e @ PublishError::Unconfirmed { .. } => ApiError::Unavailable(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        })?;
    tracing::info!(batch_id = %id, "batch retried");
    Ok(answer(published, record.name))
}
