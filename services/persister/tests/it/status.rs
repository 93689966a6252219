use crate::harness::{bus, start, start_with, wait_for_status};
use std::time::{Duration, Instant};
use tiqets_contract::{BatchId, BatchStatus, RecordReply, RecordRequest, StatusEvent};
use tiqets_persister::watchdog::Watchdog;
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

#[tokio::test]
async fn a_batch_silent_longer_than_the_stall_limit_ends_failed() {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let out = tempfile::tempdir().unwrap();
    let bus = bus(&ns).await;
    let stall = Duration::from_secs(2);
    let running = start_with(&bus, db.pool(), out.path(), Watchdog { stall });
    // Received, and its work lost: no stage ever reports on it again.
    let id = BatchId::parse("bstalled").unwrap();
    let started = Instant::now();
    bus.publish_status(&StatusEvent::new(
        id.clone(),
        "lost",
        BatchStatus::Received,
        1,
    ))
    .await
    .unwrap();
    let record = eventually(crate::harness::DEADLINE, || async {
        let b = queries::batch(db.pool(), id.as_str()).await.ok()??;
        (b.status == BatchStatus::Failed).then_some(b)
    })
    .await;
    let took = started.elapsed();
    assert!(
        took >= stall && took < stall + Duration::from_secs(15),
        "failed after {took:?}"
    );
    let reason = record.reason.unwrap();
    assert!(
        reason.starts_with("stalled at received: no progress for"),
        "{reason}"
    );
    assert!(reason.contains("TIQETS_STALL_SECS = 2"), "{reason}");
    running.stop().await;
}

#[tokio::test]
async fn a_persister_answers_what_postgresql_holds_of_a_batch() {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let out = tempfile::tempdir().unwrap();
    let bus = bus(&ns).await;
    let running = start(&bus, db.pool(), out.path());
    let ask = |id: &str| {
        let bus = bus.clone();
        let body = serde_json::to_vec(&RecordRequest {
            batch_id: BatchId::parse(id).unwrap(),
        })
        .unwrap();
        async move {
            let answer = eventually(crate::harness::DEADLINE, || async {
                bus.client()
                    .request(bus.names().admin_record(), body.clone().into())
                    .await
                    .ok()
            })
            .await;
            serde_json::from_slice::<RecordReply>(&answer.payload).unwrap()
        }
    };
    assert_eq!(ask("bnever").await, RecordReply::NotRecorded);
    let id = BatchId::parse("brecorded").unwrap();
    bus.publish_status(
        &StatusEvent::new(id.clone(), "x", BatchStatus::Failed, 3).with_reason("boom"),
    )
    .await
    .unwrap();
    wait_for_status(db.pool(), &id, BatchStatus::Failed).await;
    assert_eq!(
        ask("brecorded").await,
        RecordReply::Recorded {
            status: BatchStatus::Failed,
            attempt: 3
        }
    );
    running.stop().await;
}
