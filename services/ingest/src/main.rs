//! `tiqets-ingest`: `--help` / `--version` → settings → telemetry → run until
//! SIGTERM/SIGINT → flush.

use anyhow::Context;
use tiqets_ingest::{Settings, SETTINGS};
use tiqets_telemetry::TelemetrySettings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tiqets_config::exit_if_asked(&SETTINGS);
    let settings = Settings::from_env().context("reading settings")?;
    let telemetry = TelemetrySettings::from_env().context("reading settings")?;
    let _telemetry = tiqets_telemetry::start(SETTINGS.program, &telemetry);
    tiqets_telemetry::warn_deprecated(&SETTINGS);
    let shutdown = tiqets_telemetry::shutdown_token();
    let readiness = tiqets_telemetry::health::Readiness::new();
    tiqets_telemetry::health::serve_at(settings.health, readiness.clone(), None, shutdown.clone())
        .await
        .context("starting the health endpoint")?;
    tiqets_ingest::run(settings, readiness, shutdown)
        .await
        .context("running ingest")
}
