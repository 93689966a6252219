//! The service around the handler: connect, set up, consume until shutdown.

use crate::handler::Validator;
use crate::settings::Settings;
use tiqets_bus::consumer::serve_stage;
use tiqets_contract::Stage;
use tiqets_telemetry::health::Readiness;
use tokio_util::sync::CancellationToken;

/// Runs the validator until `shutdown` fires, then lets the running validation finish
/// (or releases its message after the drain timeout) and returns.
pub async fn run(settings: Settings, readiness: Readiness, shutdown: CancellationToken) {
    let validator = |bus| Validator::new(bus, &settings);
    let (url, names) = (&settings.common.nats_url, settings.names());
    serve_stage(
        url,
        names,
        Stage::Validate,
        settings.drain_timeout,
        validator,
        readiness,
        shutdown,
    )
    .await;
}
