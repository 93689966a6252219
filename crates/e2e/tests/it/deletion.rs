//! Deleting batches in a running pipeline: the persister's retention setting after each
//! completed batch, the change step's records, and `tiqets-admin delete-batch`.

use crate::support::{generated, sample_completed, wait_status};
use std::process::Command;
use std::time::Duration;
use tiqets_e2e::{Service, Stack};
use tiqets_testkit::{TestDatabase, TestNamespace};

async fn count(pool: &tiqets_store::Pool, sql: &str) -> i64 {
    pool.get()
        .await
        .unwrap()
        .query_one(sql, &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_and_the_admin_command_delete_batches_with_their_files() {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    stack.set_service_env(Service::Persister, "TIQETS_RETENTION_KEEP_BATCHES", "2");
    stack.start_all(1);
    let pool = db.pool();

    let (_, _, first) = sample_completed(pool, &stack, None, Duration::from_secs(120)).await;
    let mut ids = vec![first];
    for seed in [1u64, 2] {
        let dir = stack.dir.path().join(format!("gen{seed}"));
        let (orders, barcodes) = generated(&dir, 500, seed);
        let id = crate::support::batch_id(&orders, &barcodes).await;
        stack.drop_pair(Some(&format!("gen{seed}")), &orders, &barcodes);
        wait_status(pool, &stack, &id, &["completed"], Duration::from_secs(120)).await;
        ids.push(id);
    }
    // After the third batch's `completed`, the persister kept two: the first is gone, with
    // its folder (retention runs after the lookup indexes and the change step; it drops the
    // rows first and the folder just after, so both are waited for).
    let first_folder = stack.output().join(&ids[0]);
    let mut left = 0;
    for _ in 0..300 {
        let sql = "SELECT count(*) FROM batches WHERE status = 'completed'";
        left = count(pool, sql).await;
        if left == 2 && !first_folder.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, 2, "{}", stack.logs());
    assert!(!first_folder.exists(), "{}", stack.logs());
    assert!(stack.output().join(&ids[1]).exists());
    // The change step stored the third batch's changes since the second.
    let stored = count(
        pool,
        &format!(
            "SELECT count(*) FROM batch_changes WHERE batch_id = '{}' AND since = '{}'",
            ids[2], ids[1]
        ),
    )
    .await;
    assert_eq!(stored, 1);

    let admin = |args: &[&str]| {
        Command::new(tiqets_e2e::stack::binary("tiqets-admin"))
            .arg("delete-batch")
            .args(args)
            .env("NATS_URL", ns.nats_url())
            .env("TIQETS_NAMESPACE", ns.name())
            .output()
            .expect("tiqets-admin runs")
    };
    let refused = admin(&[&ids[2]]);
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("current batch"), "{said}");
    let done = admin(&[&ids[1]]);
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(
        said.starts_with(&format!("deleted batch {}", ids[1])),
        "{said}"
    );
    assert!(!said.contains(" 0 bytes of objects"), "{said}");
    assert!(!stack.output().join(&ids[1]).exists());
    // Its input objects are gone from the file bucket; the current batch's are there.
    let names = tiqets_contract::Names::new(ns.name());
    let bus = tiqets_bus::Bus::connect(ns.nats_url(), names, "deletion-test")
        .await
        .unwrap();
    let files = bus.files().await.unwrap();
    let key = |id: &str| bus.names().input_key(id, tiqets_domain::FileKind::Orders);
    let gone = |info: Result<async_nats::jetstream::object_store::ObjectInfo, _>| {
        info.map_or(true, |i| i.deleted)
    };
    assert!(
        gone(files.info(&key(&ids[1])).await),
        "the deleted batch's object"
    );
    assert!(
        !gone(files.info(&key(&ids[2])).await),
        "the current batch's object"
    );
    let done = admin(&[&ids[2], "--force"]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let rows = count(
        pool,
        "SELECT (SELECT count(*) FROM batches) + (SELECT count(*) FROM batch_orders)
              + (SELECT count(*) FROM batch_barcodes) + (SELECT count(*) FROM batch_changes)",
    )
    .await;
    assert_eq!(rows, 0, "nothing of the three batches is left");
}
