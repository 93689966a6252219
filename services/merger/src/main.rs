//! `tiqets-merger`: `--help` / `--version` → settings → telemetry → consume `MergeWork`
//! until SIGTERM/SIGINT.

use tiqets_merger::{Settings, SETTINGS};
use tiqets_telemetry::Service;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (service, settings) =
        Service::start(&SETTINGS, |env| Settings::from_lookup(env), |s| s.health).await?;
    service.watch_memory(settings.memory());
    // The consumer loop is the readiness' one part: ready while it can fetch work.
    tiqets_merger::run(settings, service.readiness(), service.shutdown()).await;
    tracing::info!("merger stopped");
    Ok(())
}
