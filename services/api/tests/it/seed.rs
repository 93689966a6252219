//! The seed's endpoints: same paths, parameters and envelope, for the current batch, with
//! the CLI's results.

use crate::support::{spawn_app, Files};
use reqwest::StatusCode;
use serde_json::{json, Value};

const NO_BATCH: &str = "no batch has completed yet: upload one with POST /api/batches or drop \
                        the files into the input folder";

fn top_json(files: &Files, n: usize) -> Value {
    let top: Vec<Value> = files
        .outcome()
        .top_customers(n)
        .iter()
        .map(|c| json!({"customer_id": c.customer_id, "ticket_count": c.tickets}))
        .collect();
    Value::Array(top)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_customers_are_the_clis_top_five_by_default_and_up_to_a_hundred() {
    let app = spawn_app().await;
    let sample = Files::sample();
    app.seed(&sample).await;

    let (status, body) = app.get("/api/customers/top").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"status": "success", "data": top_json(&sample, 5)})
    );
    assert_eq!(body["data"].as_array().unwrap().len(), 5);

    assert_eq!(
        app.data("/api/customers/top?limit=1").await,
        top_json(&sample, 1)
    );
    assert_eq!(
        app.data("/api/customers/top?limit=100").await,
        top_json(&sample, 100)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_of_0_101_or_abc_is_a_400_saying_what_is_allowed() {
    let app = spawn_app().await;
    app.seed(&Files::sample()).await;
    for bad in ["0", "101", "abc", "", "-3", "2.5"] {
        let (status, body) = app.get(&format!("/api/customers/top?limit={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "limit={bad}");
        assert_eq!(
            body,
            json!({"status": "error", "code": "invalid_parameter", "message": format!("`limit` must be a whole number from 1 to 100, not {bad:?}")})
        );
    }
    let message = app
        .error(
            "/api/customers/top?limit=1&limit=2",
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        )
        .await;
    assert!(message.starts_with("invalid query string:"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unused_barcodes_come_a_page_at_a_time_as_strings_with_a_null_order() {
    let app = spawn_app().await;
    let sample = Files::sample();
    app.seed(&sample).await;
    let want = sample.unused_with_lines();
    assert!(want.len() > 3, "the sample has unused barcodes");

    let first = app.data("/api/barcodes/unused?per_page=3").await;
    assert_eq!(first["count"], want.len());
    assert_eq!(first["total"], want.len());
    assert_eq!(first["page"], 1);
    assert_eq!(first["per_page"], 3);
    assert_eq!(
        first["barcodes"][0],
        json!({"barcode": want[0].0, "order_id": null, "line": want[0].1})
    );

    let mut all = Vec::new();
    for page in 1.. {
        let data = app
            .data(&format!("/api/barcodes/unused?page={page}&per_page=7"))
            .await;
        let items = data["barcodes"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        for item in items {
            assert!(item["barcode"].is_string(), "{item}");
            assert!(item["order_id"].is_null(), "{item}");
            all.push((
                item["barcode"].as_str().unwrap().to_string(),
                item["line"].as_u64().unwrap(),
            ));
        }
    }
    assert_eq!(all, want);

    let defaults = app.data("/api/barcodes/unused").await;
    assert_eq!(defaults["per_page"], 100);
    for (query, message) in [
        (
            "page=0",
            "`page` must be a whole number from 1 to 1000000000, not \"0\"",
        ),
        (
            "per_page=1001",
            "`per_page` must be a whole number from 1 to 1000, not \"1001\"",
        ),
        (
            "per_page=x",
            "`per_page` must be a whole number from 1 to 1000, not \"x\"",
        ),
    ] {
        let got = app
            .error(
                &format!("/api/barcodes/unused?{query}"),
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
            )
            .await;
        assert_eq!(got, message);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_orders_list_their_barcodes_as_strings_in_line_order() {
    let app = spawn_app().await;
    let sample = Files::sample();
    app.seed(&sample).await;
    let outcome = sample.outcome();
    // The customer with the most orders in the output.
    let mut per_customer = std::collections::BTreeMap::<u64, Vec<Value>>::new();
    for row in outcome.rows() {
        let barcodes: Vec<String> = row.barcodes().map(|b| b.to_string()).collect();
        per_customer.entry(row.customer_id).or_default().push(
            json!({"customer_id": row.customer_id, "order_id": row.order_id, "barcodes": barcodes}),
        );
    }
    let (customer, orders) = per_customer.iter().max_by_key(|(_, o)| o.len()).unwrap();
    let (status, body) = app.get(&format!("/api/orders/{customer}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "success", "data": orders}));

    let id = app.get("/api/batches/latest").await.1["data"]["id"].clone();
    let missing = (1..).find(|c| !per_customer.contains_key(c)).unwrap();
    assert_eq!(
        app.error(
            &format!("/api/orders/{missing}"),
            StatusCode::NOT_FOUND,
            "not_found"
        )
        .await,
        format!(
            "customer {missing} has no orders in the current batch ({})",
            id.as_str().unwrap()
        )
    );
    for bad in ["abc", "0", "-1", "9223372036854775808"] {
        assert_eq!(
            app.error(
                &format!("/api/orders/{bad}"),
                StatusCode::BAD_REQUEST,
                "invalid_parameter"
            )
            .await,
            format!(
                "`customer_id` must be a whole number from 1 to 9223372036854775807, not {bad:?}"
            )
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barcodes_keep_their_leading_zeros_and_ids_are_numbers() {
    let app = spawn_app().await;
    let files = Files::new(
        "zeros",
        "order_id,customer_id\n1,9223372036854775807\n",
        "barcode,order_id\n000123,1\n123,1\n0007,\n",
    );
    app.seed(&files).await;
    assert_eq!(
        app.data("/api/orders/9223372036854775807").await,
        json!([{"customer_id": 9223372036854775807_u64, "order_id": 1, "barcodes": ["000123", "123"]}])
    );
    assert_eq!(
        app.data("/api/barcodes/unused").await["barcodes"],
        json!([{"barcode": "0007", "order_id": null, "line": 4}])
    );
    assert_eq!(
        app.data("/api/customers/top").await,
        json!([{"customer_id": 9223372036854775807_u64, "ticket_count": 2}])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_completed_batch_the_seed_endpoints_say_so_with_404() {
    let app = spawn_app().await;
    for path in [
        "/api/customers/top",
        "/api/barcodes/unused",
        "/api/orders/1",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            body,
            json!({"status": "error", "code": "no_completed_batch", "message": NO_BATCH})
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_current_batch_is_the_one_completed_last() {
    let app = spawn_app().await;
    let first = Files::new(
        "first",
        "order_id,customer_id\n1,10\n",
        "barcode,order_id\nA1,1\n",
    );
    let second = Files::new(
        "second",
        "order_id,customer_id\n1,20\n",
        "barcode,order_id\nB1,1\nB2,1\n",
    );
    app.seed(&first).await;
    app.seed(&second).await;
    assert_eq!(
        app.data("/api/customers/top").await,
        json!([{"customer_id": 20, "ticket_count": 2}])
    );
    assert_eq!(
        app.data("/api/batches/latest").await["id"],
        second.batch_id().to_string()
    );
    app.error("/api/orders/10", StatusCode::NOT_FOUND, "not_found")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_completes_becomes_current_at_once() {
    let app = spawn_app().await;
    let first = Files::new(
        "one",
        "order_id,customer_id\n1,10\n",
        "barcode,order_id\nA1,1\n",
    );
    let second = Files::new(
        "two",
        "order_id,customer_id\n1,20\n",
        "barcode,order_id\nB1,1\n",
    );
    app.seed(&first).await;
    assert_eq!(app.data("/api/customers/top").await[0]["customer_id"], 10);

    // The persister commits, then publishes `completed`: the api hears it.
    app.seed(&second).await;
    let completed = tiqets_contract::StatusEvent::new(
        second.batch_id(),
        "two",
        tiqets_contract::BatchStatus::Completed,
        1,
    );
    app.bus.publish_status(&completed).await.unwrap();
    let start = std::time::Instant::now();
    tiqets_testkit::eventually(std::time::Duration::from_secs(2), || async {
        app.data("/api/customers/top").await[0]["customer_id"] == 20
    })
    .await;
    assert!(start.elapsed() < tiqets_api::cache::CURRENT_TTL);
}
