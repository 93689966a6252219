//! Batches through the whole pipeline give exactly the command line's result.

use crate::support::*;
use std::time::Duration;
use tiqets_e2e::stored::stored;
use tiqets_e2e::{Service, Stack};
use tiqets_testkit::expected::expected;
use tiqets_testkit::{TestDatabase, TestNamespace};

const DEADLINE: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_dropped_into_the_folder_completes_with_exactly_the_cli_result() {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    let health: Vec<(Service, u16)> = Service::ALL.iter().map(|&s| (s, free_port())).collect();
    for &(service, port) in &health {
        stack.set_service_env(service, "TIQETS_HEALTH_ADDR", &format!("127.0.0.1:{port}"));
        stack.set_service_env(service, &budget_var(service), &BUDGET.to_string());
    }
    stack.start_all(1);
    let (orders, barcodes, batch) = sample_completed(db.pool(), &stack, None, DEADLINE).await;
    let want = expected(&orders, &barcodes);
    // Each consumer's /metrics counted its message, its rows and its handling time.
    let port = |s: Service| health.iter().find(|(h, _)| *h == s).unwrap().1;
    for (service, stage) in [
        (Service::Validator, "validate"),
        (Service::Merger, "merge"),
        (Service::Persister, "persist"),
    ] {
        let acked =
            format!("tiqets_consumer_messages_total{{outcome=\"acked\",stage=\"{stage}\"}}");
        // The ack follows the batch's completion in PostgreSQL by a moment.
        let timed = format!("tiqets_consumer_handle_duration_seconds_count{{stage=\"{stage}\"}}");
        let m = scrape_until(port(service), |m| {
            metric(m, &acked) >= 1.0 && metric(m, &timed) >= 1.0
        })
        .await;
        assert_eq!(metric(&m, &acked), 1.0, "{service:?} {acked}: {m:?}");
        let rows = format!("tiqets_consumer_rows_total{{stage=\"{stage}\"}}");
        assert!(metric(&m, &rows) > 0.0, "{service:?} {rows}: {m:?}");
        assert_eq!(metric(&m, &timed), 1.0, "{service:?} {timed}");
        let failures = format!("tiqets_consumer_failures_total{{stage=\"{stage}\"}}");
        assert_eq!(metric(&m, &failures), 0.0, "{service:?} {failures}");
        let lag = format!("tiqets_consumer_pending{{stage=\"{stage}\"}}");
        assert!(m.iter().any(|(s, _)| *s == lag), "{service:?} has no {lag}");
    }
    // The status recorder consumed the batch's status events.
    let recorded = "tiqets_consumer_messages_total{outcome=\"acked\",stage=\"status\"}";
    let m = scrape_until(port(Service::Persister), |m| metric(m, recorded) >= 5.0).await;
    assert!(metric(&m, recorded) >= 5.0, "{recorded}: {m:?}");
    let issues: f64 = m
        .iter()
        .filter(|(s, _)| s.starts_with("tiqets_batch_issues_total{"))
        .map(|(_, v)| v)
        .sum();
    let want_issues = want.issues_csv.lines().count() - 1;
    assert_eq!(issues, want_issues as f64, "issues by code: {m:?}");
    assert_eq!(stored(db.pool(), &batch).await, want);
    // Inputs were archived, not lost; the input folder is empty again.
    assert_written_and_archived(&stack, &batch, &want);
    assert!(files_under(&stack.input()).is_empty());
    // Each service kept to the memory budget it was given, and says so at /metrics.
    for &(service, port) in &health {
        let m = scrape(port);
        let budget = metric(&m, "tiqets_memory_budget_bytes");
        assert_eq!(budget, BUDGET as f64, "{service:?}: {m:?}");
        let peak = metric(&m, "tiqets_memory_peak_bytes");
        assert!(peak > 0.0 && peak <= budget, "{service:?}: peak {peak}");
        let over = metric(&m, "tiqets_memory_over_budget_total");
        assert_eq!(over, 0.0, "{service:?}\n{}", stack.logs());
    }
}

/// The memory budget each service of the sample run gets: a quarter of the merger's default
/// and half the validator's, above every service's floor.
const BUDGET: u64 = 128 << 20;

/// `TIQETS_<SERVICE>_MEMORY_BYTES` (docs/operations.md, "Memory budgets").
fn budget_var(service: Service) -> String {
    let name = service
        .binary()
        .trim_start_matches("tiqets-")
        .to_uppercase();
    format!("TIQETS_{name}_MEMORY_BYTES")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_of_every_service_process_a_generated_batch_once() {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    stack.start_all(2);
    let data = stack.dir.path().join("data");
    let (orders, barcodes) = generated(&data, 20_000, 7);
    let batch = batch_id(&orders, &barcodes).await;
    stack.drop_pair(Some("export-1"), &orders, &barcodes);

    wait_status(db.pool(), &stack, &batch, &["completed"], DEADLINE).await;
    let want = expected(&orders, &barcodes);
    let codes_present = want
        .issues_csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().to_string());
    let codes: std::collections::BTreeSet<String> = codes_present.collect();
    assert_eq!(
        codes.len(),
        10,
        "the data holds every issue kind: {codes:?}"
    );
    assert_eq!(stored(db.pool(), &batch).await, want);
    let (processed, issues) = output_files(&stack, &batch);
    assert_eq!(processed, want.processed_orders_csv);
    assert_eq!(issues, want.issues_csv);
    // Each stage ran once: one event per status.
    let events = status_events(ns.nats_url(), ns.name(), &batch).await;
    let mut seen = events.clone();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "received",
            "validating",
            "merging",
            "persisting",
            "completed"
        ],
        "{events:?}"
    );
    for s in ["received", "completed"] {
        assert_eq!(
            events.iter().filter(|e| *e == s).count(),
            1,
            "{s} in {events:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_missing_a_column_fails_its_batch_with_the_reason_and_keeps_earlier_batches() {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    stack.start_all(1);
    let (_, _, good) = sample_completed(db.pool(), &stack, Some("good"), DEADLINE).await;
    let before = stored(db.pool(), &good).await;

    let bad_dir = stack.dir.path().join("bad");
    std::fs::create_dir_all(&bad_dir).unwrap();
    std::fs::write(bad_dir.join("orders.csv"), "order_id,client_id\n1,2\n").unwrap();
    std::fs::write(bad_dir.join("barcodes.csv"), "barcode,order_id\n11,1\n").unwrap();
    let (bo, bb) = (bad_dir.join("orders.csv"), bad_dir.join("barcodes.csv"));
    let bad = batch_id(&bo, &bb).await;
    stack.drop_pair(Some("bad"), &bo, &bb);
    let (_, reason) = wait_status(db.pool(), &stack, &bad, &["failed"], DEADLINE).await;
    let reason = reason.unwrap_or_default();
    assert!(reason.contains("orders.csv"), "{reason}");
    assert!(
        reason.contains("missing required column `customer_id`"),
        "{reason}"
    );
    assert_eq!(stored(db.pool(), &bad).await.orders_written, 0);

    // Binary garbage is a failed batch too.
    let junk_dir = stack.dir.path().join("junk");
    std::fs::create_dir_all(&junk_dir).unwrap();
    std::fs::write(
        junk_dir.join("orders.csv"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe",
    )
    .unwrap();
    std::fs::write(junk_dir.join("barcodes.csv"), "barcode,order_id\n11,1\n").unwrap();
    let (jo, jb) = (junk_dir.join("orders.csv"), junk_dir.join("barcodes.csv"));
    let junk = batch_id(&jo, &jb).await;
    stack.drop_pair(Some("junk"), &jo, &jb);
    let (_, reason) = wait_status(db.pool(), &stack, &junk, &["failed"], DEADLINE).await;
    assert!(reason.unwrap_or_default().contains("orders.csv"));

    assert_eq!(
        stored(db.pool(), &good).await,
        before,
        "the earlier batch is untouched"
    );
    let (status, _) = tiqets_e2e::stored::status(db.pool(), &good).await.unwrap();
    assert_eq!(status, "completed");
}
