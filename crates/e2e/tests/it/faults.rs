//! Faults in the middle of a batch: `kill -9` of each service, a NATS restart, a
//! PostgreSQL restart. Each time the batch completes with exactly the undisturbed result,
//! no input file lost, no row duplicated.

use crate::support::*;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;
use tiqets_e2e::stored::stored;
use tiqets_e2e::{Service, Stack};
use tiqets_testkit::expected::{expected, Expected};
use tiqets_testkit::{OwnedNats, OwnedPostgres, TestDatabase, TestNamespace};

const DEADLINE: Duration = Duration::from_secs(240);

/// A batch big enough that every stage takes a moment (generated once per test process).
fn big_pair() -> &'static (PathBuf, PathBuf, Expected) {
    static PAIR: OnceLock<(PathBuf, PathBuf, Expected)> = OnceLock::new();
    PAIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tiqets-e2e-big-{}", std::process::id()));
        let (o, b) = generated(&dir, 60_000, 11);
        let want = expected(&o, &b);
        (o, b, want)
    })
}

async fn kill_mid_batch(victim: Service, stage: Option<&str>) {
    let (orders, barcodes, want) = big_pair();
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    stack.start_all(1);
    let batch = batch_id(orders, barcodes).await;
    stack.drop_pair(Some("big"), orders, barcodes);
    match stage {
        Some(stage) => {
            wait_status(db.pool(), &stack, &batch, &[stage], DEADLINE).await;
        }
        // The ingest: while it hashes and stores the files, just after the quiet period.
        None => tokio::time::sleep(Duration::from_millis(450)).await,
    }
    stack.kill9(victim);
    tokio::time::sleep(Duration::from_millis(300)).await;
    stack.start(victim);

    wait_status(db.pool(), &stack, &batch, &["completed"], DEADLINE).await;
    assert_eq!(&stored(db.pool(), &batch).await, want, "{victim:?} killed");
    assert_written_and_archived(&stack, &batch, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_ingest_while_it_publishes_loses_nothing() {
    kill_mid_batch(Service::Ingest, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_validator_mid_batch_loses_and_duplicates_nothing() {
    kill_mid_batch(Service::Validator, Some("validating")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_merger_mid_batch_loses_and_duplicates_nothing() {
    kill_mid_batch(Service::Merger, Some("merging")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_persister_mid_batch_loses_and_duplicates_nothing() {
    kill_mid_batch(Service::Persister, Some("persisting")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_nats_and_then_postgresql_mid_batch_still_completes_exactly() {
    let (orders, barcodes, want) = big_pair();
    let mut nats = OwnedNats::start().expect("a NATS server of our own");
    let pg = OwnedPostgres::start().expect("a PostgreSQL server of our own");
    let ns = TestNamespace::on(&nats.url());
    let db = TestDatabase::on(&pg.url(), true).await;
    let mut stack = Stack::new(ns.name(), &nats.url(), db.url());
    stack.start_all(1);
    let batch = batch_id(orders, barcodes).await;
    stack.drop_pair(Some("big"), orders, barcodes);

    wait_status(db.pool(), &stack, &batch, &["validating"], DEADLINE).await;
    nats.restart().expect("NATS restarts");
    wait_status(
        db.pool(),
        &stack,
        &batch,
        &["persisting", "completed"],
        DEADLINE,
    )
    .await;
    pg.restart().expect("PostgreSQL restarts");

    wait_status(db.pool(), &stack, &batch, &["completed"], DEADLINE).await;
    assert_eq!(&stored(db.pool(), &batch).await, want);
    let (processed, issues) = output_files(&stack, &batch);
    assert_eq!(processed, want.processed_orders_csv);
    assert_eq!(issues, want.issues_csv);
}
