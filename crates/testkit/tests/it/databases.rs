use tiqets_testkit::{ensure_services, TestDatabase};

async fn database_exists(name: &str) -> bool {
    let url = &ensure_services().postgres_url;
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn a_test_database_is_migrated_and_dropped_with_the_value() {
    let db = TestDatabase::create().await;
    let name = db.name().to_owned();
    assert!(name.starts_with("test_"));
    let client = db.pool().get().await.unwrap();
    client
        .query_one("SELECT count(*) FROM batches", &[])
        .await
        .unwrap();
    drop(client);
    assert!(database_exists(&name).await);
    drop(db);
    assert!(!database_exists(&name).await);
}

#[tokio::test]
async fn two_test_databases_are_distinct() {
    let (a, b) = tokio::join!(TestDatabase::create(), TestDatabase::create());
    assert_ne!(a.name(), b.name());
    assert_ne!(a.url(), b.url());
}
