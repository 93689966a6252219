//! Replaying dead-lettered status events: a database that refuses a batch's status (a
//! trigger here; a constraint or a missing grant in life) gets the event dead-lettered by
//! the persister's status recorder; once the cause is removed, `tiqets-admin replay-status`
//! puts it back and the batch is recorded.

use std::process::Command;
use std::time::Duration;
use tiqets_contract::{BatchId, BatchStatus, Names, StatusEvent};
use tiqets_e2e::{Service, Stack};
use tiqets_testkit::{eventually_named, TestDatabase, TestNamespace};

const DEADLINE: Duration = Duration::from_secs(60);

async fn execute(pool: &tiqets_store::Pool, sql: &str) {
    pool.get().await.unwrap().batch_execute(sql).await.unwrap();
}

async fn recorded(pool: &tiqets_store::Pool, id: &str) -> Option<String> {
    let client = pool.get().await.unwrap();
    let sql = "SELECT status FROM batches WHERE id = $1";
    let row = client.query_opt(sql, &[&id]).await.ok()??;
    Some(row.get(0))
}

/// The dead letters of `{ns}.dead.status`.
async fn dead_letters(bus: &tiqets_bus::Bus) -> u64 {
    let names = bus.names();
    let stream = bus
        .jetstream()
        .get_stream(names.dead_stream())
        .await
        .unwrap();
    let mut subjects = stream
        .info_with_subjects(names.dead_status())
        .await
        .unwrap();
    let mut total = 0;
    while let Some(Ok((_, n))) = futures::StreamExt::next(&mut subjects).await {
        total += n as u64;
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_lettered_status_event_is_recorded_once_replayed() {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let pool = db.pool();
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    stack.start(Service::Persister);
    let bus = tiqets_bus::Bus::connect(ns.nats_url(), Names::new(ns.name()), "replay-test")
        .await
        .unwrap();
    tiqets_bus::setup::ensure(&bus).await.unwrap();
    // The persister has migrated the schema once `batches` exists.
    eventually_named("the schema", DEADLINE, || async {
        let client = pool.get().await.ok()?;
        let sql = "SELECT to_regclass('batches') IS NOT NULL";
        client
            .query_one(sql, &[])
            .await
            .ok()?
            .get::<_, bool>(0)
            .then_some(())
    })
    .await;
    execute(
        pool,
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'batches are refused today'; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON batches FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .await;

    let id = BatchId::parse("replayed1").unwrap();
    let event = StatusEvent::new(id.clone(), "replayed", BatchStatus::Received, 1);
    bus.publish_status(&event).await.unwrap();
    eventually_named("the status event dead-lettered", DEADLINE, || async {
        (dead_letters(&bus).await == 1).then_some(())
    })
    .await;
    assert_eq!(recorded(pool, id.as_str()).await, None);

    let admin = |args: &[&str]| {
        let out = Command::new(tiqets_e2e::stack::binary("tiqets-admin"))
            .arg("replay-status")
            .args(args)
            .env("NATS_URL", ns.nats_url())
            .env("TIQETS_NAMESPACE", ns.name())
            .output()
            .expect("tiqets-admin runs");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        said
    };
    // Listed, not replayed; another batch's events are passed over.
    let said = admin(&["--dry-run"]);
    assert!(said.contains("would replay"), "{said}");
    assert!(said.contains("batches are refused today"), "{said}");
    assert!(said.contains("1 status events to replay, 0 kept"), "{said}");
    let said = admin(&["--batch", "someotherbatch"]);
    assert!(said.contains("0 status events replayed"), "{said}");
    assert_eq!(dead_letters(&bus).await, 1);

    // The cause removed, the replay is recorded and its dead letter is gone.
    execute(
        pool,
        "DROP TRIGGER refuse ON batches; DROP FUNCTION refuse();",
    )
    .await;
    let said = admin(&["--batch", id.as_str()]);
    assert!(said.contains("1 status events replayed, 0 kept"), "{said}");
    eventually_named("the replayed event recorded", DEADLINE, || async {
        recorded(pool, id.as_str())
            .await
            .filter(|s| s == "received")
    })
    .await;
    assert_eq!(dead_letters(&bus).await, 0);
    let said = admin(&[]);
    assert!(said.contains("0 status events replayed, 0 kept"), "{said}");
}
