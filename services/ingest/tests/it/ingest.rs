use crate::support::{batch_of, eventually, files_in, Env, Growing, QUIET};
use std::time::{Duration, Instant};
use tiqets_contract::{BatchId, BatchStatus, Source};

const ORDERS: &str = "order_id,customer_id\n1,10\n2,20\n";
const BARCODES: &str = "barcode,order_id\n111,1\n222,2\n333,\n";
const WAIT: Duration = Duration::from_secs(15);

async fn received(env: &Env, id: &BatchId) -> tiqets_contract::StatusEvent {
    eventually("the batch to be received", WAIT, || async {
        env.last_status(id)
            .await
            .filter(|e| e.status == BatchStatus::Received)
    })
    .await
}

async fn archived(env: &Env, id: &BatchId, n: usize) -> Vec<String> {
    eventually("the files to be archived", WAIT, || async {
        let a = env.archived(id);
        (a.len() >= n).then_some(a)
    })
    .await
}

#[tokio::test]
async fn a_subfolder_pair_is_published_then_archived() {
    let env = Env::started().await;
    env.write("monday/orders.csv", ORDERS);
    env.write("monday/barcodes.csv", BARCODES);
    let id = batch_of(ORDERS, BARCODES);
    let status = received(&env, &id).await;
    assert_eq!(status.name, "monday");
    assert_eq!(status.supersedes, Some(BatchId::waiting("monday")));
    assert!(matches!(status.source, Some(Source::Folder { .. })));
    assert_eq!(
        archived(&env, &id, 3).await,
        ["barcodes.csv", "claim.json", "orders.csv"]
    );
    assert!(
        files_in(env.input()).is_empty(),
        "{:?}",
        files_in(env.input())
    );
    assert_eq!(env.work_messages().await, 1);
    env.stop().await;
}

#[tokio::test]
async fn top_level_and_tagged_pairs_are_batches() {
    let env = Env::started().await;
    env.write("orders.csv", ORDERS);
    env.write("barcodes.csv", BARCODES);
    let tagged_orders = "order_id,customer_id\n7,70\n";
    env.write("orders-2026-11-24.csv", tagged_orders);
    env.write("barcodes-2026-11-24.csv", BARCODES);
    assert_eq!(
        received(&env, &batch_of(ORDERS, BARCODES)).await.name,
        "input"
    );
    let tagged = batch_of(tagged_orders, BARCODES);
    assert_eq!(received(&env, &tagged).await.name, "2026-11-24");
    assert_eq!(
        archived(&env, &tagged, 3).await,
        [
            "barcodes-2026-11-24.csv",
            "claim.json",
            "orders-2026-11-24.csv"
        ]
    );
    env.stop().await;
}

#[tokio::test]
async fn a_lone_file_waits_visibly_until_its_partner_arrives() {
    let env = Env::started().await;
    env.write("orders_y.csv", ORDERS);
    let waiting = BatchId::waiting("y");
    let event = eventually("a waiting status", WAIT, || async {
        env.last_status(&waiting).await
    })
    .await;
    assert_eq!(event.status, BatchStatus::Waiting);
    assert!(event.reason.unwrap().contains("barcodes_y.csv"));
    assert!(
        env.input().join("orders_y.csv").exists(),
        "a lone file stays"
    );
    assert_eq!(env.work_messages().await, 0);
    env.write("barcodes_y.csv", BARCODES);
    let status = received(&env, &batch_of(ORDERS, BARCODES)).await;
    assert_eq!(status.supersedes, Some(waiting));
    env.stop().await;
}

#[tokio::test]
async fn temporary_names_are_ignored_until_renamed() {
    let env = Env::started().await;
    env.write("orders.csv.part", ORDERS);
    env.write("barcodes.csv.tmp", BARCODES);
    env.write(".hidden/orders.csv", ORDERS);
    // Several quiet periods and a rescan pass without anything happening.
    tokio::time::sleep(QUIET * 3 + Duration::from_secs(1)).await;
    assert_eq!(env.work_messages().await, 0);
    let mut status = env
        .bus
        .jetstream()
        .get_stream(env.bus.names().status_stream())
        .await
        .unwrap();
    assert_eq!(
        status.info().await.unwrap().state.messages,
        0,
        "not even a waiting status"
    );
    std::fs::rename(
        env.input().join("orders.csv.part"),
        env.input().join("orders.csv"),
    )
    .unwrap();
    std::fs::rename(
        env.input().join("barcodes.csv.tmp"),
        env.input().join("barcodes.csv"),
    )
    .unwrap();
    received(&env, &batch_of(ORDERS, BARCODES)).await;
    env.stop().await;
}

#[tokio::test]
async fn a_file_still_being_written_is_not_read_early() {
    let env = Env::started().await;
    let mut growing = Growing::start(&env, "slow", BARCODES);
    // Append a row every QUIET/2 for about 3 seconds.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(QUIET / 2).await;
        growing.add_row();
        assert_eq!(
            env.work_messages().await,
            0,
            "published while still being written"
        );
    }
    let full = growing.finish();
    let id = batch_of(&full, BARCODES);
    let status = received(&env, &id).await;
    let inputs = status.inputs.unwrap();
    assert_eq!(
        env.object_text(&inputs.orders.key).await,
        full,
        "the whole file was published"
    );
    env.stop().await;
}

/// An ingest whose quiet period is far longer than a test may take: only a rename or the
/// files' mtimes can let it take a pair early.
async fn patient_env() -> Env {
    let mut env = Env::new().await;
    env.settings.quiet = Duration::from_secs(600);
    env
}

#[tokio::test]
async fn a_pair_renamed_into_the_folder_is_taken_at_once() {
    let mut env = patient_env().await;
    env.start();
    // A lone file shown as waiting: the watcher is in place.
    env.write("probe/orders.csv", ORDERS);
    eventually("the probe waiting", WAIT, || async {
        env.last_status(&BatchId::waiting("probe")).await
    })
    .await;
    let staging = env.input().parent().unwrap().join("staging/evening");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join("orders.csv"), ORDERS).unwrap();
    std::fs::write(staging.join("barcodes.csv"), BARCODES).unwrap();
    std::fs::rename(&staging, env.input().join("evening")).unwrap();
    let status = received(&env, &batch_of(ORDERS, BARCODES)).await;
    assert_eq!(status.name, "evening");
    env.stop().await;
}

#[tokio::test]
async fn files_written_long_before_start_up_are_taken_at_once() {
    let mut env = patient_env().await;
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    for (name, content) in [("orders.csv", ORDERS), ("barcodes.csv", BARCODES)] {
        env.write(&format!("old/{name}"), content);
        let file = std::fs::File::options()
            .append(true)
            .open(env.input().join("old").join(name))
            .unwrap();
        file.set_modified(hour_ago).unwrap();
    }
    env.start();
    let status = received(&env, &batch_of(ORDERS, BARCODES)).await;
    assert_eq!(status.name, "old");
    env.stop().await;
}

#[tokio::test]
async fn files_present_before_start_up_are_processed() {
    let mut env = Env::new().await;
    env.write("early/orders.csv", ORDERS);
    env.write("early/barcodes.csv", BARCODES);
    env.start();
    let id = batch_of(ORDERS, BARCODES);
    assert_eq!(received(&env, &id).await.name, "early");
    archived(&env, &id, 3).await;
    env.stop().await;
}

#[tokio::test]
async fn the_same_pair_twice_is_processed_once() {
    let env = Env::started().await;
    env.write("first/orders.csv", ORDERS);
    env.write("first/barcodes.csv", BARCODES);
    let id = batch_of(ORDERS, BARCODES);
    archived(&env, &id, 3).await;
    env.write("second/orders.csv", ORDERS);
    env.write("second/barcodes.csv", BARCODES);
    archived(&env, &id, 6).await;
    assert_eq!(env.work_messages().await, 1, "one ValidateWork");
    let stream = env
        .bus
        .jetstream()
        .get_stream(env.bus.names().status_stream())
        .await
        .unwrap();
    let notice = stream
        .get_last_raw_message_by_subject(&env.bus.names().notice(id.as_str()))
        .await
        .expect("a repeat notice");
    let notice: tiqets_contract::Notice = serde_json::from_slice(&notice.payload).unwrap();
    assert_eq!(notice.name, "second");
    assert_eq!(env.last_status(&id).await.unwrap().name, "first");
    env.stop().await;
}

#[tokio::test]
async fn files_are_archived_only_after_nats_acknowledged_them() {
    let env = Env::started().await;
    // Once a lone file is announced, ingest has finished its own setup.
    env.write("marker/orders.csv", ORDERS);
    let marker = BatchId::waiting("marker");
    eventually("ingest to run", WAIT, || async {
        env.last_status(&marker).await
    })
    .await;
    // No work stream: the publish cannot be acknowledged.
    env.bus
        .jetstream()
        .delete_stream(env.bus.names().work_stream())
        .await
        .unwrap();
    env.write("held/orders.csv", ORDERS);
    env.write("held/barcodes.csv", BARCODES);
    tokio::time::sleep(QUIET * 2 + Duration::from_secs(2)).await;
    assert!(env.archived(&batch_of(ORDERS, BARCODES)).is_empty());
    assert!(
        env.input().join("held/orders.csv").exists(),
        "the files are put back"
    );
    assert!(env.input().join("held/barcodes.csv").exists());
    tiqets_bus::setup::ensure(&env.bus).await.unwrap();
    let id = batch_of(ORDERS, BARCODES);
    archived(&env, &id, 3).await;
    assert_eq!(env.work_messages().await, 1);
    env.stop().await;
}

#[tokio::test]
async fn two_replicas_publish_each_pair_once() {
    let mut env = Env::new().await;
    let pairs: Vec<(String, String)> = (0..6)
        .map(|i| {
            (
                format!("order_id,customer_id\n{i},1\n"),
                BARCODES.to_string(),
            )
        })
        .collect();
    for (i, (o, b)) in pairs.iter().enumerate() {
        env.write(&format!("p{i}/orders.csv"), o);
        env.write(&format!("p{i}/barcodes.csv"), b);
    }
    env.start_replica("a");
    env.start_replica("b");
    for (o, b) in &pairs {
        archived(&env, &batch_of(o, b), 3).await;
    }
    assert_eq!(env.work_messages().await, pairs.len() as u64);
    for (o, b) in &pairs {
        assert_eq!(env.archived(&batch_of(o, b)).len(), 3, "archived once");
    }
    assert!(
        files_in(env.input()).is_empty(),
        "{:?}",
        files_in(env.input())
    );
    env.stop().await;
}
