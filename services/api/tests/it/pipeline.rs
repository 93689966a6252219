//! The whole way: an upload through the real validator, merger and persister (run in this
//! process) to a completed batch the api serves with exactly the CLI's results.

use crate::sse::Sse;
use crate::support::{spawn_app, Files};

use serde_json::{json, Value};
use std::time::Duration;
use tiqets_contract::BatchStatus;
use tiqets_testkit::{eventually, joined};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_completes_through_the_pipeline_and_is_served_with_the_cli_results() {
    let app = spawn_app().await;
    let out = tempfile::tempdir().unwrap();
    let (ns, shutdown) = (&app.ns, app.shutdown.clone());
    let validator = tokio::spawn(tiqets_validator::run(
        tiqets_validator::Settings {
            common: tiqets_config::Common::new(ns.nats_url(), ns.name()),
            chunk_bytes: 4096,
            inflight: 4,
            drain_timeout: Duration::from_secs(2),
            health: tiqets_config::HealthAddr::Off,
            issue_limit: tiqets_domain::IssueLimit::DEFAULT,
            memory: tiqets_validator::Settings::default().memory,
        },
        tiqets_telemetry::health::Readiness::new(),
        shutdown.clone(),
    ));
    let merger = tokio::spawn(tiqets_merger::run(
        tiqets_merger::Settings {
            common: tiqets_config::Common::new(ns.nats_url(), ns.name()),
            chunk_wait: Duration::from_secs(5),
            drain_timeout: Duration::from_secs(2),
            health: tiqets_config::HealthAddr::Off,
            memory_bytes: tiqets_merger::settings::DEFAULT_MEMORY_BYTES,
        },
        tiqets_telemetry::health::Readiness::new(),
        shutdown.clone(),
    ));
    let persister = tokio::spawn(tiqets_persister::run(
        tiqets_persister::Settings {
            common: tiqets_config::Common::new(ns.nats_url(), ns.name()),
            database_url: app.db.url().to_string(),
            output_dir: out.path().to_path_buf(),
            db_pool_size: tiqets_persister::settings::MIN_DB_POOL_SIZE,
            retention: Default::default(),
            watchdog: Default::default(),
            health: tiqets_config::HealthAddr::Off,
            memory: tiqets_config::MemoryBudget::new(
                tiqets_persister::settings::MEMORY_VAR,
                tiqets_persister::settings::DEFAULT_MEMORY_BYTES,
            ),
        },
        tiqets_telemetry::health::Readiness::new(),
        shutdown.clone(),
    ));

    let mut events = Sse::new(app.client.get(app.url("/api/events")).send().await.unwrap());
    events.frame(Duration::from_secs(5)).await.unwrap();
    let files = Files::sample();
    let form = files.form().text("name", "through");
    let res = app.post_batch(form).await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    let id = body["data"]["batch_id"].as_str().unwrap().to_string();
    assert_eq!(id, files.batch_id().to_string());

    // Live progress: every stage of this batch, in lifecycle order.
    let mut stages = Vec::new();
    while stages.last() != Some(&BatchStatus::Completed) {
        let (_, event) = events.status(Duration::from_secs(60)).await;
        assert_eq!(event.batch_id.as_str(), id);
        assert_ne!(event.status, BatchStatus::Failed, "{:?}", event.reason);
        if stages.last() != Some(&event.status) {
            stages.push(event.status);
        }
    }
    assert_eq!(
        stages,
        [
            BatchStatus::Received,
            BatchStatus::Validating,
            BatchStatus::Merging,
            BatchStatus::Persisting,
            BatchStatus::Completed
        ]
    );

    // Completed in PostgreSQL and listed.
    let batch = eventually(Duration::from_secs(30), || async {
        let (_, body) = app.get(&format!("/api/batches/{id}")).await;
        (body["data"]["status"] == "completed").then_some(body["data"].clone())
    })
    .await;
    assert_eq!(batch["name"], "through");
    let listed = app.data("/api/batches").await;
    assert_eq!(listed["batches"][0]["id"], id.as_str());
    assert_eq!(listed["batches"][0]["status"], "completed");

    // The CLI's results.
    let outcome = files.outcome();
    let top: Vec<Value> = outcome
        .top_customers(5)
        .iter()
        .map(|c| json!({"customer_id": c.customer_id, "ticket_count": c.tickets}))
        .collect();
    assert_eq!(app.data("/api/customers/top").await, Value::Array(top));
    let unused = app.data("/api/barcodes/unused?per_page=1000").await;
    assert_eq!(unused["count"], outcome.unused_count());
    let want_unused: Vec<Value> = files
        .unused_with_lines()
        .into_iter()
        .map(|(b, line)| json!({"barcode": b, "order_id": null, "line": line}))
        .collect();
    assert_eq!(unused["barcodes"], Value::Array(want_unused));
    let (processed, issues) = files.expected_csv();
    let get = |path: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url(&path))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        get(format!("/api/batches/{id}/processed_orders.csv")).await,
        processed
    );
    assert_eq!(get(format!("/api/batches/{id}/issues.csv")).await, issues);
    assert_eq!(batch["counts"]["orders_written"], outcome.orders_written());
    assert_eq!(batch["counts"]["issues"], outcome.issues().len());

    shutdown.cancel();
    for service in [validator, merger] {
        joined(service, Duration::from_secs(15), "the service stops").await;
    }
    joined(persister, Duration::from_secs(30), "the persister stops")
        .await
        .unwrap();
}
