//! The merger reads a batch's chunks while the validator still publishes them: the
//! `MergeWork` goes out as validation starts, and the read ends with each file's last chunk,
//! or with the validator's abort marker when it fails the batch.

use crate::support::{cli, sample, Env};
use std::time::Duration;
use tiqets_bus::Outcome;
use tiqets_contract::{MergeWork, ResultFile, ValidateWork};

/// The work the validator sends as it starts validating `work`.
fn streamed(work: &ValidateWork) -> MergeWork {
    MergeWork {
        batch: work.batch.clone(),
        inputs: work.inputs.clone(),
        orders: None,
        barcodes: None,
        issue_limit: tiqets_domain::IssueLimit::DEFAULT,
        step: Default::default(),
    }
}

#[tokio::test]
async fn a_merge_started_before_validation_waits_for_the_chunks_and_gives_the_cli_result() {
    let env = Env::new().await;
    let (orders, barcodes) = sample();
    let work = env.put_batch("early", &orders, &barcodes).await;
    let merger = env.merger();
    let merge = streamed(&work);
    let running = tokio::spawn({
        let merge = merge.clone();
        async move { merger.merge(merge).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!running.is_finished(), "no chunk yet: the merge waits");

    assert_eq!(env.validator().validate(work.clone()).await, Outcome::Ack);
    let outcome = tokio::time::timeout(Duration::from_secs(20), running)
        .await
        .expect("the merge ends once the last chunks are in")
        .unwrap();
    assert_eq!(outcome, Outcome::Ack);

    let persist = env.persist_work(&merge).await.expect("a PersistWork");
    let results = env.results(&persist).await;
    let want = cli(&orders, &barcodes);
    assert_eq!(results.get(ResultFile::ProcessedOrders), want.processed);
    assert_eq!(results.get(ResultFile::Issues), want.issues);
    assert_eq!(persist.counts.unused_barcodes, want.unused);
}

#[tokio::test]
async fn a_batch_the_validator_fails_stops_the_merge_reading_it_at_once() {
    let env = Env::new().await;
    let (_, barcodes) = sample();
    let work = env
        .put_batch("no-customer", b"order_id,name\n1,Ann\n", &barcodes)
        .await;
    // The default chunk wait is 30 s: the merge must end long before, on the marker.
    let merger = env.merger();
    let merge = streamed(&work);
    let running = tokio::spawn({
        let merge = merge.clone();
        async move { merger.merge(merge).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    assert_eq!(env.validator().validate(work.clone()).await, Outcome::Ack);
    let outcome = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the abort marker ends the merge")
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::Ack,
        "the batch is failed already: nothing to retry"
    );
    assert!(env.persist_work(&merge).await.is_none());

    // A merge of the failed attempt delivered later stops at the marker too.
    let outcome = tokio::time::timeout(Duration::from_secs(10), env.merger().merge(merge.clone()))
        .await
        .expect("the marker is still there");
    assert_eq!(outcome, Outcome::Ack);
}
