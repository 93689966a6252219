//! The original backend's own endpoints (`/api/`, `/api/process`), cross-origin requests,
//! and access tokens kept out of spans and metrics.

use crate::support::{seed, spawn_app, spawn_app_with, Files};
use reqwest::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ORIGIN,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tiqets_contract::{BatchStatus, StatusEvent};

/// What `/api/process` must hold for `files`, from the CLI's rules.
fn expected_process(files: &Files) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
    let outcome = files.outcome();
    let orders = outcome
        .rows()
        .map(|r| {
            let barcodes: Vec<String> = r.barcodes().map(|b| b.to_string()).collect();
            json!({"customer_id": r.customer_id, "order_id": r.order_id, "barcodes": barcodes})
        })
        .collect();
    let top = outcome
        .top_customers(5)
        .iter()
        .map(|c| json!({"customer_id": c.customer_id, "ticket_count": c.tickets}))
        .collect();
    let unused = files
        .unused_with_lines()
        .into_iter()
        .map(|(b, line)| json!({"barcode": b, "order_id": null, "line": line}))
        .collect();
    (orders, top, unused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_answers_the_latest_batch_in_the_original_nesting() {
    let app = spawn_app().await;
    let welcome = app.get("/api/").await;
    assert_eq!(welcome.0, StatusCode::OK);
    assert_eq!(welcome.1["openapi"], "/api/openapi.json");
    assert!(welcome.1["message"].as_str().unwrap().contains("Welcome"));

    let message = app
        .error("/api/process", StatusCode::NOT_FOUND, "no_completed_batch")
        .await;
    assert!(message.contains("no batch has completed yet"), "{message}");

    let files = Files::sample();
    let seeded = app.seed(&files).await;
    let (orders, top, unused) = expected_process(&files);
    assert!(orders.len() > 100 && unused.len() > 100);

    // The current batch is re-read at least every 5 s (no completion event here).
    let deadline = Instant::now() + Duration::from_secs(10);
    let res = loop {
        let res = app
            .client
            .get(app.url("/api/process"))
            .send()
            .await
            .unwrap();
        if res.status() != StatusCode::NOT_FOUND || Instant::now() > deadline {
            break res;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "success");
    let data = &body["data"];
    assert_eq!(data["batch_id"], seeded.id.as_str());
    assert_eq!(data["total_orders"], orders.len());
    assert_eq!(data["orders"].as_array().unwrap(), &orders);
    assert_eq!(data["analytics"]["top_customers"].as_array().unwrap(), &top);
    assert_eq!(data["analytics"]["unused_barcodes"]["count"], unused.len());
    assert_eq!(
        data["analytics"]["unused_barcodes"]["barcodes"]
            .as_array()
            .unwrap(),
        &unused
    );
    // The types the API documents read it back.
    let typed: tiqets_api::model::ProcessResult = serde_json::from_value(data.clone()).unwrap();
    assert_eq!(typed.orders.len(), orders.len());

    // One page of both lists.
    let page = app.data("/api/process?page=2&per_page=7").await;
    assert_eq!(page["page"], 2);
    assert_eq!(page["per_page"], 7);
    assert_eq!(page["total_orders"], orders.len());
    assert_eq!(page["orders"].as_array().unwrap(), &orders[7..14]);
    assert_eq!(
        page["analytics"]["unused_barcodes"]["barcodes"]
            .as_array()
            .unwrap(),
        &unused[7..14]
    );
    assert_eq!(page["analytics"]["unused_barcodes"]["count"], unused.len());
    let past = app.data("/api/process?page=100000").await;
    assert_eq!(past["orders"], json!([]));
    assert_eq!(past["per_page"], 100);

    for bad in ["wait=61", "wait=-1", "page=0", "per_page=1001", "wait=x"] {
        let message = app
            .error(
                &format!("/api/process?{bad}"),
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
            )
            .await;
        let name = bad.split('=').next().unwrap();
        assert!(message.contains(&format!("`{name}`")), "{bad}: {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_with_wait_answers_once_the_batch_on_its_way_completes() {
    let app = spawn_app().await;
    let first = app.seed(&Files::sample()).await;
    // Nothing on its way: no waiting.
    let t = Instant::now();
    assert_eq!(
        app.data("/api/process?wait=30&page=1").await["batch_id"],
        first.id.as_str()
    );
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());

    let next = Files::new(
        "next",
        "order_id,customer_id\n1,101\n2,102\n3,101\n",
        "barcode,order_id\n1001,1.0\n1002,1.0\n1003,2.0\n1004,\n",
    );
    app.record(&StatusEvent::new(
        next.batch_id(),
        "next",
        BatchStatus::Received,
        1,
    ))
    .await;
    // A short wait ends at its bound, with the batch before.
    let t = Instant::now();
    assert_eq!(
        app.data("/api/process?wait=1").await["batch_id"],
        first.id.as_str()
    );
    assert!(t.elapsed() >= Duration::from_secs(1), "{:?}", t.elapsed());

    let waiting = {
        let (client, url) = (app.client.clone(), app.url("/api/process?wait=30"));
        tokio::spawn(async move {
            let t = Instant::now();
            let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            (body, t.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pool = app.db.pool().clone();
    let written = seed(&pool, &next, "next").await;
    let (body, waited) = waiting.await.unwrap();
    assert_eq!(body["data"]["batch_id"], written.id.as_str(), "{body}");
    assert!(
        waited >= Duration::from_millis(1500) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    assert_eq!(
        body["data"]["orders"],
        json!([
            {"customer_id": 101, "order_id": 1, "barcodes": ["1001", "1002"]},
            {"customer_id": 102, "order_id": 2, "barcodes": ["1003"]},
        ])
    );
}

/// An `OPTIONS` preflight from `origin` for a GET with `Authorization`.
async fn preflight(app: &crate::support::TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url("/api/process"))
        .header(ORIGIN, origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_origins_get_cors_answers_with_tokens_and_others_do_not() {
    const DASH: &str = "http://dash.example:5173";
    let app = spawn_app_with(&[
        (
            "TIQETS_API_CORS_ORIGINS",
            "http://other.example, http://dash.example:5173",
        ),
        ("TIQETS_API_READ_TOKEN", "cors-read"),
        ("TIQETS_API_TOKEN", "cors-write"),
    ])
    .await;
    app.seed(&Files::sample()).await;

    let res = preflight(&app, DASH).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], DASH);
    let allowed = res.headers()[ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap();
    assert!(allowed.contains("authorization"), "{allowed}");
    assert!(res
        .headers()
        .get(ACCESS_CONTROL_ALLOW_CREDENTIALS)
        .is_none());

    let res = preflight(&app, "http://evil.example").await;
    assert!(res.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    assert!(!res.status().is_success(), "{}", res.status());

    let get = |origin: &'static str, token: Option<&'static str>| {
        let mut req = app
            .client
            .get(app.url("/api/process?page=1"))
            .header(ORIGIN, origin);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let res = get(DASH, Some("cors-read")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], DASH);
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");
    // A refusal is readable by the page too, so it can ask for the token.
    let res = get(DASH, None).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], DASH);
    let res = get("http://evil.example", Some("cors-read")).await.unwrap();
    assert!(res.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());

    // The api's own origin (the bundled dashboard) is always allowed.
    let own = app.base.clone();
    let res = app
        .client
        .get(app.url("/api/batches"))
        .header(ORIGIN, own.as_str())
        .bearer_auth("cors-read")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_origin_is_a_wildcard_without_credentials_and_none_adds_nothing() {
    let app = spawn_app_with(&[("TIQETS_API_CORS_ORIGINS", "*")]).await;
    let res = preflight(&app, "http://anywhere.example").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert!(res
        .headers()
        .get(ACCESS_CONTROL_ALLOW_CREDENTIALS)
        .is_none());
    let res = app
        .client
        .get(app.url("/api/"))
        .header(ORIGIN, "http://anywhere.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");

    let plain = spawn_app().await;
    let res = plain
        .client
        .get(plain.url("/api/"))
        .header(ORIGIN, "http://anywhere.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_in_the_query_reaches_no_span_and_no_metric() {
    const SECRET: &str = "query-secret-5f2c9a";
    let spans = tiqets_telemetry::testing::in_memory_spans();
    let app = spawn_app_with(&[("TIQETS_API_READ_TOKEN", SECRET)]).await;
    // Honoured on the event stream (which cannot send headers) …
    let res = app
        .client
        .get(app.url(&format!("/api/events?access_token={SECRET}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    drop(res);
    // … and nowhere else, in any spelling.
    for query in [
        format!("access_token={SECRET}"),
        format!("page=1&%61ccess_token={SECRET}&per_page=5"),
    ] {
        let res = app
            .client
            .get(app.url(&format!("/api/batches?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{query}");
    }
    let res = app
        .client
        .get(app.url("/api/batches?page=1&per_page=5"))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert!(!metrics.text().await.unwrap().contains(SECRET));
    // Request spans end as their answers are sent; the event stream's when it closes.
    let deadline = Instant::now() + Duration::from_secs(10);
    let targets = loop {
        let finished = spans.get_finished_spans().unwrap_or_default();
        let mine: Vec<_> = finished
            .iter()
            .filter(|s| {
                s.attributes.iter().any(|kv| {
                    kv.key.as_str() == "http.host" && app.base.ends_with(kv.value.as_str().as_ref())
                })
            })
            .collect();
        for span in &mine {
            for kv in &span.attributes {
                assert!(
                    !kv.value.as_str().contains(SECRET),
                    "span {} has the token in {}",
                    span.name,
                    kv.key
                );
            }
        }
        let targets: Vec<String> = mine
            .iter()
            .flat_map(|s| &s.attributes)
            .filter(|kv| kv.key.as_str() == "http.target")
            .map(|kv| kv.value.as_str().to_string())
            .collect();
        if targets.len() >= 4 || Instant::now() > deadline {
            break targets;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        targets.contains(&"/api/batches".to_string())
            && targets.contains(&"/api/batches?page=1&per_page=5".to_string()),
        "the spans record the query without the token: {targets:?}"
    );
}
