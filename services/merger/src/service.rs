//! The service around the handler: connect, set up, consume until shutdown.

use crate::handler::Merger;
use crate::settings::Settings;
use tiqets_bus::consumer::run_work_with;
use tiqets_bus::{setup, Bus, ConsumerOptions, Stage};
use tokio_util::sync::CancellationToken;

/// Runs the merger until `shutdown` fires, then lets the running merge finish (or releases
/// its message after the drain timeout) and returns.
pub async fn run(settings: Settings, shutdown: CancellationToken) {
    let names = settings.names();
    let Some(bus) = Bus::connect_retrying(
        &settings.nats_url,
        names.clone(),
        "tiqets-merger",
        &shutdown,
    )
    .await
    else {
        return; // shut down before NATS was reachable: nothing was taken
    };
    if let Err(e) = setup::ensure(&bus).await {
        // The consumer loop ensures the setup again until it works.
        tracing::warn!(error = %e, "stream setup failed");
    }
    let options = ConsumerOptions {
        drain_timeout: settings.drain_timeout,
        ..ConsumerOptions::work(&names, Stage::Merge)
    };
    tracing::info!(namespace = %names.namespace(), "merger running");
    run_work_with(bus.clone(), &options, Merger::new(bus, &settings), shutdown).await;
}
