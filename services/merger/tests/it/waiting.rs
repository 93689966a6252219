use crate::support::{cli, sample, Env};
use std::time::Duration;
use tiqets_bus::Outcome;
use tiqets_contract::ResultFile;
use tiqets_domain::FileKind;
use tiqets_merger::Merger;

/// Removes the stored barcode chunks of `work`'s attempt and returns them.
async fn take_barcode_chunks(
    env: &Env,
    work: &tiqets_contract::MergeWork,
) -> (String, Vec<bytes::Bytes>) {
    let b = &work.batch;
    let subject = env
        .names()
        .rows(b.batch_id.as_str(), b.attempt, FileKind::Barcodes);
    let stored = env.stored(&env.names().rows_stream(), &subject).await;
    let stream = env
        .bus
        .jetstream()
        .get_stream(env.names().rows_stream())
        .await
        .unwrap();
    stream.purge().filter(subject.as_str()).await.unwrap();
    (subject, stored.into_iter().map(|m| m.payload).collect())
}

#[tokio::test]
async fn chunks_that_become_visible_late_are_waited_for() {
    let env = Env::new().await;
    let (orders, barcodes) = sample();
    let work = env.put_batch("late", &orders, &barcodes).await;
    let merge = env.validated(&work).await;
    let (subject, chunks) = take_barcode_chunks(&env, &merge).await;

    let merger = env.merger();
    let running = tokio::spawn({
        let merge = merge.clone();
        async move { merger.merge(merge).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    for payload in chunks {
        env.bus
            .publish_bytes(subject.clone(), None, Default::default(), payload)
            .await
            .unwrap();
    }
    assert_eq!(running.await.unwrap(), Outcome::Ack);

    let persist = env.persist_work(&merge).await.expect("a PersistWork");
    let results = env.results(&persist).await;
    assert_eq!(
        results.get(ResultFile::ProcessedOrders),
        cli(&orders, &barcodes).processed
    );
}

#[tokio::test]
async fn chunks_that_never_arrive_give_the_work_back_for_a_later_retry() {
    let env = Env::new().await;
    let (orders, barcodes) = sample();
    let work = env.put_batch("missing", &orders, &barcodes).await;
    let merge = env.validated(&work).await;
    take_barcode_chunks(&env, &merge).await;

    let settings = tiqets_merger::Settings {
        chunk_wait: Duration::from_secs(1),
        ..env.merger_settings()
    };
    let outcome = Merger::new(env.bus.clone(), &settings)
        .merge(merge.clone())
        .await;
    let Outcome::Retry(reason) = outcome else {
        panic!("a retry, got {outcome:?}")
    };
    assert_eq!(
        reason,
        format!(
            "0 barcodes.csv chunks arrived (of {}), then none within 1 s",
            merge.barcodes.as_ref().unwrap().chunks
        )
    );
    assert!(env.persist_work(&merge).await.is_none());
}
