//! `tiqets-merger`: settings → telemetry → consume `MergeWork` until SIGTERM/SIGINT.

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = tiqets_merger::Settings::from_env().context("reading the settings")?;
    let _telemetry = tiqets_telemetry::init("tiqets-merger");
    let shutdown = tiqets_telemetry::shutdown_token();
    // Readiness is reported by the consumer loop: ready while it can fetch work.
    tiqets_telemetry::health::serve_from_env(None, shutdown.clone())
        .await
        .context("starting the health endpoint (TIQETS_HEALTH_ADDR)")?;
    tiqets_merger::run(settings, shutdown).await;
    tracing::info!("merger stopped");
    Ok(())
}
