//! `tiqets-merger`: `--help` / `--version` → settings → telemetry → consume
//! `MergeWork` until SIGTERM/SIGINT.

use anyhow::Context;
use tiqets_merger::{Settings, SETTINGS};
use tiqets_telemetry::TelemetrySettings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tiqets_config::exit_if_asked(&SETTINGS);
    let settings = Settings::from_env().context("reading the settings")?;
    let telemetry = TelemetrySettings::from_env().context("reading the settings")?;
    let _telemetry = tiqets_telemetry::start(SETTINGS.program, &telemetry);
    tiqets_telemetry::warn_deprecated(&SETTINGS);
    let shutdown = tiqets_telemetry::shutdown_token();
    // The consumer loop is the readiness' one part: ready while it can fetch work.
    let readiness = tiqets_telemetry::health::Readiness::new();
    tiqets_telemetry::health::serve_at(settings.health, readiness.clone(), None, shutdown.clone())
        .await
        .context("starting the health endpoint")?;
    tiqets_merger::run(settings, readiness, shutdown).await;
    tracing::info!("merger stopped");
    Ok(())
}
