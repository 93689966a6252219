//! What every request handler shares.

use crate::cache::{Answers, Current};
use crate::error::ApiError;
use crate::limits::{Slots, SpoolBudget};
use crate::metrics::Metrics;
use actix_web::web;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tiqets_bus::Bus;
use tiqets_intake::Publisher;
use tiqets_store::queries::ReadGuard;
use tiqets_store::Pool;
use tokio_util::sync::CancellationToken;

/// The application state, one per process (behind `web::Data`, shared by the workers).
/// The middleware read their own app data ([`crate::auth::Tokens`], [`Metrics`]), not this.
pub struct AppState {
    pub pool: Pool,
    pub bus: Bus,
    pub publisher: Publisher,
    pub uploads: UploadLimits,
    /// Interval of the comment lines on idle event streams.
    pub sse_heartbeat: Duration,
    /// Open event streams at once.
    pub event_streams: Slots,
    /// Fired on SIGTERM/SIGINT: event streams end, readiness turns 503.
    pub shutdown: CancellationToken,
    /// Also app data of its own, read by the metrics middleware.
    pub metrics: web::Data<Metrics>,
    /// Answers about completed batches (they change only when the batch is deleted).
    pub answers: Arc<Answers>,
    /// Which batch is the current one.
    pub current: Arc<Current>,
}

impl AppState {
    /// The answer `what` about completed batch `batch_id`, cached ([`Answers`]); `compute`
    /// runs once, and its answer counts only if the batch is still recorded after it ran.
    pub async fn answer<F>(
        &self,
        batch_id: &str,
        what: String,
        compute: F,
    ) -> Result<actix_web::HttpResponse, ApiError>
    where
        F: std::future::Future<Output = Result<bytes::Bytes, ApiError>>,
    {
        let confirmed = async {
            let body = compute.await?;
            self.confirm(batch_id).await?;
            Ok(body)
        };
        self.answers.answer(batch_id, what, confirmed).await
    }

    /// Ok when `batch_id` is still recorded; else 404. Called after a batch's rows were
    /// read: a deletion commits at once for all of them (`tiqets_drop_batch`), so rows read
    /// before this check are the whole batch, and a batch gone by now is a 404 rather than
    /// an answer missing its rows.
    pub async fn confirm(&self, batch_id: &str) -> Result<(), ApiError> {
        if tiqets_store::queries::batch_exists(&self.pool, batch_id).await? {
            Ok(())
        } else {
            Err(ApiError::NotFound(format!(
                "no batch with id {batch_id}: it was deleted"
            )))
        }
    }
}

impl AppState {
    /// A connection holding `batch_id` for a streamed read ([`ReadGuard`]), or 404 when the
    /// batch is gone.
    pub async fn hold(&self, batch_id: &str) -> Result<ReadGuard, ApiError> {
        ReadGuard::hold(&self.pool, batch_id).await?.ok_or_else(|| {
            ApiError::NotFound(format!("no batch with id {batch_id}: it was deleted"))
        })
    }
}

/// Where and how much an upload may spool.
#[derive(Clone)]
pub struct UploadLimits {
    /// The largest accepted size of each file.
    pub max_bytes: u64,
    /// The folder of the anonymous spool files.
    pub dir: PathBuf,
    /// Uploads in progress at once.
    pub slots: Slots,
    /// Bytes spooled at once, all uploads together.
    pub spool: Arc<SpoolBudget>,
}
