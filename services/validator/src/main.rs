//! `tiqets-validator`: `--help` / `--version` → settings → telemetry → consume
//! `ValidateWork` until SIGTERM/SIGINT.

use anyhow::Context;
use tiqets_telemetry::Service;
use tiqets_validator::{Settings, SETTINGS};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let service = Service::begin(&SETTINGS).context("reading the settings")?;
    let settings = Settings::from_env().context("reading the settings")?;
    // The consumer loop is the readiness' one part: ready while it can fetch work.
    service
        .serve_health(settings.health)
        .await
        .context("starting the health endpoint")?;
    tiqets_validator::run(settings, service.readiness(), service.shutdown()).await;
    tracing::info!("validator stopped");
    Ok(())
}
