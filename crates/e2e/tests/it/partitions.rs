//! One batch spread over two merger replicas (`docs/events.md`, "The partitioned merge"): a
//! memory budget too small for the batch cuts it into partitions, each step a message of
//! the work queue; both replicas take steps, a replica killed with `kill -9` while it holds
//! one changes nothing, and the stored batch and the output files are the command line's.

use crate::faults::big_pair;
use crate::support::*;
use std::path::Path;
use std::time::{Duration, Instant};
use tiqets_e2e::stored::stored;
use tiqets_e2e::{Service, Stack};
use tiqets_testkit::{TestDatabase, TestNamespace};

const DEADLINE: Duration = Duration::from_secs(240);
const PARTS: u64 = 4;

/// A merger memory budget that cuts the pair into [`PARTS`] partitions.
fn budget(orders: &Path, barcodes: &Path) -> String {
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    let per_part = (size(orders) + size(barcodes)).div_ceil(PARTS) + 1;
    (per_part * tiqets_merger::partitioned::MEMORY_PER_INPUT_BYTE).to_string()
}

/// The steps merger replica `n` started and finished, from its log.
fn steps(stack: &Stack, n: usize) -> (usize, usize) {
    let log = std::fs::read_to_string(stack.log_path(Service::Merger, n)).unwrap_or_default();
    let count = |what: &str| log.lines().filter(|l| l.contains(what)).count();
    (count("merge step started"), count("merge step done"))
}

/// The barcode and order steps merger replica `n` finished, from its log.
fn partition_steps(stack: &Stack, n: usize) -> usize {
    let log = std::fs::read_to_string(stack.log_path(Service::Merger, n)).unwrap_or_default();
    log.lines()
        .filter(|l| l.contains("merge step done"))
        .filter(|l| l.contains("Barcodes {") || l.contains("Orders {"))
        .count()
}

/// A stack of one replica of each service and a second merger, with the small budget.
fn two_mergers(ns: &TestNamespace, db: &TestDatabase, orders: &Path, barcodes: &Path) -> Stack {
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    let budget = budget(orders, barcodes);
    stack.set_service_env(Service::Merger, "TIQETS_MERGER_MEMORY_BYTES", &budget);
    // A killed replica's step is taken over within one ack wait.
    stack.set_env("TIQETS_ACK_WAIT_SECS", "3");
    stack.start_all(1);
    stack.start(Service::Merger);
    stack
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_merger_replicas_share_the_partitions_of_one_batch() {
    let (orders, barcodes, want) = big_pair();
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let stack = two_mergers(&ns, &db, orders, barcodes);
    let batch = batch_id(orders, barcodes).await;
    stack.drop_pair(Some("parts"), orders, barcodes);
    wait_status(db.pool(), &stack, &batch, &["completed"], DEADLINE).await;

    assert_eq!(&stored(db.pool(), &batch).await, want);
    assert_written_and_archived(&stack, &batch, want);
    let done = [partition_steps(&stack, 0), partition_steps(&stack, 1)];
    assert!(
        done.iter().all(|&n| n > 0),
        "each replica took barcode or order steps: {done:?}\n{}",
        stack.logs()
    );
    assert!(
        done.iter().sum::<usize>() as u64 >= 2 * PARTS,
        "a barcode and an order step per partition: {done:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_merger_replica_that_holds_a_partition_changes_nothing() {
    let (orders, barcodes, want) = big_pair();
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let mut stack = two_mergers(&ns, &db, orders, barcodes);
    let batch = batch_id(orders, barcodes).await;
    stack.drop_pair(Some("parts"), orders, barcodes);

    // Replica 0, frozen the moment its log shows a step started and not finished; if it is
    // still in that step once frozen (its log cannot change then), it is killed there,
    // otherwise thawed and watched again.
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < DEADLINE,
            "replica 0 was never caught in a step\n{}",
            stack.logs()
        );
        let (begun, done) = steps(&stack, 0);
        if begun > done {
            stack.freeze_replica(Service::Merger, 0, false);
            let (begun, done) = steps(&stack, 0);
            if begun > done {
                stack.kill9_replica(Service::Merger, 0);
                break;
            }
            stack.freeze_replica(Service::Merger, 0, true);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Its step is taken over by replica 1 once its ack wait has passed.
    wait_status(db.pool(), &stack, &batch, &["completed"], DEADLINE).await;
    assert_eq!(
        &stored(db.pool(), &batch).await,
        want,
        "replica 0 killed in a step"
    );
    assert_written_and_archived(&stack, &batch, want);
}
