use crate::sample::{id, load_sold, row_counts, sample, write, write_order, write_unused};
use tiqets_domain::IssueCode;
use tiqets_store::{queries, BatchWriter};
use tiqets_testkit::database::count_rows;
use tiqets_testkit::TestDatabase;

#[tokio::test]
async fn a_written_batch_is_completed_with_its_counts() {
    let db = TestDatabase::create().await;
    let totals = write(db.pool(), "b1", &sample()).await.unwrap();
    assert_eq!(totals.orders_written, 5);
    assert_eq!(totals.tickets, 10);
    assert_eq!(totals.customers, 4);
    assert_eq!(totals.unused_barcodes, 3);
    assert_eq!(totals.issues, 4);
    assert_eq!(totals.issues_by_code[&IssueCode::DuplicateBarcode], 2);
    let batch = queries::batch(db.pool(), "b1").await.unwrap().unwrap();
    assert_eq!(batch.status, tiqets_contract::BatchStatus::Completed);
    assert_eq!((batch.name.as_str(), batch.attempt), ("sample", 1));
    let counts = batch.counts.unwrap();
    assert_eq!(
        (counts.orders_written, counts.tickets, counts.customers),
        (5, 10, 4)
    );
    assert_eq!(counts.issues_by_code[&IssueCode::OrderWithoutBarcodes], 1);
    assert_eq!(row_counts(db.pool(), "b1").await, [5, 3, 4, 4]);
}

#[tokio::test]
async fn writing_a_batch_twice_leaves_one_copy_of_its_rows() {
    let db = TestDatabase::create().await;
    let first = write(db.pool(), "b1", &sample()).await.unwrap();
    let second = write(db.pool(), "b1", &sample()).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(row_counts(db.pool(), "b1").await, [5, 3, 4, 4]);
}

#[tokio::test]
async fn rewriting_a_batch_replaces_its_rows_and_leaves_other_batches_alone() {
    let db = TestDatabase::create().await;
    write(db.pool(), "other", &sample()).await.unwrap();
    write(db.pool(), "b1", &sample()).await.unwrap();
    let mut smaller = sample();
    smaller.orders.truncate(2);
    smaller.unused.clear();
    smaller.issues.truncate(1);
    write(db.pool(), "b1", &smaller).await.unwrap();
    assert_eq!(row_counts(db.pool(), "b1").await, [2, 0, 1, 1]);
    assert_eq!(row_counts(db.pool(), "other").await, [5, 3, 4, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_writes_of_one_batch_do_not_interleave() {
    let db = TestDatabase::create().await;
    let s = sample();
    let (a, b) = tokio::join!(write(db.pool(), "b1", &s), write(db.pool(), "b1", &s));
    a.unwrap();
    b.unwrap();
    assert_eq!(row_counts(db.pool(), "b1").await, [5, 3, 4, 4]);
}

#[tokio::test]
async fn a_failed_write_leaves_the_previous_results_untouched() {
    let db = TestDatabase::create().await;
    write(db.pool(), "b1", &sample()).await.unwrap();
    let mut broken = sample();
    broken.orders.swap(0, 1); // out of output order: the input is corrupt
    let err = write(db.pool(), "b1", &broken).await.unwrap_err();
    assert!(err.to_string().contains("out of order"), "{err}");
    assert!(!err.is_transient());
    assert_eq!(row_counts(db.pool(), "b1").await, [5, 3, 4, 4]);
}

#[tokio::test]
async fn a_writer_dropped_before_commit_rolls_back_and_releases_the_batch() {
    let db = TestDatabase::create().await;
    {
        let mut w = BatchWriter::begin(db.pool(), &id("b1")).await.unwrap();
        let mut orders = w.orders().await.unwrap();
        write_order(&mut orders, 1, 1, &["a"]).await.unwrap();
        // Staged and committed on its own connection, but not the batch's results yet.
        orders.finish().await.unwrap();
        let mut unused = w.unused().await.unwrap();
        write_unused(&mut unused, "x", 2).await.unwrap();
    }
    assert_eq!(row_counts(db.pool(), "b1").await, [0, 0, 0, 0]);
    assert!(queries::batch(db.pool(), "b1").await.unwrap().is_none());
    // The lock went with the dropped writer's connection: a write through another pool
    // (other connections) gets it, and the staged leftovers do not get in its way.
    let other = tiqets_store::connect(db.url()).unwrap();
    write(&other, "b1", &sample()).await.unwrap();
    assert_eq!(row_counts(db.pool(), "b1").await, [5, 3, 4, 4]);
}

#[tokio::test]
async fn a_rewrite_dropped_before_commit_keeps_the_previous_results() {
    let db = TestDatabase::create().await;
    write(db.pool(), "b1", &sample()).await.unwrap();
    {
        let mut w = BatchWriter::begin(db.pool(), &id("b1")).await.unwrap();
        let mut orders = w.orders().await.unwrap();
        write_order(&mut orders, 1, 1, &["a"]).await.unwrap();
        orders.finish().await.unwrap();
        w.issues().await.unwrap().finish().await.unwrap();
    }
    assert_eq!(row_counts(db.pool(), "b1").await, [5, 3, 4, 4]);
    let mut smaller = sample();
    smaller.orders.truncate(2);
    write(db.pool(), "b1", &smaller).await.unwrap();
    assert_eq!(row_counts(db.pool(), "b1").await, [2, 3, 4, 1]);
    let page = queries::orders_at_position(db.pool(), "b1", 0, 10)
        .await
        .unwrap();
    let got: Vec<_> = page.iter().map(|o| (o.customer_id, o.order_id)).collect();
    let want: Vec<_> = smaller.orders.iter().map(|(c, o, _)| (*c, *o)).collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn a_pool_too_small_for_a_write_is_refused_at_once() {
    let db = TestDatabase::create().await;
    let small = tiqets_store::connect_with(db.url(), tiqets_store::WRITE_CONNECTIONS - 1).unwrap();
    let err = BatchWriter::begin(&small, &id("b1")).await.err().unwrap();
    let want = format!("pool of {}", tiqets_store::WRITE_CONNECTIONS);
    assert!(err.to_string().contains(&want), "{err}");
}

#[tokio::test]
async fn sold_barcodes_follow_completed_are_replaced_by_a_rewrite_and_skip_a_deleted_batch() {
    let db = TestDatabase::create().await;
    let pool = db.pool();
    let sold = || async { count_rows(pool, "batch_barcodes", "b1").await };
    let s = sample();
    write(pool, "b1", &s).await.unwrap();
    // Completed without them: they follow.
    assert_eq!(sold().await, 0);
    assert_eq!(load_sold(pool, "b1", &s, false).await.unwrap(), Some(10));
    assert_eq!(sold().await, 10);
    // Attached: skipped, unless the orders were just written again.
    assert_eq!(load_sold(pool, "b1", &s, false).await.unwrap(), None);
    let mut smaller = sample();
    smaller.orders.truncate(2);
    write(pool, "b1", &smaller).await.unwrap();
    let expected: u64 = smaller.orders.iter().map(|o| o.2.len() as u64).sum();
    assert_eq!(
        load_sold(pool, "b1", &smaller, true).await.unwrap(),
        Some(expected)
    );
    assert_eq!(sold().await, expected as i64);
    // Deleted meanwhile: nothing to load, nothing left behind.
    tiqets_store::drop_batch(pool, "b1").await.unwrap();
    assert_eq!(load_sold(pool, "b1", &smaller, true).await.unwrap(), None);
    assert_eq!(sold().await, 0);
}
