//! A persister running in a test namespace, and batches to feed it.

use async_nats::jetstream::object_store::ObjectMetadata;
use std::path::Path;
use std::time::Duration;
use tiqets_bus::{setup, Bus, ConsumerOptions};
use tiqets_contract::{
    BatchCounts, BatchId, BatchRef, FileRef, Inputs, Names, PersistWork, ResultFile, ResultRef,
    Sha256, Stage,
};
use tiqets_domain::output;
use tiqets_persister::watchdog::Watchdog;
use tiqets_persister::{serve, Settings};
use tiqets_store::{queries, Pool};
use tiqets_testkit::{eventually, TestDatabase, TestNamespace};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const DEADLINE: Duration = Duration::from_secs(30);

/// The result files of one batch, as the merger would write them.
#[derive(Clone)]
pub struct Batch {
    pub id: BatchId,
    pub processed: Vec<u8>,
    pub issues: Vec<u8>,
    pub unused: Vec<u8>,
    pub counts: BatchCounts,
}

/// A small batch computed with the domain rules: 3 output rows (customers 10 and 20),
/// 2 unused barcodes, 3 issues.
pub fn small_batch() -> Batch {
    let orders = "order_id,customer_id\n1,10\n2,20\n3,10\n4,30\n";
    let barcodes = "barcode,order_id\n111,1\n222,1\n333,2\n444,\n555,3\n111,3\n666,9\n777,\n";
    let outcome =
        tiqets_domain::process(orders.as_bytes(), barcodes.as_bytes(), (0, 0), &|_| {}).unwrap();
    let mut processed = Vec::new();
    tiqets_domain::write_processed(&outcome, &mut processed).unwrap();
    let mut issues = Vec::new();
    tiqets_domain::write_issue_report(outcome.issues(), outcome.not_itemised(), &mut issues)
        .unwrap();
    let mut unused = Vec::new();
    tiqets_domain::write_unused(&outcome, &mut unused).unwrap();
    let mut counts = BatchCounts {
        order_rows: 4,
        barcode_rows: 8,
        orders_written: outcome.orders_written(),
        tickets: outcome.tickets(),
        customers: outcome.customers(),
        unused_barcodes: outcome.unused_count(),
        issues: outcome.issues().len() as u64,
        ..Default::default()
    };
    for (code, n) in outcome.issue_counts().iter().filter(|(_, n)| *n > 0) {
        counts.issues_by_code.insert(code, n);
    }
    Batch {
        id: BatchId::parse("b0123456789abcdef01234567").unwrap(),
        processed,
        issues,
        unused,
        counts,
    }
}

/// A batch of `orders` output rows with two barcodes each, three orders per customer.
pub fn big_batch(orders: u64) -> Batch {
    let mut processed = output::PROCESSED_HEADER.as_bytes().to_vec();
    for o in 1..=orders {
        let barcodes = [format!("A{o}"), format!("B{o}")];
        output::format_order(&mut processed, o.div_ceil(3), o, barcodes.iter());
    }
    let mut unused = output::UNUSED_HEADER.as_bytes().to_vec();
    output::format_unused(&mut unused, "U1", 2);
    Batch {
        id: BatchId::parse("bbig0123456789abcdef0123").unwrap(),
        processed,
        issues: output::ISSUES_HEADER.as_bytes().to_vec(),
        unused,
        counts: BatchCounts {
            order_rows: orders,
            barcode_rows: 2 * orders + 1,
            orders_written: orders,
            tickets: 2 * orders,
            customers: orders.div_ceil(3),
            unused_barcodes: 1,
            ..Default::default()
        },
    }
}

fn rows(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|b| **b == b'\n').count() as u64 - 1
}

/// Connects to the namespace and creates its streams, consumers and bucket.
pub async fn bus(ns: &TestNamespace) -> Bus {
    let bus = Bus::connect(ns.nats_url(), Names::new(ns.name()), "persister-test")
        .await
        .unwrap();
    setup::ensure(&bus).await.unwrap();
    bus
}

/// Publishes `work` twice, as two messages JetStream does not deduplicate (as after a
/// publisher's retry).
pub async fn publish_twice(bus: &Bus, work: &PersistWork) {
    let subject = bus.names().work_persist();
    for id in ["copy-1", "copy-2"] {
        bus.publish_json(subject.clone(), Some(id), work)
            .await
            .unwrap();
    }
}

/// The `processed_orders.csv` the persister wrote for `id` into `out`.
pub fn written_processed(out: &Path, id: &BatchId) -> Vec<u8> {
    let path = out.join(id.as_str()).join("processed_orders.csv");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What a persist test starts from: its namespace (to keep until the test ends), a migrated
/// database, an output folder and a bus set up in the namespace.
pub async fn fixture() -> (TestNamespace, TestDatabase, tempfile::TempDir, Bus) {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let out = tempfile::tempdir().unwrap();
    let bus = bus(&ns).await;
    (ns, db, out, bus)
}

/// Stores the batch's result objects and returns the work message that names them.
pub async fn put_results(bus: &Bus, batch: &Batch) -> PersistWork {
    let files = bus.files().await.unwrap();
    let mut results = Vec::new();
    for (file, bytes) in [
        (ResultFile::ProcessedOrders, &batch.processed),
        (ResultFile::Issues, &batch.issues),
        (ResultFile::UnusedBarcodes, &batch.unused),
    ] {
        let key = bus.names().result_key(batch.id.as_str(), file);
        let meta = ObjectMetadata {
            name: key.clone(),
            ..Default::default()
        };
        files.put(meta, &mut bytes.as_slice()).await.unwrap();
        results.push(ResultRef {
            file,
            key,
            sha256: Sha256::of(bytes),
            size: bytes.len() as u64,
            rows: rows(bytes),
        });
    }
    let input = |name: &str| FileRef {
        key: format!("batches/{}/{name}", batch.id),
        sha256: Sha256::of(name.as_bytes()),
        size: 1,
    };
    PersistWork {
        batch: BatchRef {
            batch_id: batch.id.clone(),
            name: "monday".into(),
            attempt: 1,
        },
        inputs: Inputs {
            orders: input("orders.csv"),
            barcodes: input("barcodes.csv"),
        },
        results,
        counts: batch.counts.clone(),
        top_customers: Vec::new(),
    }
}

/// A running persister (both consumers), stopped by [`Running::stop`].
pub struct Running {
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl Running {
    /// Cancels and waits for the consumers to drain.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("the persister stops within its drain timeout")
            .unwrap();
    }
}

/// Starts the persister with short retry delays.
pub fn start(bus: &Bus, pool: &Pool, output_dir: &Path) -> Running {
    start_with(bus, pool, output_dir, Default::default())
}

/// [`start`], with the watchdog given.
pub fn start_with(bus: &Bus, pool: &Pool, output_dir: &Path, watchdog: Watchdog) -> Running {
    let names = bus.names().clone();
    let fast = |mut o: ConsumerOptions| {
        o.retry_delays = vec![Duration::from_millis(500)];
        o.fetch_expires = Duration::from_secs(1);
        o
    };
    let settings = Settings {
        common: tiqets_config::Common::new(String::new(), names.namespace()),
        database_url: String::new(),
        output_dir: output_dir.to_path_buf(),
        db_pool_size: tiqets_persister::settings::MIN_DB_POOL_SIZE,
        retention: Default::default(),
        watchdog,
        health: tiqets_config::HealthAddr::Off,
        memory: tiqets_config::MemoryBudget::new(
            tiqets_persister::settings::MEMORY_VAR,
            tiqets_persister::settings::DEFAULT_MEMORY_BYTES,
        ),
    };
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(serve(
        bus.clone(),
        pool.clone(),
        settings,
        fast(ConsumerOptions::work(&names, Stage::Persist)),
        fast(ConsumerOptions::status(&names)),
        shutdown.clone(),
    ));
    Running { shutdown, task }
}

/// Waits until the batch is recorded with `status`.
pub async fn wait_for_status(pool: &Pool, id: &BatchId, status: tiqets_contract::BatchStatus) {
    eventually(DEADLINE, || async {
        let b = queries::batch(pool, id.as_str()).await.ok()??;
        (b.status == status).then_some(())
    })
    .await
}

/// Row counts of the batch tables for `id`: orders, unused, issues, customer tickets.
pub async fn row_counts(pool: &Pool, id: &BatchId) -> [i64; 4] {
    tiqets_testkit::database::batch_row_counts(pool, id.as_str()).await
}

/// Waits until the persist consumer has nothing pending or unacknowledged.
pub async fn wait_for_idle(bus: &Bus) {
    let names = bus.names().clone();
    eventually(DEADLINE, || async {
        let stream = bus.jetstream().get_stream(names.work_stream()).await.ok()?;
        let mut consumer: async_nats::jetstream::consumer::PullConsumer =
            stream.get_consumer(Stage::Persist.consumer()).await.ok()?;
        let info = consumer.info().await.ok()?;
        (info.num_pending == 0 && info.num_ack_pending == 0).then_some(())
    })
    .await
}
