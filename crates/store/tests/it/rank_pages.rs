//! Pages by rank on a batch large enough for the planner to choose: they come from the
//! partition's BRIN index on `position` (migration 4), reading a few block ranges, also after
//! the batch was written a second time.

use crate::sample::{id, write_order, write_unused};
use tiqets_store::{queries, BatchWriter, Pool};
use tiqets_testkit::TestDatabase;

const ORDERS: u64 = 20_000;
const UNUSED: u64 = 20_000;

/// Order `i` (1-based) is customer `i / 3 + 1`, order `i`; unused barcode `i` stands on line `2i`.
async fn write_big(pool: &Pool, batch: &str) {
    let mut w = BatchWriter::begin(pool, &id(batch)).await.unwrap();
    let mut orders = w.orders().await.unwrap();
    for i in 1..=ORDERS {
        let (a, b) = (format!("A{i:012}"), format!("B{i:012}"));
        write_order(&mut orders, i / 3 + 1, i, &[&a, &b])
            .await
            .unwrap();
    }
    let orders = orders.finish().await.unwrap();
    let mut unused = w.unused().await.unwrap();
    for i in 1..=UNUSED {
        write_unused(&mut unused, &format!("U{i:015}"), 2 * i)
            .await
            .unwrap();
    }
    let unused = unused.finish().await.unwrap();
    let issues = w.issues().await.unwrap().finish().await.unwrap();
    w.commit("big", 1, orders, unused, issues).await.unwrap();
}

/// The heap blocks a page query reads, from its plan; panics unless it is a BRIN bitmap scan.
async fn blocks_read(pool: &Pool, table: &str, columns: &str, batch: &str, offset: u64) -> u64 {
    let client = pool.get().await.unwrap();
    let sql = format!(
        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT {columns} FROM {table}
         WHERE batch_id = '{batch}' AND position > {offset} AND position <= {offset} + 100
         ORDER BY position LIMIT 100"
    );
    let plan: Vec<String> = client
        .query(&sql, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let plan = plan.join("\n");
    assert!(
        plan.contains("Bitmap Index Scan on") && plan.contains("position_idx"),
        "{plan}"
    );
    let lossy = plan
        .split("lossy=")
        .nth(1)
        .unwrap_or_else(|| panic!("no lossy heap blocks in\n{plan}"));
    lossy
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

async fn order_keys(pool: &Pool, batch: &str, offset: u64, limit: u32) -> Vec<(u64, u64)> {
    queries::orders_at_position(pool, batch, offset, limit)
        .await
        .unwrap()
        .iter()
        .map(|o| (o.customer_id, o.order_id))
        .collect()
}

#[tokio::test]
async fn deep_pages_read_a_few_block_ranges_before_and_after_a_rewrite() {
    let db = TestDatabase::create().await;
    let pool = db.pool();
    write_big(pool, "bbig").await;
    for round in ["first write", "rewrite"] {
        for offset in [0, ORDERS / 2, ORDERS - 100] {
            let want: Vec<_> = (offset + 1..=offset + 100)
                .map(|i| (i / 3 + 1, i))
                .collect();
            assert_eq!(order_keys(pool, "bbig", offset, 100).await, want, "{round}");
            let orders = blocks_read(pool, "batch_orders", "order_id", "bbig", offset).await;
            let unused = blocks_read(pool, "batch_unused_barcodes", "line", "bbig", offset).await;
            // A page spans one or two ranges of 8 blocks (after a rewrite, as many again
            // hold the deleted rows); the whole table is ~20 times that.
            assert!(orders <= 40, "{round}: {orders} order blocks at {offset}");
            assert!(unused <= 40, "{round}: {unused} unused blocks at {offset}");
        }
        let page = queries::unused_barcodes_page(pool, "bbig", UNUSED - 1, 10)
            .await
            .unwrap();
        assert_eq!(page.len(), 1, "{round}");
        assert_eq!(
            (page[0].position, page[0].barcode.as_str(), page[0].line),
            (UNUSED, format!("U{UNUSED:015}").as_str(), 2 * UNUSED)
        );
        if round == "first write" {
            write_big(pool, "bbig").await;
        }
    }
}

#[tokio::test]
async fn an_offset_past_every_rank_is_an_empty_page() {
    let db = TestDatabase::create().await;
    let pool = db.pool();
    write_big(pool, "bbig").await;
    assert!(order_keys(pool, "bbig", ORDERS, 10).await.is_empty());
    assert!(order_keys(pool, "bbig", u64::MAX, 10_000).await.is_empty());
    let unused = queries::unused_barcodes_page(pool, "bbig", u64::MAX, 10_000)
        .await
        .unwrap();
    assert!(unused.is_empty());
}
