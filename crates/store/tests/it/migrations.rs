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
