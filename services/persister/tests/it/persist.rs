use crate::harness::{
    big_batch, fixture, publish_twice, put_results, row_counts, small_batch, start, wait_for_idle,
    wait_for_status, written_processed,
};
use tiqets_bus::Outcome;
use tiqets_contract::BatchStatus;
use tiqets_domain::CustomerTickets;
use tiqets_persister::Persister;
use tiqets_store::queries;

#[tokio::test]
async fn a_persist_message_completes_the_batch_with_exactly_its_rows_and_files() {
    let (_ns, db, out, bus) = fixture().await;
    let batch = small_batch();
    let work = put_results(&bus, &batch).await;
    let running = start(&bus, db.pool(), out.path());

    bus.publish_work(&work).await.unwrap();
    wait_for_status(db.pool(), &batch.id, BatchStatus::Completed).await;

    let pool = db.pool();
    let id = batch.id.as_str();
    assert_eq!(row_counts(pool, &batch.id).await, [3, 2, 3, 2]);
    let record = queries::batch(pool, id).await.unwrap().unwrap();
    assert_eq!((record.name.as_str(), record.attempt), ("monday", 1));
    assert_eq!(record.counts.unwrap(), batch.counts);
    let orders = queries::customer_orders(pool, id, 10).await.unwrap();
    let got: Vec<_> = orders
        .iter()
        .map(|o| (o.order_id, o.barcodes.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (1, vec!["111".to_string(), "222".into()]),
            (3, vec!["555".into()])
        ]
    );
    let top = queries::top_customers(pool, id, 5).await.unwrap();
    let expected = [(10, 3), (20, 1)].map(|(customer_id, tickets)| CustomerTickets {
        customer_id,
        tickets,
    });
    assert_eq!(top, expected);
    let unused = queries::unused_barcodes_page(pool, id, 0, 10)
        .await
        .unwrap();
    let got: Vec<_> = unused
        .iter()
        .map(|u| (u.barcode.as_str(), u.line))
        .collect();
    assert_eq!(got, [("444", 5), ("777", 9)]);
    let issues = queries::issues_page(pool, id, None, 0, 10).await.unwrap();
    let codes: Vec<_> = issues.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "order_without_barcodes",
            "duplicate_barcode",
            "unknown_order"
        ]
    );

    let dir = out.path().join(id);
    assert_eq!(
        std::fs::read(dir.join("processed_orders.csv")).unwrap(),
        batch.processed
    );
    assert_eq!(std::fs::read(dir.join("issues.csv")).unwrap(), batch.issues);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files left: {names:?}");
    // After `completed`, before the message is acknowledged: the sold barcodes are loaded.
    wait_for_idle(&bus).await;
    let sold = tiqets_testkit::database::count_rows(pool, "batch_barcodes", id).await;
    assert_eq!(sold, 4);
    let state = queries::lookups::barcode(pool, id, "222").await.unwrap();
    assert_eq!(
        state.map(|s| (s.state, s.order_id, s.customer_id)),
        Some(("sold", Some(1), Some(10)))
    );
    running.stop().await;
}

#[tokio::test]
async fn a_message_delivered_twice_stores_its_rows_once() {
    let (_ns, db, out, bus) = fixture().await;
    let batch = small_batch();
    let work = put_results(&bus, &batch).await;
    let running = start(&bus, db.pool(), out.path());

    // Two copies that JetStream does not deduplicate (as after a publisher's retry).
    publish_twice(&bus, &work).await;
    wait_for_status(db.pool(), &batch.id, BatchStatus::Completed).await;
    wait_for_idle(&bus).await;
    assert_eq!(row_counts(db.pool(), &batch.id).await, [3, 2, 3, 2]);
    let sold = tiqets_testkit::database::count_rows(db.pool(), "batch_barcodes", batch.id.as_str());
    assert_eq!(sold.await, 4);
    running.stop().await;
}

#[tokio::test]
async fn persisting_again_replaces_the_rows_with_the_same_ones() {
    let (_ns, db, out, bus) = fixture().await;
    let batch = small_batch();
    let work = put_results(&bus, &batch).await;
    let persister = Persister::new(bus.clone(), db.pool().clone(), out.path());

    let first = persister.persist(&work).await.unwrap();
    let second = persister.persist(&work).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(first, batch.counts);
    assert_eq!(row_counts(db.pool(), &batch.id).await, [3, 2, 3, 2]);
}

/// What a persister killed right after the batch's commit leaves: the batch completed, its
/// sold barcodes not loaded. Lookups answer from its orders meanwhile; the redelivery loads
/// them.
#[tokio::test]
async fn a_redelivery_after_completed_loads_the_sold_barcodes_left_unloaded() {
    let (_ns, db, out, bus) = fixture().await;
    let batch = small_batch();
    let work = put_results(&bus, &batch).await;
    let persister = Persister::new(bus.clone(), db.pool().clone(), out.path());
    persister.persist(&work).await.unwrap();
    let (pool, id) = (db.pool(), batch.id.as_str());
    let sold = || tiqets_testkit::database::count_rows(pool, "batch_barcodes", id);
    let lookup = || async {
        let state = queries::lookups::barcode(pool, id, "222").await.unwrap();
        state.map(|s| (s.state, s.order_id, s.customer_id))
    };
    let expected = Some(("sold", Some(1), Some(10)));
    assert_eq!(sold().await, 0);
    assert_eq!(lookup().await, expected);
    assert_eq!(persister.handle(&work).await, Outcome::Ack);
    assert_eq!(sold().await, 4);
    assert_eq!(lookup().await, expected);
}

#[tokio::test]
async fn a_large_batch_streams_through() {
    let (_ns, db, out, bus) = fixture().await;
    let batch = big_batch(50_000);
    let work = put_results(&bus, &batch).await;
    let persister = Persister::new(bus.clone(), db.pool().clone(), out.path());
    let counts = persister.persist(&work).await.unwrap();
    assert_eq!(counts, batch.counts);
    assert_eq!(
        row_counts(db.pool(), &batch.id).await,
        [50_000, 1, 0, 16_667]
    );
    assert_eq!(written_processed(out.path(), &batch.id), batch.processed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_given_the_same_batch_twice_store_it_once() {
    let (_ns, db, out, bus) = fixture().await;
    let batch = big_batch(20_000);
    let work = put_results(&bus, &batch).await;
    let replicas = [
        start(&bus, db.pool(), out.path()),
        start(&bus, db.pool(), out.path()),
    ];

    publish_twice(&bus, &work).await;
    wait_for_status(db.pool(), &batch.id, BatchStatus::Completed).await;
    wait_for_idle(&bus).await;
    assert_eq!(
        row_counts(db.pool(), &batch.id).await,
        [20_000, 1, 0, 6_667]
    );
    assert_eq!(written_processed(out.path(), &batch.id), batch.processed);
    for r in replicas {
        r.stop().await;
    }
}
