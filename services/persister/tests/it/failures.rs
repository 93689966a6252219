use crate::harness::{
    big_batch, bus, fixture, put_results, row_counts, small_batch, start, wait_for_status, DEADLINE,
};
use futures::StreamExt;
use std::time::Duration;
use tiqets_contract::{BatchStatus, Sha256, StatusEvent};
use tiqets_store::queries;
use tiqets_testkit::{eventually, OwnedPostgres, TestDatabase, TestNamespace};

#[tokio::test]
async fn a_result_that_does_not_match_its_digest_fails_the_batch_with_the_reason() {
    let (_ns, db, out, bus) = fixture().await;
    let batch = small_batch();
    let mut work = put_results(&bus, &batch).await;
    work.results[0].sha256 = Sha256::of(b"something else");
    let running = start(&bus, db.pool(), out.path());

    bus.publish_work(&work).await.unwrap();
    wait_for_status(db.pool(), &batch.id, BatchStatus::Failed).await;
    let record = queries::batch(db.pool(), batch.id.as_str())
        .await
        .unwrap()
        .unwrap();
    let reason = record.reason.unwrap();
    assert!(
        reason.contains("processed_orders.csv") && reason.contains("SHA-256"),
        "{reason}"
    );
    assert_eq!(
        row_counts(db.pool(), &batch.id).await,
        [0, 0, 0, 0],
        "nothing half-stored"
    );
    assert!(!out
        .path()
        .join(batch.id.as_str())
        .join("processed_orders.csv")
        .exists());
    running.stop().await;
}

#[tokio::test]
async fn a_postgres_restart_while_persisting_delays_the_batch_but_loses_nothing() {
    let pg = OwnedPostgres::start().unwrap();
    let db = TestDatabase::on(&pg.url(), true).await;
    let ns = TestNamespace::new();
    let out = tempfile::tempdir().unwrap();
    let bus = bus(&ns).await;
    let batch = big_batch(100_000);
    let work = put_results(&bus, &batch).await;
    let mut statuses = bus
        .client()
        .subscribe(bus.names().status(batch.id.as_str()))
        .await
        .unwrap();
    let running = start(&bus, db.pool(), out.path());

    bus.publish_work(&work).await.unwrap();
    // Stop the database as soon as the persister says it is persisting.
    loop {
        let msg = tokio::time::timeout(DEADLINE, statuses.next())
            .await
            .expect("a persisting status")
            .unwrap();
        let event: StatusEvent = serde_json::from_slice(&msg.payload).unwrap();
        if event.status == BatchStatus::Persisting {
            break;
        }
    }
    pg.stop();
    tokio::time::sleep(Duration::from_secs(2)).await;
    pg.start_again().unwrap();

    wait_for_status(db.pool(), &batch.id, BatchStatus::Completed).await;
    let counts = eventually(DEADLINE, || async {
        queries::batch(db.pool(), batch.id.as_str())
            .await
            .ok()??
            .counts
    })
    .await;
    assert_eq!(counts, batch.counts);
    assert_eq!(
        row_counts(db.pool(), &batch.id).await,
        [100_000, 1, 0, 33_334]
    );
    let stream = bus
        .jetstream()
        .get_stream(bus.names().work_stream())
        .await
        .unwrap();
    let mut consumer: async_nats::jetstream::consumer::PullConsumer =
        stream.get_consumer("persister").await.unwrap();
    // Waited out in process: the outage used up no delivery.
    let deliveries = consumer.info().await.unwrap().delivered.consumer_sequence;
    assert_eq!(deliveries, 1, "one delivery, retried in process");
    running.stop().await;
    drop(db);
}
