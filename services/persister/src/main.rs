//! `tiqets-persister`: settings → telemetry → run until SIGTERM/SIGINT → drain → exit.

use anyhow::Context;
use tiqets_persister::{run, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env().context("reading the settings")?;
    // Flushes trace export when dropped, after the consumers have drained.
    let _telemetry = tiqets_telemetry::init("tiqets-persister");
    let shutdown = tiqets_telemetry::shutdown_token();
    tiqets_telemetry::health::serve_from_env(None, shutdown.clone())
        .await
        .context("starting the health endpoint (TIQETS_HEALTH_ADDR)")?;
    tracing::info!(
        namespace = %settings.namespace,
        output_dir = %settings.output_dir.display(),
        "persister starting"
    );
    run(settings, shutdown).await.context("persister failed")?;
    tracing::info!("persister stopped");
    Ok(())
}
