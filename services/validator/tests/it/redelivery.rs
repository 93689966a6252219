use crate::support::{sample, Env};
use tiqets_bus::Outcome;
use tiqets_domain::FileKind;
use tiqets_validator::Validator;

#[tokio::test]
async fn validating_the_same_work_twice_stores_each_chunk_and_the_merge_work_once() {
    let env = Env::new().await;
    let work = env
        .put_batch("twice", &sample("orders.csv"), &sample("barcodes.csv"))
        .await;
    let validator = Validator::new(env.bus.clone(), &env.settings());

    assert_eq!(validator.validate(work.clone()).await, Outcome::Ack);
    let first = env.chunks(&work, FileKind::Barcodes).await;
    assert_eq!(validator.validate(work.clone()).await, Outcome::Ack);
    let second = env.chunks(&work, FileKind::Barcodes).await;

    assert_eq!(
        first, second,
        "the redelivery's chunks were dropped as duplicates"
    );
    let merges = env.merge_work().await;
    assert_eq!(merges.len(), 1, "one MergeWork");
    assert_eq!(merges[0].batch, work.batch);
}
