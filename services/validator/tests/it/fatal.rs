use crate::support::{sample, Env};
use tiqets_bus::Outcome;
use tiqets_contract::{BatchStatus, FileRef, Sha256};
use tiqets_domain::FileKind;
use tiqets_validator::Validator;

#[tokio::test]
async fn a_file_without_a_required_column_fails_the_batch_with_a_reason_naming_it() {
    let env = Env::new().await;
    let orders = b"order_id,name\n1,Ann\n2,Bob\n";
    let work = env
        .put_batch("no-customer", orders, &sample("barcodes.csv"))
        .await;
    let validator = Validator::new(env.bus.clone(), &env.settings());

    assert_eq!(validator.validate(work.clone()).await, Outcome::Ack);

    let status = env.last_status(&work).await;
    assert_eq!(status.status, BatchStatus::Failed);
    assert_eq!(
        status.reason.as_deref(),
        Some("orders.csv: missing required column `customer_id`")
    );
    // The MergeWork went out as validation started (the merger reads chunks while they are
    // published); what tells the merger to stop is an abort marker on each file's subject.
    let merges = env.merge_work().await;
    assert_eq!(merges.len(), 1);
    assert_eq!(
        (merges[0].orders.as_ref(), merges[0].barcodes.as_ref()),
        (None, None)
    );
    for file in [FileKind::Orders, FileKind::Barcodes] {
        assert!(
            env.chunks(&work, file).await.is_empty(),
            "nothing of a failed batch is left behind"
        );
        assert_eq!(
            env.abort_markers(&work, file).await,
            ["orders.csv: missing required column `customer_id`"]
        );
    }
}

#[tokio::test]
async fn a_barcodes_file_that_is_not_text_fails_the_batch() {
    let env = Env::new().await;
    let barcodes = [0xff, 0xfe, 0x00, 0x01, b'\n', 0x80, b'\n'];
    let work = env
        .put_batch("binary", &sample("orders.csv"), &barcodes)
        .await;
    let validator = Validator::new(env.bus.clone(), &env.settings());

    assert_eq!(validator.validate(work.clone()).await, Outcome::Ack);

    let status = env.last_status(&work).await;
    assert_eq!(status.status, BatchStatus::Failed);
    let reason = status.reason.unwrap();
    assert!(reason.starts_with("barcodes.csv: "), "{reason}");
}

#[tokio::test]
async fn an_input_missing_from_the_file_store_fails_the_batch_naming_the_file() {
    let env = Env::new().await;
    let mut work = env
        .put_batch("gone", &sample("orders.csv"), &sample("barcodes.csv"))
        .await;
    work.inputs.barcodes = FileRef {
        key: "batches/nowhere/barcodes.csv".into(),
        sha256: Sha256::of(b""),
        size: 0,
    };
    let validator = Validator::new(env.bus.clone(), &env.settings());

    assert_eq!(validator.validate(work.clone()).await, Outcome::Ack);

    let status = env.last_status(&work).await;
    assert_eq!(status.status, BatchStatus::Failed);
    let reason = status.reason.unwrap();
    assert!(
        reason.starts_with("barcodes.csv: cannot read the file"),
        "{reason}"
    );
}
