//! Uploads: published through the shared publishing path (objects stored, `ValidateWork`
//! queued, `received` reported), repeats, size limit, bad forms.

use crate::support::{assert_code, spawn_app, spawn_app_with, Files, TestApp};
use futures::TryStreamExt;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tiqets_contract::{BatchStatus, Source, StatusEvent, ValidateWork};

fn form(files: &Files) -> Form {
    files.form()
}

async fn post(app: &TestApp, form: Form) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let res = app.post_batch(form).await;
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.json().await.unwrap())
}

/// The objects in the namespace's file bucket.
async fn objects(app: &TestApp) -> Vec<(String, usize)> {
    let files = app.bus.files().await.unwrap();
    let mut list: Vec<(String, usize)> = files
        .list()
        .await
        .unwrap()
        .map_ok(|o| (o.name, o.size))
        .try_collect()
        .await
        .unwrap();
    list.sort();
    list
}

/// The messages queued on `{ns}.work.validate`.
async fn queued(app: &TestApp) -> Vec<ValidateWork> {
    let names = app.names();
    let mut stream = app
        .bus
        .jetstream()
        .get_stream(names.work_stream())
        .await
        .unwrap();
    if stream.info().await.unwrap().state.messages == 0 {
        return Vec::new();
    }
    let msg = stream
        .get_last_raw_message_by_subject(&names.work_validate())
        .await
        .unwrap();
    vec![serde_json::from_slice(&msg.payload).unwrap()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_stored_queued_and_received_and_answers_202_with_its_status_url() {
    let app = spawn_app().await;
    let files = Files::sample();
    let id = files.batch_id().to_string();
    let (status, headers, body) = post(&app, form(&files).text("name", "monday")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let url = format!("/api/batches/{id}");
    assert_eq!(headers["location"], url.as_str());
    assert_eq!(
        body,
        json!({"status": "success", "data": {
            "batch_id": id, "name": "monday", "status": "received", "repeat": false,
            "status_url": url,
            "message": format!("received; follow its progress at {url} or /api/events (attempt 1)")
        }})
    );

    assert_eq!(
        objects(&app).await,
        vec![
            (format!("batches/{id}/barcodes.csv"), files.barcodes.len()),
            (format!("batches/{id}/orders.csv"), files.orders.len()),
        ]
    );
    let work = queued(&app).await;
    assert_eq!(work.len(), 1);
    assert_eq!(work[0].batch.batch_id.as_str(), id);
    assert_eq!(work[0].batch.name, "monday");
    assert_eq!(
        work[0].source,
        Source::Upload {
            orders: "orders.csv".into(),
            barcodes: "barcodes.csv".into()
        }
    );
    let last = app
        .bus
        .last_status(&files.batch_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.status, BatchStatus::Received);

    // Its status URL answers at once, before any recorder has written it down.
    let batch = app.data(&url).await;
    assert_eq!(batch["status"], "received");
    assert_eq!(batch["orders_file"]["name"], "orders.csv");
    assert_eq!(batch["orders_file"]["size"], files.orders.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_answers_with_the_batch_it_repeats_and_says_its_status() {
    let app = spawn_app().await;
    let files = Files::sample();
    let id = files.batch_id();
    let (status, _, _) = post(&app, form(&files).text("name", "first")).await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let (status, _, body) = post(&app, form(&files).text("name", "again")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "still in progress: {body}");
    assert_eq!(body["data"]["repeat"], true);
    assert_eq!(body["data"]["status"], "received");
    assert_eq!(body["data"]["name"], "first");

    let completed = StatusEvent::new(id.clone(), "first", BatchStatus::Completed, 1);
    app.bus.publish_status(&completed).await.unwrap();
    // Completed: whether it is a repeat is PostgreSQL's to say, through a persister. With
    // none running, the client is asked to try again and nothing is queued.
    let (status, _, body) = post(&app, form(&files)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "unavailable");
    tiqets_store::status::record_status(app.db.pool(), &completed)
        .await
        .unwrap();
    let records = tokio::spawn(tiqets_persister::records::serve(
        app.bus.clone(),
        app.db.pool().clone(),
        app.shutdown.clone(),
    ));
    // The responder subscribes as it starts: until then the answer is still 503.
    let mut answer = post(&app, form(&files)).await;
    for _ in 0..50 {
        if answer.0 != StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        answer = post(&app, form(&files)).await;
    }
    let (status, headers, body) = answer;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = format!("/api/batches/{id}");
    assert_eq!(headers["location"], url.as_str());
    assert_eq!(
        body["data"],
        json!({"batch_id": id.to_string(), "name": "first", "status": "completed", "repeat": true,
               "status_url": url,
               "message": format!("byte-identical to batch {id} (\"first\"), which is completed; not processed again")})
    );
    assert_eq!(queued(&app).await.len(), 1, "nothing queued again");
    app.shutdown.cancel();
    records.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_the_limit_gets_413_and_leaves_nothing_behind() {
    let app = spawn_app_with(&[("TIQETS_UPLOAD_MAX_BYTES", "1024")]).await;
    let small = Files::new(
        "ok",
        "order_id,customer_id\n1,1\n",
        "barcode,order_id\nA,1\n",
    );
    let mut big = small.clone();
    big.barcodes = format!("barcode,order_id\n{}", "B1234567,1\n".repeat(10_000)).into_bytes();
    let (status, _, body) = post(&app, form(&big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        body,
        json!({"status": "error", "code": "payload_too_large", "message": "each file may have at most 1024 bytes (TIQETS_UPLOAD_MAX_BYTES)"})
    );
    assert_eq!(objects(&app).await, vec![]);
    assert!(queued(&app).await.is_empty());
    assert!(app
        .bus
        .last_status(&big.batch_id())
        .await
        .unwrap()
        .is_none());
    assert_eq!(std::fs::read_dir(app.upload_dir.path()).unwrap().count(), 0);

    // A body declared far beyond the limit is refused before it is read.
    let huge = Files::new("huge", "order_id,customer_id\n", &"x".repeat(2 << 20));
    let (status, _, body) = post(&app, form(&huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "payload_too_large", "{body}");

    // The same app takes a file within the limit.
    let (status, _, body) = post(&app, form(&small)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_forms_are_400_or_415_saying_what_to_send() {
    let app = spawn_app().await;
    let files = Files::sample();
    let send = "send the files `orders` and `barcodes` (and optionally `name`)";
    let cases: Vec<(Form, StatusCode, String)> = vec![
        (
            Form::new().part("orders", Part::bytes(files.orders.clone()).file_name("o.csv")),
            StatusCode::BAD_REQUEST,
            "missing part `barcodes`: send multipart/form-data with the files `orders` and `barcodes` (and optionally `name`)".into(),
        ),
        (
            form(&files).part("extra", Part::text("x")),
            StatusCode::BAD_REQUEST,
            format!("unexpected part \"extra\": {send}"),
        ),
        (
            form(&files).part("orders", Part::bytes(files.orders.clone())),
            StatusCode::BAD_REQUEST,
            "part `orders` is sent twice".into(),
        ),
        (
            Form::new()
                .part("orders", Part::bytes(Vec::new()).file_name("o.csv"))
                .part("barcodes", Part::bytes(files.barcodes.clone())),
            StatusCode::BAD_REQUEST,
            "part `orders` is empty: it must hold the CSV file with its header line".into(),
        ),
        (
            form(&files).text("name", "   "),
            StatusCode::BAD_REQUEST,
            "`name` must be UTF-8 text of at most 100 characters, without control characters and not only spaces".into(),
        ),
        (
            form(&files).text("name", "x".repeat(101)),
            StatusCode::BAD_REQUEST,
            "`name` must be UTF-8 text of at most 100 characters, without control characters and not only spaces".into(),
        ),
    ];
    for (form, status, message) in cases {
        let (got, _, body) = post(&app, form).await;
        assert_eq!(got, status, "{body}");
        assert_eq!(
            body,
            json!({"status": "error", "code": "invalid_upload", "message": message})
        );
    }
    let res = app
        .client
        .post(app.url("/api/batches"))
        .header("content-type", "text/csv")
        .body(files.orders.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"status": "error", "code": "unsupported_media_type", "message": "send multipart/form-data with the files `orders` and `barcodes` (and optionally `name`)"})
    );
    assert!(queued(&app).await.is_empty());
    assert_eq!(objects(&app).await, vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_file_names_are_only_labels_never_paths() {
    let app = spawn_app().await;
    let files = Files::new(
        "names",
        "order_id,customer_id\n1,1\n",
        "barcode,order_id\nA,1\n",
    );
    let id = files.batch_id();
    let form = files.form_named(Some("../../etc/passwd"), Some("/tmp/bar codes.csv"));
    let (status, _, body) = post(&app, form).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(
        objects(&app)
            .await
            .into_iter()
            .map(|(k, _)| k)
            .collect::<Vec<_>>(),
        [
            format!("batches/{id}/barcodes.csv"),
            format!("batches/{id}/orders.csv")
        ]
    );
    let work = queued(&app).await;
    assert_eq!(
        work[0].source,
        Source::Upload {
            orders: "../../etc/passwd".into(),
            barcodes: "/tmp/bar codes.csv".into()
        }
    );
    assert!(body["data"]["name"]
        .as_str()
        .unwrap()
        .starts_with("upload-"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_that_cannot_be_spooled_is_an_internal_error_without_the_cause() {
    let app = spawn_app().await;
    let dir = app.upload_dir.path().to_path_buf();
    std::fs::remove_dir(&dir).unwrap();
    let (status, _, body) = post(&app, form(&Files::sample())).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    let message = assert_code(&body, "internal");
    assert!(message.contains("x-request-id"), "{message}");
    assert!(!message.contains(dir.to_str().unwrap()), "{message}");
    assert!(queued(&app).await.is_empty());
}
