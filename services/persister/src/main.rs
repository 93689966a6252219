//! `tiqets-persister`: `--help` / `--version` → settings → telemetry → run until
//! SIGTERM/SIGINT → drain → exit.

use anyhow::Context;
use tiqets_persister::{run, Settings, SETTINGS};
use tiqets_telemetry::TelemetrySettings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tiqets_config::exit_if_asked(&SETTINGS);
    let settings = Settings::from_env().context("reading the settings")?;
    let telemetry = TelemetrySettings::from_env().context("reading the settings")?;
    // Flushes trace export when dropped, after the consumers have drained.
    let _telemetry = tiqets_telemetry::start(SETTINGS.program, &telemetry);
    tiqets_telemetry::warn_deprecated(&SETTINGS);
    let shutdown = tiqets_telemetry::shutdown_token();
    // Its two consumer loops are the readiness' two parts.
    let readiness = tiqets_telemetry::health::Readiness::new();
    tiqets_telemetry::health::serve_at(settings.health, readiness.clone(), None, shutdown.clone())
        .await
        .context("starting the health endpoint")?;
    tracing::info!(
        namespace = %settings.namespace,
        output_dir = %settings.output_dir.display(),
        "persister starting"
    );
    run(settings, readiness, shutdown)
        .await
        .context("persister failed")?;
    tracing::info!("persister stopped");
    Ok(())
}
