//! `tiqets-persister`: `--help` / `--version` → settings → telemetry → run until
//! SIGTERM/SIGINT → drain → exit.

use anyhow::Context;
use tiqets_persister::{run, Settings, SETTINGS};
use tiqets_telemetry::Service;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `service` flushes trace export when dropped, after the consumers have drained. Its
    // two consumer loops are the readiness' two parts.
    let (service, settings) =
        Service::start(&SETTINGS, |env| Settings::from_lookup(env), |s| s.health).await?;
    tracing::info!(
        namespace = %settings.common.namespace,
        output_dir = %settings.output_dir.display(),
        "persister starting"
    );
    service.watch_memory(settings.memory);
    run(settings, service.readiness(), service.shutdown())
        .await
        .context("persister failed")?;
    tracing::info!("persister stopped");
    Ok(())
}
