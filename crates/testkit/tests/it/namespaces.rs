use async_nats::jetstream::{self, object_store, stream};
use futures::TryStreamExt;
use tiqets_testkit::TestNamespace;

async fn stream_names(client: &async_nats::Client) -> Vec<String> {
    jetstream::new(client.clone())
        .stream_names()
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn dropping_a_namespace_deletes_its_streams_and_buckets_only() {
    let ns = TestNamespace::new();
    let other = TestNamespace::new();
    let client = ns.client().await;
    let js = jetstream::new(client.clone());
    for n in [&ns, &other] {
        js.create_stream(stream::Config {
            name: format!("{}_WORK", n.name()),
            subjects: vec![format!("{}.work.>", n.name())],
            ..Default::default()
        })
        .await
        .unwrap();
    }
    js.create_object_store(object_store::Config {
        bucket: format!("{}_files", ns.name()),
        ..Default::default()
    })
    .await
    .unwrap();
    let name = ns.name().to_owned();
    assert_eq!(
        stream_names(&client)
            .await
            .iter()
            .filter(|s| s.contains(&name))
            .count(),
        2
    );

    drop(ns);
    let left = stream_names(&client).await;
    assert!(!left.iter().any(|s| s.contains(&name)), "{left:?}");
    assert!(left.contains(&format!("{}_WORK", other.name())));
}
