//! Bearer tokens on writes, and on reads when a read token is configured.

use crate::support::{spawn_app_with, Files};
use reqwest::multipart::Form;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn form(files: &Files) -> Form {
    files.form_named(None, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_need_the_token_when_one_is_set_and_reads_stay_open() {
    let app = spawn_app_with(&[("TIQETS_API_TOKEN", "write-secret")]).await;
    let files = Files::new(
        "auth",
        "order_id,customer_id\n1,1\n",
        "barcode,order_id\nA,1\n",
    );
    let url = app.url("/api/batches");

    let res = app
        .client
        .post(&url)
        .multipart(form(&files))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"tiqets\"");
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"status": "error", "code": "unauthorized", "message": "writes need a token: send `Authorization: Bearer <token>`"})
    );

    let res = app
        .client
        .post(&url)
        .bearer_auth("wrong")
        .multipart(form(&files))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.json::<Value>().await.unwrap()["message"],
        "writes need a token: send `Authorization: Bearer <token>` (the token given is not valid)"
    );
    assert!(app
        .bus
        .last_status(&files.batch_id())
        .await
        .unwrap()
        .is_none());

    let res = app
        .client
        .post(&url)
        .bearer_auth("write-secret")
        .multipart(form(&files))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);

    assert_eq!(app.get("/api/batches").await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_token_guards_reads_but_not_health_or_the_document() {
    let app = spawn_app_with(&[
        ("TIQETS_API_TOKEN", "write-secret"),
        ("TIQETS_API_READ_TOKEN", "read-secret"),
    ])
    .await;
    let (status, body) = app.get("/api/batches").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"status": "error", "code": "unauthorized", "message": "reads need a token: send `Authorization: Bearer <token>`"})
    );
    for token in ["read-secret", "write-secret"] {
        let res = app
            .client
            .get(app.url("/api/batches"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{token}");
    }
    for open in ["/healthz", "/readyz", "/api/openapi.json"] {
        assert_eq!(app.get(open).await.0, StatusCode::OK, "{open}");
    }
    let res = app
        .client
        .post(app.url("/api/batches"))
        .bearer_auth("read-secret")
        .multipart(form(&Files::sample()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "the read token does not write"
    );

    // EventSource cannot send headers: the event stream takes the token in its query.
    let res = app.client.get(app.url("/api/events")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .client
        .get(app.url("/api/events?access_token=read-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
