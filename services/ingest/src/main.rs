//! `tiqets-ingest`: `--help` / `--version` → settings → telemetry → run until
//! SIGTERM/SIGINT → flush.

use anyhow::Context;
use tiqets_ingest::{Settings, SETTINGS};
use tiqets_telemetry::Service;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (service, settings) =
        Service::start(&SETTINGS, |env| Settings::from_lookup(env), |s| s.health).await?;
    service.watch_memory(settings.memory);
    tiqets_ingest::run(settings, service.readiness(), service.shutdown())
        .await
        .context("running ingest")
}
