//! `tiqets-validator`: `--help` / `--version` → settings → telemetry → consume
//! `ValidateWork` until SIGTERM/SIGINT.

use tiqets_telemetry::Service;
use tiqets_validator::{Settings, SETTINGS};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (service, settings) =
        Service::start(&SETTINGS, |env| Settings::from_lookup(env), |s| s.health).await?;
    service.watch_memory(settings.memory);
    // The consumer loop is the readiness' one part: ready while it can fetch work.
    tiqets_validator::run(settings, service.readiness(), service.shutdown()).await;
    tracing::info!("validator stopped");
    Ok(())
}
