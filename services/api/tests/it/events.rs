//! `GET /api/events`: status events as server-sent events, in order, resumable, with
//! heartbeats.

use crate::sse::Sse;
use crate::support::{assert_code, spawn_app, spawn_app_with, Files, TestApp};

use std::time::Duration;
use tiqets_contract::{BatchId, BatchStatus, Progress, StatusEvent};

const WAIT: Duration = Duration::from_secs(10);

async fn connect(app: &TestApp, last_id: Option<u64>) -> Sse {
    let mut req = app.client.get(app.url("/api/events"));
    if let Some(id) = last_id {
        req = req.header("Last-Event-ID", id.to_string());
    }
    let mut sse = Sse::new(req.send().await.unwrap());
    let hello = sse.frame(WAIT).await.unwrap();
    assert_eq!(hello.comments, ["connected"]);
    sse
}

/// The stages after `received`, as the pipeline reports them.
async fn run_through(app: &TestApp, id: &BatchId) {
    for status in [
        BatchStatus::Validating,
        BatchStatus::Merging,
        BatchStatus::Persisting,
        BatchStatus::Completed,
    ] {
        let event = StatusEvent::new(id.clone(), "sse", status, 1);
        app.bus.publish_status(&event).await.unwrap();
        if status == BatchStatus::Validating {
            let progress = event.with_progress(Progress {
                done_bytes: 10,
                total_bytes: 20,
                ..Default::default()
            });
            app.bus.publish_progress(&progress).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batchs_status_changes_arrive_in_order_from_its_upload_on() {
    let app = spawn_app().await;
    let mut sse = connect(&app, None).await;
    let files = Files::new(
        "sse",
        "order_id,customer_id\n1,1\n",
        "barcode,order_id\nA,1\n",
    );
    let id = files.batch_id();
    let form = files.form_named(None, None).text("name", "sse");
    let res = app.post_batch(form).await;
    assert_eq!(res.status(), 202);
    run_through(&app, &id).await;

    let mut seen = Vec::new();
    let mut last_seq = 0;
    for _ in 0..6 {
        let (seq, event) = sse.status(WAIT).await;
        assert!(seq > last_seq, "ids increase");
        last_seq = seq;
        assert_eq!(event.batch_id, id);
        seen.push((event.status, event.progress.is_some()));
    }
    assert_eq!(
        seen,
        [
            (BatchStatus::Received, false),
            (BatchStatus::Validating, false),
            (BatchStatus::Validating, true),
            (BatchStatus::Merging, false),
            (BatchStatus::Persisting, false),
            (BatchStatus::Completed, false),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_reconnecting_with_last_event_id_misses_nothing() {
    let app = spawn_app().await;
    let mut first = connect(&app, None).await;
    let id = BatchId::parse("bresume").unwrap();
    app.bus
        .publish_status(&StatusEvent::new(id.clone(), "r", BatchStatus::Received, 1))
        .await
        .unwrap();
    let (received_seq, _) = first.status(WAIT).await;
    drop(first);
    // Published while nobody listens.
    run_through(&app, &id).await;

    let mut again = connect(&app, Some(received_seq)).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(again.status(WAIT).await.1.status);
    }
    assert_eq!(
        statuses,
        [
            BatchStatus::Validating,
            BatchStatus::Validating,
            BatchStatus::Merging,
            BatchStatus::Persisting,
            BatchStatus::Completed
        ]
    );
    let (status, body) = {
        let res = app
            .client
            .get(app.url("/api/events"))
            .header("Last-Event-ID", "abc")
            .send()
            .await
            .unwrap();
        (res.status(), res.json::<serde_json::Value>().await.unwrap())
    };
    assert_eq!(status, 400);
    assert_eq!(
        assert_code(&body, "invalid_parameter"),
        "`Last-Event-ID` must be an event id (a whole number)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_stream_gets_heartbeats_and_ends_on_shutdown() {
    let app = spawn_app_with(&[("TIQETS_SSE_HEARTBEAT_SECS", "1")]).await;
    let mut sse = connect(&app, None).await;
    let beat = sse.frame(Duration::from_secs(5)).await.unwrap();
    assert_eq!(beat.comments, ["keep-alive"]);
    assert!(beat.data.is_none());
    let metrics = app.metrics().await;
    assert!(metrics.contains("tiqets_api_event_streams 1"), "{metrics}");

    app.shutdown.cancel();
    loop {
        match sse.frame(Duration::from_secs(5)).await {
            None => break,
            Some(f) => assert!(f.data.is_none(), "only heartbeats before the end"),
        }
    }
}
