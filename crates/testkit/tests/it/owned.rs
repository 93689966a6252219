use std::time::Duration;
use tiqets_testkit::{eventually, OwnedNats, OwnedPostgres, TestDatabase};

async fn select_one(url: &str) -> Result<i32, tokio_postgres::Error> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    Ok(client.query_one("SELECT 1", &[]).await?.get(0))
}

#[tokio::test]
async fn an_owned_postgres_survives_a_stop_and_start_with_its_data() {
    let pg = OwnedPostgres::start().unwrap();
    let db = TestDatabase::on(&pg.url(), true).await;
    assert_eq!(select_one(db.url()).await.unwrap(), 1);

    pg.stop();
    assert!(
        select_one(db.url()).await.is_err(),
        "stopped means unreachable"
    );
    pg.start_again().unwrap();

    // The pool notices its broken connections and opens new ones.
    let n: i64 = eventually(Duration::from_secs(10), || async {
        let client = db.pool().get().await.map_err(|e| e.to_string())?;
        let row = client
            .query_one("SELECT count(*) FROM schema_migrations", &[])
            .await
            .map_err(|e| e.to_string())?;
        Ok::<i64, String>(row.get(0))
    })
    .await;
    assert!(n >= 1);
}

#[tokio::test]
async fn an_owned_nats_accepts_clients_and_has_jetstream() {
    let nats = OwnedNats::start().unwrap();
    let client = async_nats::connect(nats.url()).await.unwrap();
    let js = async_nats::jetstream::new(client);
    js.create_stream(async_nats::jetstream::stream::Config {
        name: "CHECK".into(),
        subjects: vec!["check.>".into()],
        ..Default::default()
    })
    .await
    .expect("JetStream is enabled");
}
