use crate::sample::{id, sample, write};
use time::{Duration, OffsetDateTime};
use tiqets_contract::{BatchCounts, BatchStatus, Progress, StatusEvent};
use tiqets_store::{queries, record_status, Pool, Recorded};
use tiqets_testkit::TestDatabase;
use BatchStatus::*;

fn event(status: BatchStatus, attempt: u32, seconds: i64) -> StatusEvent {
    let mut e = StatusEvent::new(id("b1"), "monday", status, attempt);
    e.at = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::seconds(seconds);
    e
}

async fn status(pool: &Pool) -> (BatchStatus, u32) {
    let b = queries::batch(pool, "b1").await.unwrap().unwrap();
    (b.status, b.attempt)
}

#[tokio::test]
async fn statuses_move_forward_and_late_events_are_ignored() {
    let db = TestDatabase::create().await;
    let pool = db.pool();
    assert_eq!(
        record_status(pool, &event(Received, 1, 0)).await.unwrap(),
        Recorded::Created
    );
    assert_eq!(
        record_status(pool, &event(Merging, 1, 2)).await.unwrap(),
        Recorded::Forward
    );
    // Validating arrives late (redelivered): the batch stays merging.
    assert_eq!(
        record_status(pool, &event(Validating, 1, 1)).await.unwrap(),
        Recorded::Ignored
    );
    assert_eq!(status(pool).await, (Merging, 1));
    let b = queries::batch(pool, "b1").await.unwrap().unwrap();
    assert!(b.received_at.is_some() && b.merging_at.is_some());
    assert!(
        b.validating_at.is_none(),
        "an ignored event leaves no trace"
    );
}

#[tokio::test]
async fn completed_is_final_for_its_attempt() {
    let db = TestDatabase::create().await;
    let pool = db.pool();
    for (s, t) in [(Received, 0), (Persisting, 1), (Completed, 2)] {
        record_status(pool, &event(s, 1, t)).await.unwrap();
    }
    for late in [Persisting, Failed, Completed, Received] {
        assert_eq!(
            record_status(pool, &event(late, 1, 9)).await.unwrap(),
            Recorded::Ignored
        );
    }
    assert_eq!(status(pool).await, (Completed, 1));
}

#[tokio::test]
async fn a_failed_batch_can_be_retried_and_the_old_attempt_cannot_come_back() {
    let db = TestDatabase::create().await;
    let pool = db.pool();
    record_status(pool, &event(Received, 1, 0)).await.unwrap();
    record_status(
        pool,
        &event(Failed, 1, 1).with_reason("orders.csv: missing column"),
    )
    .await
    .unwrap();
    let failed = queries::batch(pool, "b1").await.unwrap().unwrap();
    assert_eq!(failed.reason.as_deref(), Some("orders.csv: missing column"));
    assert!(failed.failed_at.is_some());

    assert_eq!(
        record_status(pool, &event(Received, 2, 5)).await.unwrap(),
        Recorded::Forward
    );
    assert_eq!(
        record_status(pool, &event(Merging, 1, 6)).await.unwrap(),
        Recorded::Ignored
    );
    let retried = queries::batch(pool, "b1").await.unwrap().unwrap();
    assert_eq!((retried.status, retried.attempt), (Received, 2));
    assert_eq!(retried.reason, None);
    assert!(
        retried.failed_at.is_none(),
        "a new attempt clears the old one's stages"
    );
}

#[tokio::test]
async fn progress_of_the_current_stage_is_refreshed_in_order() {
    let db = TestDatabase::create().await;
    let pool = db.pool();
    record_status(pool, &event(Validating, 1, 0)).await.unwrap();
    let at = |rows, t| {
        event(Validating, 1, t).with_progress(Progress {
            rows,
            ..Default::default()
        })
    };
    assert_eq!(
        record_status(pool, &at(10, 2)).await.unwrap(),
        Recorded::Progress
    );
    assert_eq!(
        record_status(pool, &at(5, 1)).await.unwrap(),
        Recorded::Ignored
    );
    let b = queries::batch(pool, "b1").await.unwrap().unwrap();
    assert_eq!(b.progress.unwrap().rows, 10);
    assert_eq!(b.status, Validating);
}

#[tokio::test]
async fn counts_of_events_are_recorded_and_the_writer_keeps_the_input_row_counts() {
    let db = TestDatabase::create().await;
    let pool = db.pool();
    let counts = BatchCounts {
        order_rows: 7,
        barcode_rows: 12,
        ..Default::default()
    };
    record_status(pool, &event(Merging, 1, 0).with_counts(counts))
        .await
        .unwrap();
    write(pool, "b1", &sample()).await.unwrap();
    let b = queries::batch(pool, "b1").await.unwrap().unwrap();
    assert_eq!(b.status, Completed);
    let c = b.counts.unwrap();
    assert_eq!((c.order_rows, c.barcode_rows), (7, 12));
    assert_eq!((c.orders_written, c.tickets, c.unused_barcodes), (5, 10, 3));
}

#[tokio::test]
async fn a_received_pair_replaces_its_waiting_pseudo_batch() {
    let db = TestDatabase::create().await;
    let pool = db.pool();
    let waiting = tiqets_contract::BatchId::waiting("monday");
    let mut w = StatusEvent::new(waiting.clone(), "monday", Waiting, 0);
    w.reason = Some("barcodes.csv".into());
    record_status(pool, &w).await.unwrap();
    let mut r = event(Received, 1, 0);
    r.supersedes = Some(waiting.clone());
    record_status(pool, &r).await.unwrap();
    assert!(queries::batch(pool, waiting.as_str())
        .await
        .unwrap()
        .is_none());
    assert_eq!(status(pool).await, (Received, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_recording_one_batch_at_once_end_at_its_latest_stage() {
    let db = TestDatabase::create().await;
    let statuses = [Received, Validating, Merging, Persisting, Completed];
    let tasks: Vec<_> = statuses
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let pool = db.pool().clone();
            let e = event(*s, 1, i as i64);
            tokio::spawn(async move { record_status(&pool, &e).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(status(db.pool()).await, (Completed, 1));
}

#[tokio::test]
async fn late_events_of_a_deleted_batch_do_not_bring_it_back_and_a_later_attempt_does() {
    let db = TestDatabase::create().await;
    let pool = db.pool();
    for (s, t) in [(Received, 0), (Persisting, 1), (Completed, 2)] {
        record_status(pool, &event(s, 1, t)).await.unwrap();
    }
    assert!(tiqets_store::drop_batch(pool, "b1")
        .await
        .unwrap()
        .is_some());
    assert!(tiqets_store::deleted_attempt(pool, "b1", 1).await.unwrap());
    // Redelivered work of attempt 1 reports again, or fails on its deleted objects.
    for late in [Persisting, Failed, Completed] {
        assert_eq!(
            record_status(pool, &event(late, 1, 9)).await.unwrap(),
            Recorded::Ignored
        );
        assert!(queries::batch(pool, "b1").await.unwrap().is_none());
    }
    // The pair dropped again is attempt 2: recorded as usual.
    assert!(!tiqets_store::deleted_attempt(pool, "b1", 2).await.unwrap());
    assert_eq!(
        record_status(pool, &event(Received, 2, 10)).await.unwrap(),
        Recorded::Created
    );
    assert_eq!(status(pool).await, (Received, 2));
}
