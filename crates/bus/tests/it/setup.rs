use tiqets_bus::setup;
use tiqets_contract::Stage;
use tiqets_testkit::TestBus;

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
        assert_eq!(info.config.max_deliver as u64, t.bus.pacing().max_deliver);
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

#[tokio::test]
async fn setup_nats_gives_every_stream_and_the_bucket_a_byte_limit_and_a_full_one_refuses() {
    use async_nats::jetstream::stream::DiscardPolicy;
    let t = TestBus::new().await;
    const MIB: i64 = 1 << 20;
    let limits = setup::ByteLimits {
        work: MIB,
        rows: 2 * MIB,
        status: 3 * MIB,
        dead: 4 * MIB,
        files: 5 * MIB,
    };
    // On streams that exist without limits (as a service made them), and idempotent.
    for _ in 0..2 {
        setup::ensure_with(&t.bus, 1, Some(&limits)).await.unwrap();
    }
    let js = t.bus.jetstream();
    let names = t.names();
    for (stream, max, discard) in [
        (names.work_stream(), MIB, DiscardPolicy::New),
        (names.rows_stream(), 2 * MIB, DiscardPolicy::New),
        (names.status_stream(), 3 * MIB, DiscardPolicy::Old),
        (names.dead_stream(), 4 * MIB, DiscardPolicy::Old),
        (
            format!("OBJ_{}", names.files_bucket()),
            5 * MIB,
            DiscardPolicy::New,
        ),
    ] {
        let mut s = js.get_stream(&stream).await.unwrap();
        let config = s.info().await.unwrap().config.clone();
        assert_eq!(
            (config.max_bytes, config.discard),
            (max, discard),
            "{stream}"
        );
    }

    // A full work stream refuses new work, with an error that says so.
    let subject = names.work(Stage::Validate);
    let payload = bytes::Bytes::from(vec![b'x'; 100 * 1024]);
    let mut refused = None;
    for n in 0..20 {
        let ack = async { js.publish(subject.clone(), payload.clone()).await?.await };
        if let Err(e) = ack.await {
            refused = Some((n, e.to_string()));
            break;
        }
    }
    let (n, message) = refused.expect("the 1 MiB work stream refused");
    assert!(
        (9..=10).contains(&n),
        "refused after {n} messages of 100 KiB"
    );
    let e = tiqets_bus::BusError::Publish {
        subject: subject.clone(),
        message,
    };
    assert!(e.is_full(), "{e}");

    // A full bucket refuses an object, and keeps what it has.
    let files = t.bus.files().await.unwrap();
    files
        .put("first", &mut &vec![1u8; 4 * MIB as usize][..])
        .await
        .unwrap();
    let big = files
        .put("second", &mut &vec![2u8; 2 * MIB as usize][..])
        .await;
    let e = tiqets_bus::BusError::Object {
        bucket: names.files_bucket(),
        key: "second".into(),
        message: match big {
            Ok(_) => panic!("stored over the bucket's 5 MiB"),
            Err(e) => e.to_string(),
        },
    };
    assert!(e.is_full(), "{e}");
    assert!(files.info("first").await.is_ok());
    t.cleanup().await;
}
