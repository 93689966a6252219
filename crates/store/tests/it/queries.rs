use crate::sample::{sample, write};
use tiqets_domain::CustomerTickets;
use tiqets_store::queries;
use tiqets_testkit::TestDatabase;

fn ct(customer_id: u64, tickets: u64) -> CustomerTickets {
    CustomerTickets {
        customer_id,
        tickets,
    }
}

#[tokio::test]
async fn top_customers_are_most_tickets_first_ties_by_smaller_id() {
    let db = TestDatabase::create().await;
    write(db.pool(), "b1", &sample()).await.unwrap();
    let top = queries::top_customers(db.pool(), "b1", 3).await.unwrap();
    assert_eq!(top, [ct(10, 3), ct(20, 3), ct(40, 3)]);
    let all = queries::top_customers(db.pool(), "b1", 100).await.unwrap();
    assert_eq!(all.last(), Some(&ct(30, 1)));
}

#[tokio::test]
async fn a_customers_orders_keep_barcodes_in_line_order() {
    let db = TestDatabase::create().await;
    write(db.pool(), "b1", &sample()).await.unwrap();
    let orders = queries::customer_orders(db.pool(), "b1", 20).await.unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].barcodes, ["0007", "333", "555"]);
    assert!(queries::customer_orders(db.pool(), "b1", 99)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn orders_pages_follow_output_order() {
    let db = TestDatabase::create().await;
    write(db.pool(), "b1", &sample()).await.unwrap();
    let first = queries::orders_page(db.pool(), "b1", None, None, 2)
        .await
        .unwrap();
    let keys: Vec<_> = first.iter().map(|o| (o.customer_id, o.order_id)).collect();
    assert_eq!(keys, [(10, 1), (10, 4)]);
    let next = queries::orders_page(db.pool(), "b1", None, Some((10, 4)), 2)
        .await
        .unwrap();
    let keys: Vec<_> = next.iter().map(|o| (o.customer_id, o.order_id)).collect();
    assert_eq!(keys, [(20, 2), (30, 3)]);
    let mine = queries::orders_page(db.pool(), "b1", Some(10), Some((10, 1)), 10)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].order_id, 4);
}

#[tokio::test]
async fn orders_at_a_position_are_the_output_order_from_there_in_each_batch() {
    let db = TestDatabase::create().await;
    let mut other = sample();
    other.orders.insert(0, (5, 9, vec!["x1"]));
    write(db.pool(), "b0", &other).await.unwrap();
    write(db.pool(), "b1", &sample()).await.unwrap();
    let pool = db.pool();
    let keys = |offset, limit| async move {
        let page = queries::orders_at_position(pool, "b1", offset, limit)
            .await
            .unwrap();
        page.iter()
            .map(|o| (o.customer_id, o.order_id))
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(0, 2).await, [(10, 1), (10, 4)]);
    assert_eq!(keys(1, 3).await, [(10, 4), (20, 2), (30, 3)]);
    assert_eq!(keys(3, 10).await, [(30, 3), (40, 5)]);
    assert!(keys(5, 10).await.is_empty());
    let page = queries::orders_at_position(db.pool(), "b0", 0, 1)
        .await
        .unwrap();
    assert_eq!((page[0].customer_id, page[0].order_id), (5, 9));
    assert_eq!(page[0].barcodes, ["x1"]);
}

#[tokio::test]
async fn unused_barcodes_page_by_position() {
    let db = TestDatabase::create().await;
    write(db.pool(), "b1", &sample()).await.unwrap();
    let page = queries::unused_barcodes_page(db.pool(), "b1", 1, 10)
        .await
        .unwrap();
    let got: Vec<_> = page
        .iter()
        .map(|u| (u.position, u.barcode.as_str(), u.line))
        .collect();
    assert_eq!(got, [(2, "u2", 5), (3, "u3", 11)]);
}

#[tokio::test]
async fn issues_page_in_report_order_and_by_code() {
    let db = TestDatabase::create().await;
    write(db.pool(), "b1", &sample()).await.unwrap();
    let all = queries::issues_page(db.pool(), "b1", None, 0, 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[1].message, "order_id 8 has, no \"barcodes\"");
    let dup = queries::issues_page(db.pool(), "b1", Some("duplicate_barcode"), 0, 1)
        .await
        .unwrap();
    assert_eq!((dup[0].seq, dup[0].line), (3, 3));
    let more = queries::issues_page(db.pool(), "b1", Some("duplicate_barcode"), dup[0].seq, 10)
        .await
        .unwrap();
    assert_eq!(more.len(), 1);
    assert_eq!(more[0].line, 7);
}

#[tokio::test]
async fn the_current_batch_is_the_last_completed_and_the_list_is_newest_first() {
    let db = TestDatabase::create().await;
    assert!(queries::current_batch(db.pool()).await.unwrap().is_none());
    write(db.pool(), "b1", &sample()).await.unwrap();
    write(db.pool(), "b2", &sample()).await.unwrap();
    assert_eq!(
        queries::current_batch(db.pool()).await.unwrap().unwrap().id,
        "b2"
    );
    let list = queries::list_batches(db.pool(), 0, 10).await.unwrap();
    let ids: Vec<_> = list.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["b2", "b1"]);
}

#[tokio::test]
async fn the_processed_orders_stream_yields_every_row_in_order() {
    use futures::TryStreamExt;
    let db = TestDatabase::create().await;
    write(db.pool(), "b1", &sample()).await.unwrap();
    let client = db.pool().get().await.unwrap();
    let rows: Vec<_> = queries::stream_orders(&client, "b1")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4].barcodes, ["777", "888", "999"]);
}
