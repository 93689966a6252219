//! `tiqets-api`: `--help` / `--version` → settings → telemetry → connect, migrate → serve
//! until SIGTERM/SIGINT → drain → exit.

use anyhow::Context;
use tiqets_api::{run, Settings, SETTINGS};
use tiqets_telemetry::TelemetrySettings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tiqets_config::exit_if_asked(&SETTINGS);
    let settings = Settings::from_env().context("reading the settings")?;
    let telemetry = TelemetrySettings::from_env().context("reading the settings")?;
    // Flushes trace export when dropped, after the server has stopped.
    let _telemetry = tiqets_telemetry::start(SETTINGS.program, &telemetry);
    tiqets_telemetry::warn_deprecated(&SETTINGS);
    let shutdown = tiqets_telemetry::shutdown_token();
    tracing::info!(
        addr = %settings.addr,
        namespace = %settings.namespace,
        writes_need_token = settings.api_token.is_some(),
        reads_need_token = settings.read_token.is_some(),
        "api starting"
    );
    run(settings, shutdown).await.context("api failed")?;
    tracing::info!("api stopped");
    Ok(())
}
