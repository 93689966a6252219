//! What every request handler shares.

use crate::cache::{Answers, Current};
use crate::limits::{Slots, SpoolBudget};
use crate::metrics::Metrics;
use actix_web::web;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tiqets_bus::Bus;
use tiqets_intake::Publisher;
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
    /// Answers about completed batches (they never change).
    pub answers: Answers,
    /// Which batch is the current one.
    pub current: Arc<Current>,
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
