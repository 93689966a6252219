use crate::support::{cli, sample, Env};
use async_nats::HeaderMap;
use tiqets_bus::Outcome;
use tiqets_contract::{PersistWork, ResultFile};
use tiqets_domain::FileKind;

#[tokio::test]
async fn the_same_work_delivered_twice_gives_identical_objects_and_one_persist_work() {
    let env = Env::new().await;
    let (orders, barcodes) = sample();
    let work = env.put_batch("twice", &orders, &barcodes).await;
    let merge = env.validated(&work).await;
    assert_eq!(
        env.validated(&work).await,
        merge,
        "validated again: the same MergeWork"
    );

    let first = env.merged(&merge).await;
    let first_results = env.results(&first).await;
    assert_eq!(env.merger().merge(merge.clone()).await, Outcome::Ack);
    let persists = env.queued::<PersistWork>(&env.names().work_persist()).await;
    assert_eq!(persists.len(), 1, "the second PersistWork was a duplicate");
    let second = env.persist_work(&merge).await.unwrap();
    assert_eq!(second, first);
    assert_eq!(env.results(&second).await, first_results);
    assert_eq!(
        first_results.get(ResultFile::ProcessedOrders),
        cli(&orders, &barcodes).processed
    );
}

#[tokio::test]
async fn chunks_stored_twice_and_out_of_order_are_each_used_once() {
    let env = Env::new().await;
    let (orders, barcodes) = sample();
    let work = env.put_batch("stored-twice", &orders, &barcodes).await;
    let merge = env.validated(&work).await;
    assert!(
        merge.barcodes.as_ref().unwrap().chunks > 2,
        "the sample spans several chunks"
    );

    // A validation redelivered after the duplicate window stores every chunk again; here
    // in reverse order, without message ids, so JetStream keeps them all.
    let b = &work.batch;
    for file in [FileKind::Orders, FileKind::Barcodes] {
        let subject = env.names().rows(b.batch_id.as_str(), b.attempt, file);
        let stored = env.stored(&env.names().rows_stream(), &subject).await;
        for m in stored.iter().rev() {
            env.bus
                .publish_bytes(subject.clone(), None, HeaderMap::new(), m.payload.clone())
                .await
                .unwrap();
        }
        let now = env.stored(&env.names().rows_stream(), &subject).await;
        assert_eq!(now.len(), 2 * stored.len());
    }

    let persist = env.merged(&merge).await;
    let results = env.results(&persist).await;
    let want = cli(&orders, &barcodes);
    assert_eq!(results.get(ResultFile::ProcessedOrders), want.processed);
    assert_eq!(results.get(ResultFile::Issues), want.issues);
    assert_eq!(persist.counts.unused_barcodes, want.unused);
    assert_eq!(persist.counts.barcode_rows, merge.barcodes.unwrap().rows);
}
