use crate::harness::{bus, start, wait_for_status};
use tiqets_contract::{BatchId, BatchStatus, StatusEvent};
use tiqets_store::queries;
use tiqets_testkit::{eventually, TestDatabase, TestNamespace};

#[tokio::test]
async fn status_events_are_recorded_forward_only() {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let out = tempfile::tempdir().unwrap();
    let bus = bus(&ns).await;
    let running = start(&bus, db.pool(), out.path());
    let id = BatchId::parse("bstatus").unwrap();
    let event = |s| StatusEvent::new(id.clone(), "tuesday", s, 1);

    bus.publish_status(&event(BatchStatus::Received))
        .await
        .unwrap();
    bus.publish_status(&event(BatchStatus::Merging))
        .await
        .unwrap();
    // A late validating event (published after merging) must not move the batch back.
    bus.publish_status(&event(BatchStatus::Validating))
        .await
        .unwrap();
    wait_for_status(db.pool(), &id, BatchStatus::Merging).await;
    let failed = event(BatchStatus::Failed).with_reason("merge stage: boom");
    bus.publish_status(&failed).await.unwrap();
    let record = eventually(crate::harness::DEADLINE, || async {
        let b = queries::batch(db.pool(), id.as_str()).await.ok()??;
        (b.status == BatchStatus::Failed).then_some(b)
    })
    .await;
    assert_eq!(record.reason.as_deref(), Some("merge stage: boom"));
    assert!(
        record.validating_at.is_none(),
        "the late event left no trace"
    );
    running.stop().await;
}
