use crate::support::TestBus;
use tiqets_bus::{setup, Stage};

#[tokio::test]
async fn setup_is_idempotent_and_safe_when_replicas_race() {
    let t = TestBus::new().await;
    let runs = (0..4).map(|_| setup::ensure(&t.bus));
    for r in futures::future::join_all(runs).await {
        r.expect("a racing setup succeeds");
    }
    let js = t.bus.jetstream();
    for stream in [
        t.names().work_stream(),
        t.names().rows_stream(),
        t.names().status_stream(),
        t.names().dead_stream(),
    ] {
        js.get_stream(&stream).await.expect(&stream);
    }
    let mut work = js.get_stream(t.names().work_stream()).await.unwrap();
    for stage in Stage::ALL {
        let info = work
            .consumer_info(stage.consumer())
            .await
            .expect("consumer exists");
        assert_eq!(info.config.filter_subject, t.names().work(stage));
        assert_eq!(info.config.max_deliver, setup::MAX_DELIVER);
    }
    let _ = work.info().await.unwrap();
    t.bus.files().await.expect("bucket exists");
    assert_eq!(files_max_age(&t).await, setup::FILES_MAX_AGE);
    t.cleanup().await;
}

async fn files_max_age(t: &TestBus) -> std::time::Duration {
    let name = format!("OBJ_{}", t.names().files_bucket());
    let mut stream = t.bus.jetstream().get_stream(&name).await.unwrap();
    stream.info().await.unwrap().config.max_age
}

#[tokio::test]
async fn a_file_bucket_kept_forever_by_an_earlier_version_gets_its_age_limit() {
    let t = TestBus::new().await;
    // As an earlier version created it: no age limit.
    let js = t.bus.jetstream();
    js.delete_object_store(t.names().files_bucket())
        .await
        .unwrap();
    js.create_object_store(async_nats::jetstream::object_store::Config {
        bucket: t.names().files_bucket(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(files_max_age(&t).await.is_zero());
    setup::ensure(&t.bus).await.unwrap();
    assert_eq!(files_max_age(&t).await, setup::FILES_MAX_AGE);
    t.cleanup().await;
}
