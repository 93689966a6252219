//! `POST /api/batches/{id}/retry`: a failed batch queued again from its stored inputs, as
//! its next attempt; anything else refused with a clear code.

use crate::support::{assert_code, running_and_failed, spawn_app, spawn_app_with, Files};
use reqwest::StatusCode;
use serde_json::Value;
use tiqets_contract::{BatchStatus, Source, StatusEvent};

async fn retry(app: &crate::support::TestApp, id: &str) -> (StatusCode, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/batches/{id}/retry")))
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_upload_is_queued_again_as_its_next_attempt_once() {
    let app = spawn_app().await;
    let files = Files::sample();
    let id = files.batch_id();
    let res = app.post_batch(files.form().text("name", "monday")).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);

    // Not failed yet: refused.
    app.record(&StatusEvent::new(
        id.clone(),
        "monday",
        BatchStatus::Received,
        1,
    ))
    .await;
    let (status, body) = retry(&app, id.as_str()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(assert_code(&body, "not_retryable").contains("received"));

    let failed =
        StatusEvent::new(id.clone(), "monday", BatchStatus::Failed, 1).with_reason("merge: boom");
    app.bus.publish_status(&failed).await.unwrap();
    app.record(&failed).await;
    let (status, body) = retry(&app, id.as_str()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["data"]["batch_id"], id.as_str());
    assert_eq!(body["data"]["status"], "received");
    let last = app.bus.last_status(&id).await.unwrap().unwrap();
    assert_eq!((last.status, last.attempt), (BatchStatus::Received, 2));
    assert_eq!(
        last.inputs.as_ref().unwrap().orders.size,
        files.orders.len() as u64
    );
    assert_eq!(
        last.source,
        Some(Source::Retry {
            orders: "orders.csv".into(),
            barcodes: "barcodes.csv".into()
        })
    );
    // A second retry of the same failure: the batch is in flight again.
    let (status, body) = retry(&app, id.as_str()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_code(&body, "not_retryable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_is_not_failed_or_has_no_stored_inputs_is_not_retried() {
    let app = spawn_app().await;
    let (running, failed) = running_and_failed(&app).await;
    let (status, body) = retry(&app, &running).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(assert_code(&body, "not_retryable").contains("validating"));
    // Recorded failed, but its input files were never stored (or have expired).
    let (status, body) = retry(&app, &failed).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        assert_code(&body, "not_retryable").contains("orders.csv"),
        "{body}"
    );
    let (status, body) = retry(&app, "bnosuchbatch").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = retry(&app, "latest").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_code(&body, "not_retryable");
    let (status, body) = retry(&app, "not%20a%20batch").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_needs_the_write_token() {
    let app = spawn_app_with(&[("TIQETS_API_TOKEN", "write-secret")]).await;
    let (_, failed) = running_and_failed(&app).await;
    let (status, body) = retry(&app, &failed).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let res = app
        .client
        .post(app.url(&format!("/api/batches/{failed}/retry")))
        .bearer_auth("write-secret")
        .send()
        .await
        .unwrap();
    // Past the token: refused for what the batch is (no stored inputs), not for who asks.
    assert_eq!(res.status(), StatusCode::CONFLICT);
}
