//! A full NATS store: the file bucket at its byte limit. A pair dropped then is not taken
//! (its files stay in the input folder, and ingest says why), a batch accepted before is
//! untouched, and once room is made the pair goes through by itself, with the CLI's result.
//! And a rows stream with room for one batch's chunks: batch after batch goes through, as
//! each ended attempt's chunks are dropped.

use crate::support::*;
use std::time::Duration;
use tiqets_bus::setup::{ensure_with, ByteLimits};
use tiqets_e2e::stored::stored;
use tiqets_e2e::{Service, Stack};
use tiqets_testkit::expected::expected;
use tiqets_testkit::{TestDatabase, TestNamespace};

const DEADLINE: Duration = Duration::from_secs(40);
const MIB: i64 = 1 << 20;

fn limits(files: i64) -> ByteLimits {
    ByteLimits {
        work: 16 * MIB,
        rows: 64 * MIB,
        status: 16 * MIB,
        dead: 16 * MIB,
        files,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_file_store_holds_the_dropped_pair_back_and_it_goes_through_once_room_is_made() {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let names = tiqets_contract::Names::new(ns.name());
    let bus = tiqets_bus::Bus::connect(ns.nats_url(), names, "full-test")
        .await
        .unwrap();
    // Room for the sample's inputs and results (a few tens of KB), not for a pair of MBs.
    ensure_with(&bus, 1, Some(&limits(MIB))).await.unwrap();
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    stack.set_service_env(Service::Ingest, "TIQETS_RESCAN_SECS", "5");
    stack.start_all(1);

    // Accepted before the store fills: completes, and stays as it was.
    let (orders, barcodes, first) = sample_completed(db.pool(), &stack, None, DEADLINE).await;
    let first_want = expected(&orders, &barcodes);

    let dir = tempfile::tempdir().unwrap();
    let (big_orders, big_barcodes) = generated(dir.path(), 40_000, 5);
    let big_want = expected(&big_orders, &big_barcodes);
    let big = batch_id(&big_orders, &big_barcodes).await;
    let dropped = stack.drop_pair(Some("big"), &big_orders, &big_barcodes);

    // Ingest says why it holds the pair back, and keeps trying.
    let started = std::time::Instant::now();
    let logs = loop {
        let logs = stack.logs();
        if logs.contains("TIQETS_NATS_MAX_BYTES_FILES") {
            break logs;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "ingest did not say the store is full:\n{logs}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(logs.contains("the NATS file store is full"), "{logs}");
    // It waits the rescan period (5 s here) between tries, rather than trying again at
    // once (a quiet period, 300 ms here).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let tries = stack.logs().matches("the NATS file store is full").count();
    assert!(tries <= 2, "{tries} tries within 3 s");
    // Nothing of it went anywhere: its files are in the input folder, not archived.
    let held = files_under(&stack.input());
    assert!(
        held.iter().any(|p| p.ends_with("orders.csv"))
            && held.iter().any(|p| p.ends_with("barcodes.csv")),
        "{held:?} (dropped at {dropped:?})"
    );
    assert!(!stack.archive().join(&big).exists());
    assert_eq!(tiqets_e2e::stored::status(db.pool(), &big).await, None);

    // Room made: the pair goes through by itself.
    ensure_with(&bus, 1, Some(&limits(256 * MIB)))
        .await
        .unwrap();
    wait_status(db.pool(), &stack, &big, &["completed"], DEADLINE).await;
    assert_eq!(&stored(db.pool(), &big).await, &big_want);
    assert_written_and_archived(&stack, &big, &big_want);
    assert_eq!(&stored(db.pool(), &first).await, &first_want);
}

/// The chunks of a 20,000-order pair take about 1.4 MiB; the rows stream has room for 2 MiB.
/// Kept, the first batch's chunks would refuse the second's until they aged out (a day).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rows_stream_with_room_for_one_batch_takes_batch_after_batch() {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let names = tiqets_contract::Names::new(ns.name());
    let bus = tiqets_bus::Bus::connect(ns.nats_url(), names.clone(), "full-test")
        .await
        .unwrap();
    let limits = ByteLimits {
        rows: 2 * MIB,
        ..limits(64 * MIB)
    };
    ensure_with(&bus, 1, Some(&limits)).await.unwrap();
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    stack.start_all(1);

    let dir = tempfile::tempdir().unwrap();
    for seed in 1..=3u64 {
        let (orders, barcodes) = generated(&dir.path().join(seed.to_string()), 20_000, seed);
        let want = expected(&orders, &barcodes);
        let id = batch_id(&orders, &barcodes).await;
        stack.drop_pair(Some(&format!("gen{seed}")), &orders, &barcodes);
        wait_status(db.pool(), &stack, &id, &["completed"], DEADLINE).await;
        assert_eq!(&stored(db.pool(), &id).await, &want);
        // Its chunks are dropped once `completed` is recorded.
        let started = std::time::Instant::now();
        loop {
            let rows = bus.jetstream().get_stream(names.rows_stream()).await;
            let state = rows.unwrap().cached_info().state.clone();
            if state.messages == 0 {
                break;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "batch {seed}: {} chunks ({} bytes) left in the rows stream\n{}",
                state.messages,
                state.bytes,
                stack.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
