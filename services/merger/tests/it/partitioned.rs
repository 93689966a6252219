//! A batch too large for one merge step's memory budget is merged in partitions, each step
//! a message of the work queue: two replicas of the merger share the steps of one batch,
//! and the result files are the command line's, byte for byte.

use crate::support::{cli, Env};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tiqets_bus::consumer::{run_work_with, ConsumerOptions};
use tiqets_bus::{Bus, Outcome, WorkHandler};
use tiqets_contract::{MergeWork, PartObject, ResultFile, Stage};
use tiqets_merger::Merger;
use tokio_util::sync::CancellationToken;

/// A merger replica that counts the partition steps it takes, each after a pause (a step
/// of a batch of real size takes a while), so that the other replica's fetch gets the next.
struct Replica {
    merger: Merger,
    steps: Arc<AtomicU32>,
}

impl WorkHandler<MergeWork> for Replica {
    async fn handle(&self, work: MergeWork) -> Outcome {
        if !work.step.is_start() {
            self.steps.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.merger.merge(work).await
    }
}

/// A generated pair of `orders` orders, stored and validated as batch `name`: its files and
/// the merge work the validator sent.
async fn generated(
    env: &Env,
    name: &str,
    orders: u64,
    seed: u64,
    malformed: bool,
) -> (Vec<u8>, Vec<u8>, MergeWork) {
    let dir = tempfile::tempdir().unwrap();
    let opts = tiqets_datagen::GenOptions {
        orders,
        seed,
        malformed,
    };
    tiqets_datagen::generate(&opts, dir.path()).unwrap();
    let orders = std::fs::read(dir.path().join("orders.csv")).unwrap();
    let barcodes = std::fs::read(dir.path().join("barcodes.csv")).unwrap();
    let work = env.put_batch(name, &orders, &barcodes).await;
    let merge = env.validated(&work).await;
    (orders, barcodes, merge)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_the_partitions_of_a_batch_and_write_what_the_cli_writes() {
    let env = Env::new().await;
    let (orders, barcodes, merge) = generated(&env, "parts", 3000, 7, true).await;

    // A budget that holds a quarter of the batch: four partitions.
    const PARTS: u32 = 4;
    let input = (orders.len() + barcodes.len()) as u64;
    let per_part = input.div_ceil(u64::from(PARTS)) + 1;
    let settings = tiqets_merger::Settings {
        memory_bytes: per_part * tiqets_merger::partitioned::MEMORY_PER_INPUT_BYTE,
        ..env.merger_settings()
    };
    assert_eq!(
        tiqets_merger::partitioned::plan(&merge, settings.memory_bytes)
            .unwrap()
            .parts(),
        PARTS
    );

    env.bus.publish_work(&merge).await.unwrap();
    let shutdown = CancellationToken::new();
    let mut replicas = Vec::new();
    let mut counters = Vec::new();
    for name in ["replica-a", "replica-b"] {
        let bus = Bus::connect(env.ns.nats_url(), env.names().clone(), name)
            .await
            .unwrap();
        let steps = Arc::new(AtomicU32::new(0));
        counters.push(steps.clone());
        let replica = Replica {
            merger: Merger::new(bus.clone(), &settings),
            steps,
        };
        let options = ConsumerOptions {
            fetch_expires: Duration::from_millis(500),
            ..ConsumerOptions::work(env.names(), Stage::Merge)
        };
        let shutdown = shutdown.clone();
        replicas.push(tokio::spawn(async move {
            run_work_with(bus, &options, replica, shutdown).await
        }));
    }
    let persist =
        tiqets_testkit::eventually(Duration::from_secs(60), || env.persist_work(&merge)).await;
    shutdown.cancel();
    for r in replicas {
        tiqets_testkit::joined(r, Duration::from_secs(10), "the replica stops").await;
    }

    let steps: Vec<u32> = counters.iter().map(|c| c.load(Ordering::SeqCst)).collect();
    assert!(
        steps.iter().all(|&n| n > 0),
        "each replica took some of the steps: {steps:?}"
    );
    assert!(
        steps.iter().sum::<u32>() > 2 * PARTS,
        "a barcode and an order step per partition, and the combine: {steps:?}"
    );

    let results = env.results(&persist).await;
    let want = cli(&orders, &barcodes);
    assert_eq!(results.get(ResultFile::ProcessedOrders), want.processed);
    assert_eq!(results.get(ResultFile::Issues), want.issues);
    let mut unused = Vec::new();
    tiqets_domain::write_unused(&want.outcome, &mut unused).unwrap();
    assert_eq!(
        results.get(ResultFile::UnusedBarcodes),
        String::from_utf8(unused).unwrap()
    );
    let top: Vec<(u64, u64)> = persist
        .top_customers
        .iter()
        .map(|c| (c.customer_id, c.tickets))
        .collect();
    assert_eq!(top, want.top);
    let c = &persist.counts;
    assert_eq!(c.orders_written, want.outcome.orders_written());
    assert_eq!(c.tickets, want.outcome.tickets());
    assert_eq!(c.customers, want.outcome.customers());
    assert_eq!(c.unused_barcodes, want.unused);
    assert_eq!(c.issues, want.outcome.issue_counts().total());
    assert_eq!(
        (c.order_rows, c.barcode_rows),
        (merge.orders.unwrap().rows, merge.barcodes.unwrap().rows)
    );

    // The partitions' objects are gone once the PersistWork is sent.
    let files = env.bus.files().await.unwrap();
    let b = &merge.batch;
    for o in [PartObject::SplitDone, PartObject::Sold { from: 1, to: 2 }] {
        let key = env.names().part_key(b.batch_id.as_str(), b.attempt, o);
        let info = files.info(&key).await;
        assert!(info.is_err() || info.unwrap().deleted, "{key} deleted");
    }
}

/// A partitioned batch whose attempt fails after its split leaves no partition objects
/// behind: its queued steps, acked unrun, delete them (rather than the bucket's age limit,
/// days later).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partition_objects_of_a_failed_attempt_are_deleted_by_its_steps() {
    let env = Env::new().await;
    let (orders, barcodes, merge) = generated(&env, "abandoned", 500, 11, false).await;
    let input = (orders.len() + barcodes.len()) as u64;
    let settings = tiqets_merger::Settings {
        memory_bytes: input.div_ceil(3) * tiqets_merger::partitioned::MEMORY_PER_INPUT_BYTE,
        ..env.merger_settings()
    };
    let merger = Merger::new(env.bus.clone(), &settings);
    // The split: its objects stored, the barcode steps queued.
    assert_eq!(merger.merge(merge.clone()).await, Outcome::Ack);
    let files = env.bus.files().await.unwrap();
    let b = &merge.batch;
    let key = |o| env.names().part_key(b.batch_id.as_str(), b.attempt, o);
    let objects = [
        PartObject::SplitDone,
        PartObject::Barcodes(0),
        PartObject::Orders(2),
    ];
    for o in objects {
        let info = files.info(&key(o)).await;
        assert!(info.is_ok_and(|i| !i.deleted), "{} stored", key(o));
    }

    // The attempt fails (a watchdog, say); a replica then takes its queued steps.
    let failed = tiqets_contract::StatusEvent::new(
        b.batch_id.clone(),
        b.name.clone(),
        tiqets_contract::BatchStatus::Failed,
        b.attempt,
    );
    env.bus.publish_status(&failed).await.unwrap();
    let shutdown = CancellationToken::new();
    let options = ConsumerOptions {
        fetch_expires: Duration::from_millis(500),
        ..ConsumerOptions::work(env.names(), Stage::Merge)
    };
    let (bus, stop) = (env.bus.clone(), shutdown.clone());
    let replica = tokio::spawn(async move { run_work_with(bus, &options, merger, stop).await });
    for o in objects {
        tiqets_testkit::eventually(Duration::from_secs(20), || async {
            let info = files.info(&key(o)).await;
            (info.is_err() || info.unwrap().deleted).then_some(())
        })
        .await;
    }
    shutdown.cancel();
    tiqets_testkit::joined(replica, Duration::from_secs(10), "the replica stops").await;
    let done = files.info(&key(PartObject::BarcodesDone(0))).await;
    assert!(done.is_err(), "no step of the failed attempt ran");
}
