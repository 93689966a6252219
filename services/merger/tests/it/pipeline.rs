use crate::support::{cli, sample, stopped, Env};
use std::time::Duration;
use tiqets_contract::{BatchStatus, PersistWork, ResultFile};
use tiqets_testkit::{eventually, joined, TestDatabase};
use tokio_util::sync::CancellationToken;

/// The sample with one extra order, so that this test's batch id (and trace) is its own.
fn unique_sample() -> (Vec<u8>, Vec<u8>) {
    let (mut orders, barcodes) = sample();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    orders.extend_from_slice(format!("{},1\n", 1_000_000_000_000u64 + nanos as u64).as_bytes());
    (orders, barcodes)
}

#[tokio::test]
async fn the_services_turn_the_sample_into_exactly_the_cli_results_in_one_trace() {
    let spans = tiqets_telemetry::testing::in_memory_spans();
    let env = Env::new().await;
    let shutdown = CancellationToken::new();
    let running = env.spawn_stages(&shutdown);
    let (orders, barcodes) = unique_sample();
    let work = env.put_batch("sample", &orders, &barcodes).await;

    let persist: PersistWork = eventually(Duration::from_secs(30), || async {
        env.queued::<PersistWork>(&env.names().work_persist())
            .await
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(persist.batch, work.batch);
    assert_eq!(persist.inputs, work.inputs);

    let want = cli(&orders, &barcodes);
    let results = env.results(&persist).await;
    assert_eq!(results.get(ResultFile::ProcessedOrders), want.processed);
    assert_eq!(results.get(ResultFile::Issues), want.issues);
    let top: Vec<(u64, u64)> = persist
        .top_customers
        .iter()
        .map(|c| (c.customer_id, c.tickets))
        .collect();
    assert_eq!(top, want.top);
    let c = &persist.counts;
    assert_eq!(c.unused_barcodes, want.unused);
    assert_eq!(c.orders_written, want.outcome.orders_written());
    assert_eq!(c.tickets, want.outcome.tickets());
    assert_eq!(c.customers, want.outcome.customers());
    assert_eq!(c.issues, want.outcome.issues().len() as u64);
    assert!(c.order_rows > 0 && c.barcode_rows > 0);

    // The table data: every unused barcode with its barcodes.csv line, in file order.
    let unused: Vec<String> = results
        .get(ResultFile::UnusedBarcodes)
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    let want_unused: Vec<String> = want
        .outcome
        .unused_with_lines()
        .map(|(b, line)| format!("{b},{line}"))
        .collect();
    assert_eq!(unused, want_unused);

    let status = env
        .bus
        .last_status(&work.batch.batch_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.status, BatchStatus::Merging);

    // One trace: the validator's and the merger's handling continue the publisher's.
    let id = work.batch.batch_id.to_string();
    let (root, stages) = eventually(Duration::from_secs(10), || async {
        let all = tiqets_telemetry::testing::spans_with(&spans, "batch_id", &id);
        let root: Vec<_> = all.iter().filter(|s| s.name == "batch").collect();
        let stage = |name: &str| {
            all.iter().any(|s| {
                s.name == "handle"
                    && s.attributes
                        .iter()
                        .any(|kv| kv.key.as_str() == "stage" && kv.value.as_str() == name)
            })
        };
        (root.len() == 1 && stage("validate") && stage("merge"))
            .then(|| (root[0].span_context.trace_id(), all.clone()))
    })
    .await;
    for span in &stages {
        assert_eq!(
            span.span_context.trace_id(),
            root,
            "span {} in the batch's trace",
            span.name
        );
    }

    shutdown.cancel();
    stopped(running).await;
}

#[tokio::test]
async fn a_batch_goes_from_validation_to_completed_in_postgres_with_the_cli_output() {
    let env = Env::new().await;
    let db = TestDatabase::create().await;
    let out = tempfile::tempdir().unwrap();
    let shutdown = CancellationToken::new();
    let running = env.spawn_stages(&shutdown);
    let persister_settings = tiqets_persister::Settings {
        common: tiqets_config::Common::new(env.ns.nats_url(), env.ns.name()),
        database_url: db.url().to_string(),
        output_dir: out.path().to_path_buf(),
        db_pool_size: tiqets_persister::settings::MIN_DB_POOL_SIZE,
        retention: Default::default(),
        watchdog: Default::default(),
        health: tiqets_config::HealthAddr::Off,
        memory: tiqets_config::MemoryBudget::new(
            tiqets_persister::settings::MEMORY_VAR,
            tiqets_persister::settings::DEFAULT_MEMORY_BYTES,
        ),
    };
    let persister = tokio::spawn(tiqets_persister::run(
        persister_settings,
        tiqets_telemetry::health::Readiness::new(),
        shutdown.clone(),
    ));

    let (orders, barcodes) = sample();
    let work = env.put_batch("sample", &orders, &barcodes).await;
    let id = work.batch.batch_id.to_string();
    let record = eventually(Duration::from_secs(60), || async {
        let b = tiqets_store::queries::batch(db.pool(), &id).await.ok()??;
        (b.status == BatchStatus::Completed).then_some(b)
    })
    .await;

    let want = cli(&orders, &barcodes);
    let written =
        std::fs::read_to_string(out.path().join(&id).join("processed_orders.csv")).unwrap();
    assert_eq!(written, want.processed);
    let issues = std::fs::read_to_string(out.path().join(&id).join("issues.csv")).unwrap();
    assert_eq!(issues, want.issues);
    let counts = record.counts.expect("counts");
    assert_eq!(counts.unused_barcodes, want.unused);
    assert_eq!(counts.orders_written, want.outcome.orders_written());
    let top = tiqets_store::queries::top_customers(db.pool(), &id, 5)
        .await
        .unwrap();
    let top: Vec<(u64, u64)> = top.iter().map(|c| (c.customer_id, c.tickets)).collect();
    assert_eq!(top, want.top[..5]);

    shutdown.cancel();
    stopped(running).await;
    joined(persister, Duration::from_secs(30), "the persister stops")
        .await
        .unwrap();
}
