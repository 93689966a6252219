//! The service around the handler: connect, set up, consume until shutdown.

use crate::handler::Merger;
use crate::settings::Settings;
use tiqets_bus::consumer::serve_stage;
use tiqets_contract::Stage;
use tiqets_telemetry::health::Readiness;
use tokio_util::sync::CancellationToken;

/// Runs the merger until `shutdown` fires, then lets the running merge finish (or releases
/// its message after the drain timeout) and returns.
pub async fn run(settings: Settings, readiness: Readiness, shutdown: CancellationToken) {
    let merger = |bus| Merger::new(bus, &settings);
    let (url, names) = (&settings.common.nats_url, settings.names());
    serve_stage(
        url,
        names,
        Stage::Merge,
        settings.drain_timeout,
        merger,
        readiness,
        shutdown,
    )
    .await;
}
