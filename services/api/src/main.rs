//! `tiqets-api`: `--help` / `--version` → settings → telemetry → connect, migrate → serve
//! until SIGTERM/SIGINT → drain → exit.

use anyhow::Context;
use tiqets_api::{run, Settings, SETTINGS};
use tiqets_telemetry::Service;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Flushes trace export when dropped, after the server has stopped.
    let service = Service::begin(&SETTINGS).context("reading the settings")?;
    let settings = Settings::from_env().context("reading the settings")?;
    tracing::info!(
        addr = %settings.addr,
        namespace = %settings.common.namespace,
        writes_need_token = settings.api_token.is_some(),
        reads_need_token = settings.read_token.is_some(),
        "api starting"
    );
    service.watch_memory(settings.memory);
    run(settings, service.shutdown())
        .await
        .context("api failed")?;
    tracing::info!("api stopped");
    Ok(())
}
