//! Batches: the list, one batch and a completed batch's results (unfinished.rs has the
//! answers of batches that have none).

use crate::support::{running_and_failed, spawn_app, Files};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tiqets_contract::{BatchId, BatchStatus, StatusEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_shows_every_batch_newest_first_with_status_and_counts() {
    let app = spawn_app().await;
    let sample = app.seed(&Files::sample()).await;
    let (running, failed) = running_and_failed(&app).await;

    let data = app.data("/api/batches").await;
    assert_eq!(data["total"], 3);
    assert_eq!(
        (data["page"].clone(), data["per_page"].clone()),
        (json!(1), json!(100))
    );
    let ids: Vec<&str> = data["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [failed.as_str(), running.as_str(), sample.id.as_str()]);

    let completed = &data["batches"][2];
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["name"], "sample");
    assert_eq!(completed["attempt"], 1);
    assert!(completed["completed_at"].is_string());
    assert!(completed["received_at"].is_string());
    assert!(completed["failed_at"].is_null());
    let counts = &completed["counts"];
    assert_eq!(counts["orders_written"], sample.counts.orders_written);
    assert_eq!(counts["tickets"], sample.counts.tickets);
    assert_eq!(counts["unused_barcodes"], sample.counts.unused_barcodes);
    assert_eq!(counts["issues"], sample.counts.issues);
    assert_eq!(
        counts["issues_by_code"]["duplicate_barcode"],
        sample.counts.issues_by_code[&tiqets_domain::IssueCode::DuplicateBarcode]
    );
    let broken = &data["batches"][0];
    assert_eq!(broken["status"], "failed");
    assert_eq!(
        broken["reason"],
        "orders.csv: missing required column `customer_id`"
    );

    let second = app.data("/api/batches?page=2&per_page=1").await;
    assert_eq!(second["batches"].as_array().unwrap().len(), 1);
    assert_eq!(second["batches"][0]["id"], running);
    let past = app.data("/api/batches?page=4&per_page=1").await;
    assert_eq!(past["batches"], json!([]));
    assert_eq!(past["total"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_batch_by_id_or_latest_and_404_or_400_otherwise() {
    let app = spawn_app().await;
    let sample = app.seed(&Files::sample()).await;
    let by_id = app.data(&format!("/api/batches/{}", sample.id)).await;
    assert_eq!(by_id["id"], sample.id);
    assert_eq!(by_id["status"], "completed");
    assert_eq!(app.data("/api/batches/latest").await, by_id);

    assert_eq!(
        app.error("/api/batches/bnope", StatusCode::NOT_FOUND, "not_found")
            .await,
        "no batch with id bnope"
    );
    assert_eq!(
        app.error("/api/batches/a.b", StatusCode::BAD_REQUEST, "invalid_parameter").await,
        "`batch_id` must be a batch id (1-100 ASCII letters, digits, '-' or '_') or `latest`, not \"a.b\""
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_not_yet_recorded_is_answered_from_its_last_status_event() {
    let app = spawn_app().await;
    let id = BatchId::parse("bnotrecorded").unwrap();
    let event = StatusEvent::new(id.clone(), "fresh", BatchStatus::Received, 1);
    app.bus.publish_status(&event).await.unwrap();
    let batch = app.data("/api/batches/bnotrecorded").await;
    assert_eq!(batch["status"], "received");
    assert_eq!(batch["name"], "fresh");
    assert!(batch["received_at"].is_string());
    let message = app
        .error(
            "/api/batches/bnotrecorded/orders",
            StatusCode::CONFLICT,
            "batch_not_completed",
        )
        .await;
    assert!(
        message.contains("is received, not completed yet"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batchs_orders_come_in_output_order_a_page_at_a_time_or_for_one_customer() {
    let app = spawn_app().await;
    let files = Files::sample();
    let sample = app.seed(&files).await;
    let want: Vec<Value> = files
        .outcome()
        .rows()
        .map(|r| {
            let b: Vec<String> = r.barcodes().map(|b| b.to_string()).collect();
            json!({"customer_id": r.customer_id, "order_id": r.order_id, "barcodes": b})
        })
        .collect();

    let mut all = Vec::new();
    for page in 1.. {
        let data = app
            .data(&format!(
                "/api/batches/{}/orders?page={page}&per_page=50",
                sample.id
            ))
            .await;
        assert_eq!(data["total"], want.len());
        let orders = data["orders"].as_array().unwrap();
        if orders.is_empty() {
            break;
        }
        all.extend(orders.iter().cloned());
    }
    assert_eq!(all, want);
    // A page that starts mid-customer, and the page that holds the last row.
    let page = app
        .data(&format!(
            "/api/batches/{}/orders?page=3&per_page=7",
            sample.id
        ))
        .await;
    assert_eq!(page["orders"], Value::Array(want[14..21].to_vec()));
    let last = want.len().div_ceil(7);
    let page = app
        .data(&format!(
            "/api/batches/{}/orders?page={last}&per_page=7",
            sample.id
        ))
        .await;
    assert_eq!(
        page["orders"],
        Value::Array(want[(last - 1) * 7..].to_vec())
    );

    let customer = want[0]["customer_id"].as_u64().unwrap();
    let mine: Vec<Value> = want
        .iter()
        .filter(|o| o["customer_id"] == customer)
        .cloned()
        .collect();
    let data = app
        .data(&format!(
            "/api/batches/latest/orders?customer_id={customer}"
        ))
        .await;
    assert_eq!(data["orders"], Value::Array(mine.clone()));
    assert_eq!(data["total"], mine.len());
    let none = app
        .data("/api/batches/latest/orders?customer_id=9223372036854775807")
        .await;
    assert_eq!(
        none,
        json!({"orders": [], "page": 1, "per_page": 100, "total": 0})
    );
    assert_eq!(
        app.error(
            "/api/batches/latest/orders?customer_id=x",
            StatusCode::BAD_REQUEST,
            "invalid_parameter"
        )
        .await,
        "`customer_id` must be a whole number from 1 to 9223372036854775807, not \"x\""
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batchs_issues_are_the_report_filtered_by_code_and_file() {
    let app = spawn_app().await;
    let files = Files::sample();
    app.seed(&files).await;
    let outcome = files.outcome();
    let report: Vec<Value> = outcome
        .issues()
        .iter()
        .enumerate()
        .map(|(i, issue)| {
            json!({"seq": i + 1, "file": issue.file.as_str(), "line": issue.line,
                   "code": issue.code.as_str(), "message": issue.message})
        })
        .collect();
    assert!(report.len() > 5, "the sample has issues of every kind");

    let data = app.data("/api/batches/latest/issues?per_page=1000").await;
    assert_eq!(data["issues"], Value::Array(report.clone()));
    assert_eq!(data["total"], report.len());
    let page2 = app
        .data("/api/batches/latest/issues?page=2&per_page=2")
        .await;
    assert_eq!(page2["issues"], Value::Array(report[2..4].to_vec()));

    for code in [
        "duplicate_barcode",
        "order_without_barcodes",
        "extra_column",
    ] {
        let want: Vec<Value> = report
            .iter()
            .filter(|i| i["code"] == code)
            .cloned()
            .collect();
        assert!(!want.is_empty(), "the sample has {code}");
        let data = app
            .data(&format!(
                "/api/batches/latest/issues?code={code}&per_page=1000"
            ))
            .await;
        assert_eq!(data["issues"], Value::Array(want.clone()), "{code}");
        assert_eq!(data["total"], want.len());
    }
    let barcodes: Vec<Value> = report
        .iter()
        .filter(|i| i["file"] == "barcodes")
        .cloned()
        .collect();
    let data = app
        .data("/api/batches/latest/issues?file=barcodes&per_page=1000")
        .await;
    assert_eq!(data["issues"], Value::Array(barcodes.clone()));
    let both: Vec<Value> = barcodes
        .iter()
        .filter(|i| i["code"] == "unknown_order")
        .cloned()
        .collect();
    let data = app
        .data("/api/batches/latest/issues?file=barcodes&code=unknown_order&per_page=1")
        .await;
    assert_eq!(data["total"], both.len());
    assert_eq!(data["issues"], Value::Array(both[..1].to_vec()));

    // Filtered pages, page by page and past the end.
    for (query, want) in [
        ("file=barcodes", &barcodes),
        (
            "code=duplicate_barcode",
            &report
                .iter()
                .filter(|i| i["code"] == "duplicate_barcode")
                .cloned()
                .collect(),
        ),
    ] {
        for per_page in [1, 2] {
            let mut all = Vec::new();
            for page in 1..=want.len().div_ceil(per_page) + 1 {
                let data = app
                    .data(&format!(
                        "/api/batches/latest/issues?{query}&page={page}&per_page={per_page}"
                    ))
                    .await;
                let issues = data["issues"].as_array().unwrap();
                assert!(issues.len() <= per_page, "{query} {page}");
                all.extend(issues.iter().cloned());
            }
            assert_eq!(&all, want, "{query} per_page={per_page}");
        }
    }

    let message = app
        .error(
            "/api/batches/latest/issues?code=nope",
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        )
        .await;
    assert!(
        message.starts_with("`code` must be one of extra_column, malformed_row"),
        "{message}"
    );
    assert_eq!(
        app.error(
            "/api/batches/latest/issues?file=csv",
            StatusCode::BAD_REQUEST,
            "invalid_parameter"
        )
        .await,
        "`file` must be `orders` or `barcodes`, not \"csv\""
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batchs_top_customers_and_unused_barcodes_match_the_seed_endpoints() {
    let app = spawn_app().await;
    let sample = app.seed(&Files::sample()).await;
    for (batch_path, seed_path) in [
        ("customers/top?limit=7", "/api/customers/top?limit=7"),
        (
            "barcodes/unused?page=2&per_page=5",
            "/api/barcodes/unused?page=2&per_page=5",
        ),
    ] {
        let by_batch = app
            .data(&format!("/api/batches/{}/{batch_path}", sample.id))
            .await;
        assert_eq!(by_batch, app.data(seed_path).await, "{batch_path}");
    }
}
