//! `tiqets-validator`: settings → telemetry → consume `ValidateWork` until SIGTERM/SIGINT.

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = tiqets_validator::Settings::from_env().context("reading the settings")?;
    let _telemetry = tiqets_telemetry::init("tiqets-validator");
    let shutdown = tiqets_telemetry::shutdown_token();
    tiqets_validator::run(settings, shutdown).await;
    tracing::info!("validator stopped");
    Ok(())
}
