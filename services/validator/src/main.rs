//! `tiqets-validator`: `--help` / `--version` → settings → telemetry → consume
//! `ValidateWork` until SIGTERM/SIGINT.

use anyhow::Context;
use tiqets_telemetry::TelemetrySettings;
use tiqets_validator::{Settings, SETTINGS};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tiqets_config::exit_if_asked(&SETTINGS);
    let settings = Settings::from_env().context("reading the settings")?;
    let telemetry = TelemetrySettings::from_env().context("reading the settings")?;
    let _telemetry = tiqets_telemetry::start(SETTINGS.program, &telemetry);
    tiqets_telemetry::warn_deprecated(&SETTINGS);
    let shutdown = tiqets_telemetry::shutdown_token();
    // Readiness is reported by the consumer loop: ready while it can fetch work.
    tiqets_telemetry::health::serve_at(settings.health, None, shutdown.clone())
        .await
        .context("starting the health endpoint")?;
    tiqets_validator::run(settings, shutdown).await;
    tracing::info!("validator stopped");
    Ok(())
}
