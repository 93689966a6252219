//! `tiqets-ingest`: settings → telemetry → run until SIGTERM/SIGINT → flush.

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = tiqets_ingest::Settings::from_env().context("reading settings")?;
    let _telemetry = tiqets_telemetry::init("tiqets-ingest");
    let shutdown = tiqets_telemetry::shutdown_token();
    tiqets_telemetry::health::serve_from_env(None, shutdown.clone())
        .await
        .context("starting the health endpoint (TIQETS_HEALTH_ADDR)")?;
    tiqets_ingest::run(settings, shutdown)
        .await
        .context("running ingest")
}
