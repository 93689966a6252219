//! Health, readiness, metrics, the OpenAPI document, request ids, JSON errors everywhere,
//! and the dashboard's static files.

use crate::support::{assert_code, assert_error, spawn_app, spawn_app_with, Files};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_answer_and_readiness_sees_the_database_go() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/healthz").await,
        (
            StatusCode::OK,
            json!({"status": "success", "data": {"status": "ok"}})
        )
    );
    assert_eq!(
        app.get("/readyz").await,
        (
            StatusCode::OK,
            json!({"status": "success", "data": {"postgres": "ok", "nats": "ok"}})
        )
    );

    // The database disappears under the running api.
    let (url, name) = (
        tiqets_testkit::ensure_services().postgres_url.clone(),
        app.db.name().to_string(),
    );
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(
        body,
        json!({"status": "error", "code": "unavailable", "message": "not ready: PostgreSQL not reachable"})
    );
    assert_eq!(app.get("/healthz").await.0, StatusCode::OK);
    let (status, body) = app.get("/api/batches").await;
    assert!(status.is_server_error(), "{status} {body}");
    let message = assert_error(&body);
    let code = if status == StatusCode::SERVICE_UNAVAILABLE {
        "unavailable"
    } else {
        "internal"
    };
    assert_eq!(body["code"], code, "{status} {body}");
    assert!(
        !message.contains(&name),
        "no database details leak: {message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_pattern_and_status() {
    let app = spawn_app().await;
    app.seed(&Files::sample()).await;
    app.get("/api/orders/1").await;
    app.get("/api/orders/2").await;
    app.get("/api/orders/abc").await;
    app.get("/api/nowhere").await;
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    let count = |labels: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with(&format!("http_requests_total{{{labels}}}")))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let ok = count(r#"method="GET",route="/api/orders/{customer_id}",status="200""#);
    let missing = count(r#"method="GET",route="/api/orders/{customer_id}",status="404""#);
    assert_eq!(ok + missing, 2, "{text}");
    assert_eq!(
        count(r#"method="GET",route="/api/orders/{customer_id}",status="400""#),
        1,
        "{text}"
    );
    assert_eq!(
        count(r#"method="GET",route="unmatched",status="404""#),
        1,
        "{text}"
    );
    assert!(text.contains(
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/orders/{customer_id}\""
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_covers_every_endpoint_and_its_errors() {
    let app = spawn_app().await;
    let (status, doc) = app.get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let mut want = vec![
        ("/api/", "get"),
        ("/api/process", "get"),
        ("/api/customers/top", "get"),
        ("/api/barcodes/unused", "get"),
        ("/api/orders/{customer_id}", "get"),
        ("/api/batches", "get"),
        ("/api/batches", "post"),
        ("/api/batches/{batch_id}", "get"),
        ("/api/batches/{batch_id}", "delete"),
        ("/api/batches/{batch_id}/orders", "get"),
        ("/api/batches/{batch_id}/issues", "get"),
        ("/api/batches/{batch_id}/customers/top", "get"),
        ("/api/batches/{batch_id}/barcodes/unused", "get"),
        ("/api/batches/{batch_id}/processed_orders.csv", "get"),
        ("/api/batches/{batch_id}/issues.csv", "get"),
        ("/api/batches/{batch_id}/orders/{order_id}", "get"),
        ("/api/batches/{batch_id}/changes", "get"),
        ("/api/batches/{batch_id}/changes/orders", "get"),
        ("/api/batches/{batch_id}/changes/barcodes", "get"),
        ("/api/batches/{batch_id}/changes/customers", "get"),
        ("/api/batches/{batch_id}/changes/orders.csv", "get"),
        ("/api/batches/{batch_id}/changes/barcodes.csv", "get"),
        ("/api/batches/{batch_id}/changes/customers.csv", "get"),
        ("/api/batches/{batch_id}/retry", "post"),
        ("/api/barcodes/{barcode}", "get"),
        ("/api/barcodes/{barcode}/history", "get"),
        ("/api/events", "get"),
        ("/api/openapi.json", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ];
    let mut got: Vec<(&str, &str)> = paths
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (p.as_str(), m.as_str()))
        })
        .filter(|(_, m)| *m != "parameters")
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    for (path, method) in &want {
        let responses = paths[*path][*method]["responses"].as_object().unwrap();
        if path.starts_with("/api/") && !["/api/", "/api/openapi.json"].contains(path) {
            for code in ["401", "500", "503"] {
                assert!(
                    responses.contains_key(code),
                    "{method} {path} documents {code}"
                );
            }
            let error = &responses["401"]["content"]["application/json"]["schema"]["$ref"];
            assert_eq!(error, "#/components/schemas/ErrorBody");
        }
        if path.contains('{') || paths[*path][*method]["parameters"].is_array() {
            assert!(
                responses.contains_key("400"),
                "{method} {path} documents 400"
            );
        }
    }
    for path in [
        "/api/batches/{batch_id}/orders",
        "/api/batches/{batch_id}/issues.csv",
        "/api/batches/{batch_id}/changes",
        "/api/barcodes/{barcode}",
    ] {
        let responses = paths[path]["get"]["responses"].as_object().unwrap();
        assert!(
            responses.contains_key("404") && responses.contains_key("409"),
            "{path}"
        );
    }
    let upload = paths["/api/batches"]["post"]["responses"]
        .as_object()
        .unwrap();
    for code in ["200", "202", "400", "413", "415"] {
        assert!(upload.contains_key(code), "upload documents {code}");
    }
    let codes = &doc["components"]["schemas"]["ErrorCode"]["enum"];
    assert_eq!(codes.as_array().unwrap().len(), 17, "{codes}");
    for code in [
        "invalid_parameter",
        "no_completed_batch",
        "batch_not_completed",
        "no_previous_batch",
        "batch_in_use",
    ] {
        assert!(codes.as_array().unwrap().contains(&json!(code)), "{codes}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_has_a_request_id_and_every_error_is_json() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let other = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), id);

    let res = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers().contains_key("x-request-id"));
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"status": "error", "code": "not_found", "message": "no such resource: GET /nope (the API is described at /api/openapi.json)"})
    );

    let res = app
        .client
        .delete(app.url("/api/customers/top"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers()["allow"], "GET");
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"status": "error", "code": "method_not_allowed", "message": "method DELETE is not allowed on /api/customers/top; allowed: GET"})
    );

    let (status, body) = app.get("/api/barcodes/unused?page=1&page=2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(assert_code(&body, "invalid_parameter").starts_with("invalid query string:"));
    let (status, body) = app.get("/api/batches/%FF").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_code(&body, "invalid_parameter");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_is_served_with_its_routes_falling_back_to_index_html() {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(web.path().join("index.html"), "<html>dashboard</html>").unwrap();
    std::fs::write(web.path().join("app.js"), "console.log(1)").unwrap();
    let app = spawn_app_with(&[("TIQETS_WEB_DIR", web.path().to_str().unwrap())]).await;
    let text = |path: &'static str| {
        let app = &app;
        async move {
            let res = app.client.get(app.url(path)).send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    assert_eq!(
        text("/").await,
        (StatusCode::OK, "<html>dashboard</html>".into())
    );
    assert_eq!(
        text("/app.js").await,
        (StatusCode::OK, "console.log(1)".into())
    );
    assert_eq!(
        text("/batches/b123").await,
        (StatusCode::OK, "<html>dashboard</html>".into())
    );
    let (status, body) = app.get("/api/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_code(&body, "not_found");
    // actix-files' own refusal (416 for a range past the end) gets the envelope too.
    let res = app
        .client
        .get(app.url("/app.js"))
        .header("range", "bytes=1000-2000")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"status": "error", "code": "invalid_request", "message": "range not satisfiable"})
    );
    assert_eq!(app.get("/healthz").await.0, StatusCode::OK);
}
