//! `tiqets-ingest`: `--help` / `--version` → settings → telemetry → run until
//! SIGTERM/SIGINT → flush.

use anyhow::Context;
use tiqets_ingest::{Settings, SETTINGS};
use tiqets_telemetry::Service;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let service = Service::begin(&SETTINGS).context("reading settings")?;
    let settings = Settings::from_env().context("reading settings")?;
    service
        .serve_health(settings.health)
        .await
        .context("starting the health endpoint")?;
    tiqets_ingest::run(settings, service.readiness(), service.shutdown())
        .await
        .context("running ingest")
}
