//! [`serve_stage`]: a stateless stage service (validator, merger) from connecting to
//! shutdown.

use super::options::ConsumerOptions;
use super::typed::{run_work_with, WorkHandler};
use crate::client::Bus;
use crate::setup;
use std::time::Duration;
use tiqets_contract::{Names, Stage, Work};
use tiqets_telemetry::health::Readiness;
use tokio_util::sync::CancellationToken;

/// A stateless stage service (validator, merger) from start to end: connects (retrying until
/// NATS answers or `shutdown` fires), ensures the setup (the consumer loop ensures it again
/// until it works), builds its handler on the connection and consumes `stage`'s work until
/// shutdown, with `drain_timeout` for the running message. The loop is a part of
/// `readiness`.
pub async fn serve_stage<W: Work, H: WorkHandler<W>>(
    nats_url: &str,
    names: Names,
    stage: Stage,
    drain_timeout: Duration,
    handler: impl FnOnce(Bus) -> H,
    readiness: Readiness,
    shutdown: CancellationToken,
) {
    let client_name = format!("tiqets-{}", stage.consumer());
    let Some(bus) = Bus::connect_retrying(nats_url, names.clone(), &client_name, &shutdown).await
    else {
        return; // shut down before NATS was reachable: nothing was taken
    };
    if let Err(e) = setup::ensure(&bus).await {
        tracing::warn!(error = %e, "stream setup failed");
    }
    let options = ConsumerOptions {
        drain_timeout,
        ready: readiness.part(),
        ..ConsumerOptions::work(&names, stage).paced(bus.pacing())
    };
    tracing::info!(namespace = %names.namespace(), "{} running", stage.consumer());
    run_work_with(bus.clone(), &options, handler(bus), shutdown).await;
}
