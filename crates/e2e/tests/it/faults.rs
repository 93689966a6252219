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
pub(crate) fn big_pair() -> &'static (PathBuf, PathBuf, Expected) {
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

/// `tiqets-admin` with `args`, on `ns` and `db`: its exit status and what it printed.
fn admin(ns: &TestNamespace, db: &TestDatabase, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(tiqets_e2e::stack::binary("tiqets-admin"))
        .args(args)
        .env("NATS_URL", ns.nats_url())
        .env("TIQETS_NAMESPACE", ns.name())
        .env("DATABASE_URL", db.url())
        .output()
        .expect("tiqets-admin runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merger_killed_on_every_delivery_fails_its_batch_in_time_and_a_retry_completes_it() {
    let (orders, barcodes, want) = big_pair();
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    let (ack_wait, max_deliver) = (2u64, 3u64);
    stack.set_env("TIQETS_ACK_WAIT_SECS", &ack_wait.to_string());
    stack.set_env("TIQETS_MAX_DELIVER", &max_deliver.to_string());
    stack.start_all(1);
    let batch = batch_id(orders, barcodes).await;
    stack.drop_pair(Some("poison"), orders, barcodes);

    // The merger dies on every delivery of the batch's merge work it gets to work on (as
    // if it ran out of memory each time): the test kills it as soon as the server shows the
    // work delivered to it, and restarts it.
    let names = tiqets_contract::Names::new(ns.name());
    let js = async_nats::jetstream::new(async_nats::connect(ns.nats_url()).await.unwrap());
    let mut killed = 0;
    let mut first_delivery = None;
    let watching = std::time::Instant::now();
    while killed < max_deliver - 1 {
        assert!(watching.elapsed() < DEADLINE, "{}", stack.logs());
        let info = async {
            let stream = js.get_stream(names.work_stream()).await.ok()?;
            let mut consumer: async_nats::jetstream::consumer::PullConsumer = stream
                .get_consumer(tiqets_contract::Stage::Merge.consumer())
                .await
                .ok()?;
            consumer.info().await.ok().cloned()
        }
        .await;
        if let Some(info) = info {
            if info.num_ack_pending > 0 && info.delivered.consumer_sequence > killed {
                first_delivery.get_or_insert_with(std::time::Instant::now);
                stack.kill9(Service::Merger);
                stack.start(Service::Merger);
                killed = info.delivered.consumer_sequence;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, reason) = wait_status(db.pool(), &stack, &batch, &["failed"], DEADLINE).await;
    let took = first_delivery.unwrap().elapsed();
    let limit = Duration::from_secs(2 * max_deliver * ack_wait);
    assert!(took <= limit, "failed after {took:?}, more than {limit:?}");
    let reason = reason.unwrap_or_default();
    assert!(
        reason.starts_with("merge stage: interrupted 2 times"),
        "{reason}"
    );

    // The cause removed (the merger is left alone now): a retry completes the batch, exactly.
    let (ok, said) = admin(&ns, &db, &["retry", &batch]);
    assert!(ok, "{said}");
    assert!(said.contains("attempt 2"), "{said}");
    // Still recorded failed until the new attempt's `received` is.
    let retried = std::time::Instant::now();
    while tiqets_e2e::stored::status(db.pool(), &batch)
        .await
        .map(|s| s.0)
        == Some("failed".into())
    {
        assert!(retried.elapsed() < DEADLINE, "{}", stack.logs());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_status(db.pool(), &stack, &batch, &["completed"], DEADLINE).await;
    assert_eq!(&stored(db.pool(), &batch).await, want);
    let (processed, issues) = output_files(&stack, &batch);
    assert_eq!(processed, want.processed_orders_csv);
    assert_eq!(issues, want.issues_csv);
    // Completed: not retried again.
    let (ok, said) = admin(&ns, &db, &["retry", &batch]);
    assert!(
        !ok && said.contains("only a failed batch is retried"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pair_dropped_again_after_its_batch_was_deleted_is_processed_again() {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    stack.start_all(1);
    let (orders, barcodes, batch) =
        sample_completed(db.pool(), &stack, Some("first"), DEADLINE).await;
    // Deleted (the status stream still remembers it as completed).
    let (ok, said) = admin(&ns, &db, &["delete-batch", "--force", &batch]);
    assert!(ok, "{said}");
    stack.drop_pair(Some("again"), &orders, &barcodes);
    wait_status(db.pool(), &stack, &batch, &["completed"], DEADLINE).await;
    let record = tiqets_store::queries::batch(db.pool(), &batch)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.attempt, 2, "processed again, as the next attempt");
    let want = expected(&orders, &barcodes);
    assert_eq!(stored(db.pool(), &batch).await, want);
}
