//! Every resource limit of the api, reached: a 429 with `Retry-After` and a message naming
//! the setting, counted in `tiqets_api_limited_total{limit}`, and nothing lost (the work
//! in progress completes, and the resource is free again afterwards).

use crate::support::{assert_code, spawn_app_with, Files, TestApp};
use futures::channel::mpsc;
use futures::SinkExt;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

type Chunk = Result<bytes::Bytes, std::io::Error>;

/// An upload whose orders file is sent as the test feeds it: the api holds it open.
fn held_upload(
    app: &TestApp,
    files: &Files,
) -> (
    mpsc::Sender<Chunk>,
    tokio::task::JoinHandle<reqwest::Response>,
) {
    let (tx, rx) = mpsc::channel::<Chunk>(4);
    let form = Form::new()
        .part(
            "barcodes",
            Part::bytes(files.barcodes.clone()).file_name("barcodes.csv"),
        )
        .part(
            "orders",
            Part::stream(reqwest::Body::wrap_stream(rx)).file_name("orders.csv"),
        );
    let request = app.client.post(app.url("/api/batches")).multipart(form);
    (
        tx,
        tokio::spawn(async move { request.send().await.unwrap() }),
    )
}

/// Sends the `last` bytes of a held upload and ends it: it is accepted.
async fn end_held(
    mut feed: mpsc::Sender<Chunk>,
    held: tokio::task::JoinHandle<reqwest::Response>,
    last: bytes::Bytes,
) {
    feed.send(Ok(last)).await.unwrap();
    drop(feed);
    let res = held.await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED, "{:?}", res.text().await);
}

async fn upload(app: &TestApp, files: &Files) -> reqwest::Response {
    app.post_batch(files.form()).await
}

/// The refusal's form: 429, `Retry-After`, a message naming `setting`.
async fn assert_limited(res: reqwest::Response, setting: &str) {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1, "Retry-After {retry}");
    let body: Value = res.json().await.unwrap();
    let message = assert_code(&body, "too_many_requests");
    assert!(message.contains(setting), "{message}");
}

async fn limited_count(app: &TestApp, limit: &str) -> u64 {
    let text = app.metrics().await;
    let series = format!("tiqets_api_limited_total{{limit=\"{limit}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(series.as_str()))
        .map_or(0, |v| v.trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_beyond_the_concurrent_limit_is_a_429_and_the_one_in_progress_completes() {
    let app = spawn_app_with(&[("TIQETS_UPLOAD_MAX_CONCURRENT", "1")]).await;
    let first = Files::new(
        "first",
        "order_id,customer_id\n1,10\n",
        "barcode,order_id\nA,1\n",
    );
    let (mut feed, held) = held_upload(&app, &first);
    feed.send(Ok(bytes::Bytes::from_static(b"order_id,customer_id\n")))
        .await
        .unwrap();
    // The held upload has its slot once the api reads its body.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = Files::new(
        "second",
        "order_id,customer_id\n2,20\n",
        "barcode,order_id\nB,2\n",
    );
    assert_limited(upload(&app, &second).await, "TIQETS_UPLOAD_MAX_CONCURRENT").await;
    assert_eq!(limited_count(&app, "uploads").await, 1);

    end_held(feed, held, bytes::Bytes::from_static(b"1,10\n")).await;
    // The slot is free again.
    assert_eq!(upload(&app, &second).await.status(), StatusCode::ACCEPTED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_beyond_the_spool_budget_are_a_429_until_the_spool_frees() {
    let app = spawn_app_with(&[
        ("TIQETS_UPLOAD_SPOOL_MAX_BYTES", "1048576"),
        ("TIQETS_UPLOAD_MAX_CONCURRENT", "4"),
    ])
    .await;
    // A pair over the budget by itself.
    let mut orders = String::from("order_id,customer_id\n");
    for n in 1..=120_000 {
        orders += &format!("{n},{n}\n");
    }
    assert!(orders.len() > 1 << 20);
    let big = Files::new("big", &orders, "barcode,order_id\nA,1\n");
    assert_limited(upload(&app, &big).await, "TIQETS_UPLOAD_SPOOL_MAX_BYTES").await;

    // One held upload's 700 KB leave no room for another's.
    let held_files = Files::new("held", "", "barcode,order_id\nA,1\n");
    let (mut feed, held) = held_upload(&app, &held_files);
    feed.send(Ok(bytes::Bytes::from(orders[..700_000].to_string())))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let medium = Files::new("medium", &orders[..600_000], "barcode,order_id\nB,2\n");
    assert_limited(upload(&app, &medium).await, "TIQETS_UPLOAD_SPOOL_MAX_BYTES").await;
    assert_eq!(limited_count(&app, "spool").await, 2);

    // The held upload ends (and is published); its bytes are given back.
    let end = orders[700_000..].find('\n').unwrap() + 700_001;
    end_held(
        feed,
        held,
        bytes::Bytes::from(orders[700_000..end].to_string()),
    )
    .await;
    assert_eq!(upload(&app, &medium).await.status(), StatusCode::ACCEPTED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_streams_beyond_the_limit_are_a_429_until_one_closes() {
    let app = spawn_app_with(&[
        ("TIQETS_API_MAX_EVENT_STREAMS", "2"),
        ("TIQETS_SSE_HEARTBEAT_SECS", "1"),
    ])
    .await;
    let open = || app.client.get(app.url("/api/events")).send();
    let a = open().await.unwrap();
    let b = open().await.unwrap();
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    assert_limited(open().await.unwrap(), "TIQETS_API_MAX_EVENT_STREAMS").await;
    assert_eq!(limited_count(&app, "event_streams").await, 1);
    drop(a);
    // The server notices the closed stream at its next write (a heartbeat at the latest,
    // every second here).
    let mut again = None;
    for _ in 0..100 {
        let res = open().await.unwrap();
        if res.status() == StatusCode::OK {
            again = Some(res);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(again.is_some(), "a slot came back after a stream closed");
    drop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_over_its_request_rate_gets_a_429_while_health_stays_open() {
    let app = spawn_app_with(&[
        ("TIQETS_API_RATE_PER_SECOND", "1"),
        ("TIQETS_API_RATE_BURST", "3"),
    ])
    .await;
    for n in 0..3 {
        let res = app
            .client
            .get(app.url("/api/batches"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "request {n} is within the burst"
        );
    }
    let res = app
        .client
        .get(app.url("/api/batches"))
        .send()
        .await
        .unwrap();
    assert_limited(res, "TIQETS_API_RATE_PER_SECOND").await;
    // Health, metrics and the document are not limited.
    for path in ["/healthz", "/metrics", "/api/openapi.json", "/api/"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(limited_count(&app, "rate").await, 1);
    // The quota comes back at the configured rate.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let res = app
        .client
        .get(app.url("/api/batches"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_into_a_full_file_store_is_a_507_and_stores_nothing() {
    let app = spawn_app_with(&[]).await;
    const MIB: i64 = 1 << 20;
    let limits = |files| tiqets_bus::setup::ByteLimits {
        work: 16 * MIB,
        rows: 16 * MIB,
        status: 16 * MIB,
        dead: 16 * MIB,
        files,
    };
    tiqets_bus::setup::ensure_with(&app.bus, 1, Some(&limits(MIB)))
        .await
        .unwrap();
    let mut orders = String::from("order_id,customer_id\n");
    for n in 1..=120_000 {
        orders += &format!("{n},{n}\n");
    }
    let pair = Files::new("big", &orders, "barcode,order_id\nA,1\n");
    let res = upload(&app, &pair).await;
    assert_eq!(res.status(), StatusCode::INSUFFICIENT_STORAGE);
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = res.json().await.unwrap();
    let message = assert_code(&body, "storage_full");
    assert!(message.contains("TIQETS_NATS_MAX_BYTES_FILES"), "{message}");
    assert_eq!(limited_count(&app, "nats_bytes").await, 1);
    assert!(app
        .bus
        .last_status(&pair.batch_id())
        .await
        .unwrap()
        .is_none());
    let bucket = format!("OBJ_{}", app.names().files_bucket());
    let mut stream = app.bus.jetstream().get_stream(&bucket).await.unwrap();
    assert_eq!(
        stream.info().await.unwrap().state.bytes,
        0,
        "not a chunk stored"
    );

    // Room made (here: a larger limit), the same upload goes through.
    tiqets_bus::setup::ensure_with(&app.bus, 1, Some(&limits(16 * MIB)))
        .await
        .unwrap();
    assert_eq!(upload(&app, &pair).await.status(), StatusCode::ACCEPTED);
}
