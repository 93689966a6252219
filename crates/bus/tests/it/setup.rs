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
    t.cleanup().await;
}
