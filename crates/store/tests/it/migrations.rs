use tiqets_store::{migrate, StoreError, MIGRATIONS};
use tiqets_testkit::TestDatabase;

#[tokio::test]
async fn migrating_twice_applies_everything_once() {
    let db = TestDatabase::empty().await;
    let all: Vec<i32> = MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(migrate(db.pool()).await.unwrap(), all);
    assert_eq!(migrate(db.pool()).await.unwrap(), Vec::<i32>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_replicas_migrating_at_once_apply_each_migration_exactly_once() {
    let db = TestDatabase::empty().await;
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let pool = db.pool().clone();
            tokio::spawn(async move { migrate(&pool).await })
        })
        .collect();
    let mut applied = Vec::new();
    for run in runs {
        applied.extend(
            run.await
                .unwrap()
                .expect("every replica's migrate succeeds"),
        );
    }
    let all: Vec<i32> = MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(
        applied, all,
        "each migration applied by exactly one replica"
    );
    let client = db.pool().get().await.unwrap();
    let n: i64 = client
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, all.len() as i64);
}

#[tokio::test]
async fn a_changed_migration_is_refused() {
    let db = TestDatabase::create().await;
    let client = db.pool().get().await.unwrap();
    client
        .execute(
            "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1",
            &[],
        )
        .await
        .unwrap();
    let err = migrate(db.pool()).await.unwrap_err();
    assert!(
        matches!(err, StoreError::MigrationChanged { version: 1, .. }),
        "{err}"
    );
    assert!(!err.is_transient());
}

#[tokio::test]
async fn a_schema_newer_than_the_binary_is_refused() {
    let db = TestDatabase::create().await;
    let client = db.pool().get().await.unwrap();
    client
        .execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')",
            &[],
        )
        .await
        .unwrap();
    let err = migrate(db.pool()).await.unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 999, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn the_order_position_migration_ranks_existing_rows_per_batch_in_output_order() {
    let db = TestDatabase::empty().await;
    let client = db.pool().get().await.unwrap();
    client.batch_execute(MIGRATIONS[0].sql).await.unwrap();
    client
        .batch_execute(
            "INSERT INTO batch_orders (batch_id, customer_id, order_id, barcodes) VALUES
             ('b2', 30, 3, '{c}'), ('b1', 20, 7, '{b}'), ('b2', 10, 9, '{a}'),
             ('b1', 20, 2, '{d}'), ('b1', 5, 8, '{e}')",
        )
        .await
        .unwrap();
    let order_position = MIGRATIONS
        .iter()
        .find(|m| m.name == "order position")
        .unwrap();
    client.batch_execute(order_position.sql).await.unwrap();
    let rows = client
        .query(
            "SELECT batch_id, position, customer_id, order_id FROM batch_orders
             ORDER BY batch_id, position",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(String, i64, i64, i64)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let want = [
        ("b1", 1, 5, 8),
        ("b1", 2, 20, 2),
        ("b1", 3, 20, 7),
        ("b2", 1, 10, 9),
        ("b2", 2, 30, 3),
    ];
    let want: Vec<(String, i64, i64, i64)> = want
        .iter()
        .map(|&(b, p, c, o)| (b.to_string(), p, c, o))
        .collect();
    assert_eq!(got, want);
    let duplicate = client
        .execute(
            "INSERT INTO batch_orders (batch_id, customer_id, order_id, barcodes, position)
             VALUES ('b1', 99, 99, '{z}', 3)",
            &[],
        )
        .await;
    assert!(duplicate.is_err(), "a position is unique within its batch");
}

#[tokio::test]
async fn the_partition_migration_moves_every_batch_into_indexed_partitions_of_its_own() {
    let db = TestDatabase::empty().await;
    let client = db.pool().get().await.unwrap();
    for m in &MIGRATIONS[..2] {
        client.batch_execute(m.sql).await.unwrap();
    }
    client
        .batch_execute(
            "INSERT INTO batch_orders (batch_id, customer_id, order_id, barcodes, position) VALUES
             ('b1', 5, 8, '{e}', 1), ('b1', 20, 2, '{d,f}', 2), ('b2', 10, 9, '{a}', 1);
             INSERT INTO batch_customer_tickets VALUES ('b1', 5, 1), ('b1', 20, 2), ('b2', 10, 1);
             INSERT INTO batch_unused_barcodes VALUES ('b2', 1, 'x', 4);
             INSERT INTO batch_issues VALUES ('b3', 1, 'orders', 2, 'invalid_order_id', 'm')",
        )
        .await
        .unwrap();
    let partitions = MIGRATIONS
        .iter()
        .find(|m| m.name == "batch partitions")
        .unwrap();
    client.batch_execute(partitions.sql).await.unwrap();

    let rows = client
        .query(
            "SELECT batch_id, customer_id, order_id, barcodes, position FROM batch_orders
             ORDER BY batch_id, position",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(String, i64, i64, String, i64)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    let s = |v: &[&str]| v.join(", ");
    assert_eq!(
        got,
        vec![
            ("b1".into(), 5, 8, s(&["e"]), 1),
            ("b1".into(), 20, 2, s(&["d", "f"]), 2),
            ("b2".into(), 10, 9, s(&["a"]), 1),
        ]
    );
    // Every batch seen in any table has its own four partitions, each with its indexes.
    let per_batch = client
        .query(
            "SELECT c.relname, count(*) FILTER (WHERE true),
                    (SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid)
             FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
             GROUP BY c.relname, c.oid ORDER BY c.relname",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(per_batch.len(), 3 * 4, "three batches, four tables each");
    let indexes: i64 = per_batch.iter().map(|r| r.get::<_, i64>(2)).sum();
    assert_eq!(indexes, 3 * 6, "six indexes per batch");
    let n: i64 = client
        .query_one(
            "SELECT count(*) FROM batch_issues WHERE batch_id = 'b3' AND code = 'invalid_order_id'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    // Unique within a batch, as before.
    let duplicate = client
        .execute(
            &format!(
                "INSERT INTO batch_orders_{} (batch_id, customer_id, order_id, barcodes, position)
                 VALUES ('b1', 99, 99, '{{z}}', 2)",
                client
                    .query_one("SELECT tiqets_partition_suffix('b1')", &[])
                    .await
                    .unwrap()
                    .get::<_, String>(0)
            ),
            &[],
        )
        .await;
    assert!(duplicate.is_err(), "a position is unique within its batch");
}
