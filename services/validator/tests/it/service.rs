use crate::support::{sample, Env};
use std::time::Duration;
use tiqets_testkit::eventually;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn the_service_validates_queued_work_and_stops_on_shutdown() {
    let env = Env::new().await;
    let shutdown = CancellationToken::new();
    let service = tokio::spawn(tiqets_validator::run(
        env.settings(),
        tiqets_telemetry::health::Readiness::new(),
        shutdown.clone(),
    ));
    let work = env
        .put_batch("service", &sample("orders.csv"), &sample("barcodes.csv"))
        .await;

    let merge = eventually(Duration::from_secs(20), || async {
        env.merge_work().await.into_iter().next()
    })
    .await;
    assert_eq!(merge.batch, work.batch);
    // The ValidateWork was acknowledged: only the MergeWork is left in the work queue.
    let work_stream = env.names().work_stream();
    eventually(Duration::from_secs(10), || async {
        env.messages(&work_stream, &env.names().work_validate())
            .await
            .is_empty()
    })
    .await;

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), service)
        .await
        .expect("the service stops after shutdown")
        .unwrap();
}
