use crate::support::{sample, Env};
use std::time::Duration;
use tiqets_bus::Outcome;
use tiqets_contract::BatchStatus;
use tiqets_testkit::eventually;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn chunks_that_disagree_with_the_merge_work_cannot_be_merged() {
    let env = Env::new().await;
    let (orders, barcodes) = sample();
    let work = env.put_batch("disagree", &orders, &barcodes).await;
    let merge = env.validated(&work).await;

    let mut more_rows = merge.clone();
    more_rows.orders.as_mut().unwrap().rows += 1;
    let outcome = env.merger().merge(more_rows).await;
    let Outcome::Fatal(reason) = outcome else {
        panic!("fatal, got {outcome:?}")
    };
    assert!(reason.starts_with("the orders.csv chunks hold"), "{reason}");

    let mut fewer_chunks = merge.clone();
    fewer_chunks.barcodes.as_mut().unwrap().chunks -= 1;
    let outcome = env.merger().merge(fewer_chunks).await;
    assert!(matches!(outcome, Outcome::Fatal(_)), "{outcome:?}");
    assert!(env.persist_work(&merge).await.is_none());
}

#[tokio::test]
async fn the_service_dead_letters_unmergeable_work_and_fails_its_batch() {
    let env = Env::new().await;
    let (orders, barcodes) = sample();
    let work = env.put_batch("dead", &orders, &barcodes).await;
    let merge = env.validated(&work).await;
    // A MergeWork whose announcement cannot match what was stored: no orders chunks,
    // although the orders file had rows.
    let mut broken = merge.clone();
    broken.batch.attempt = 2;
    broken.orders.as_mut().unwrap().chunks = 0;

    let shutdown = CancellationToken::new();
    let service = tokio::spawn(tiqets_merger::run(
        env.merger_settings(),
        tiqets_telemetry::health::Readiness::new(),
        shutdown.clone(),
    ));
    env.bus.publish_work(&broken).await.unwrap();

    let failed = eventually(Duration::from_secs(30), || async {
        let s = env.bus.last_status(&work.batch.batch_id).await.ok()??;
        (s.status == BatchStatus::Failed && s.attempt == 2).then_some(s)
    })
    .await;
    let reason = failed.reason.unwrap();
    assert!(
        reason.starts_with("merge stage: the orders.csv chunks hold"),
        "{reason}"
    );
    let dead = env
        .stored(
            &env.names().dead_stream(),
            &env.names().dead(tiqets_contract::Stage::Merge),
        )
        .await;
    assert_eq!(dead.len(), 1);

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), service)
        .await
        .expect("the service stops")
        .unwrap();
}
