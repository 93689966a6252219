//! `tiqets-persister`: `--help` / `--version` → settings → telemetry → run until
//! SIGTERM/SIGINT → drain → exit.

use anyhow::Context;
use tiqets_persister::{run, Settings, SETTINGS};
use tiqets_telemetry::Service;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Flushes trace export when dropped, after the consumers have drained.
    let service = Service::begin(&SETTINGS).context("reading the settings")?;
    let settings = Settings::from_env().context("reading the settings")?;
    // Its two consumer loops are the readiness' two parts.
    service
        .serve_health(settings.health)
        .await
        .context("starting the health endpoint")?;
    tracing::info!(
        namespace = %settings.namespace,
        output_dir = %settings.output_dir.display(),
        "persister starting"
    );
    run(settings, service.readiness(), service.shutdown())
        .await
        .context("persister failed")?;
    tracing::info!("persister stopped");
    Ok(())
}
