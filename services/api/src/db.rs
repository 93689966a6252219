//! Read queries the api needs beyond `tiqets_store::queries`: counts for page totals,
//! offset pages with filters, and the issues as a stream for the `issues.csv` download.
//!
//! Every value a client sends is a bound parameter; the SQL text is made only of the fixed
//! fragments below.

use deadpool_postgres::Pool;
use futures::{Stream, TryStreamExt};
use tiqets_store::{IssueRecord, OrderRecord, StoreError};
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

type Result<T> = std::result::Result<T, StoreError>;

fn db(context: &'static str) -> impl Fn(tokio_postgres::Error) -> StoreError {
    move |source| StoreError::Db { context, source }
}

fn signed(n: u64) -> i64 {
    // Offsets and ids are bounded far below i64::MAX by the parameter checks.
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn order(row: &Row) -> OrderRecord {
    OrderRecord {
        customer_id: unsigned(row.get(0)),
        order_id: unsigned(row.get(1)),
        barcodes: tiqets_store::split_barcodes(row.get(2)),
    }
}

fn issue(row: &Row) -> IssueRecord {
    IssueRecord {
        seq: unsigned(row.get(0)),
        file: row.get(1),
        line: unsigned(row.get(2)),
        code: row.get(3),
        message: row.get(4),
    }
}

/// The number of batches (waiting files included).
pub async fn count_batches(pool: &Pool) -> Result<u64> {
    let client = pool.get().await?;
    let stmt = client
        .prepare_cached("SELECT count(*) FROM batches")
        .await
        .map_err(db("prepare count batches"))?;
    let row = client
        .query_one(&stmt, &[])
        .await
        .map_err(db("count batches"))?;
    Ok(unsigned(row.get(0)))
}

/// The number of output rows of one customer in a batch.
pub async fn count_customer_orders(pool: &Pool, batch_id: &str, customer_id: u64) -> Result<u64> {
    let client = pool.get().await?;
    let stmt = client
        .prepare_cached(
            "SELECT count(*) FROM batch_orders WHERE batch_id = $1 AND customer_id = $2",
        )
        .await
        .map_err(db("prepare count customer orders"))?;
    let row = client
        .query_one(&stmt, &[&batch_id, &signed(customer_id)])
        .await
        .map_err(db("count customer orders"))?;
    Ok(unsigned(row.get(0)))
}

/// Output rows `offset..offset + limit` in output order, optionally of one customer (a
/// customer's rows are few: an offset into them is cheap; the whole batch is paged by the
/// dense `position`, an index range however deep).
pub async fn orders_at(
    pool: &Pool,
    batch_id: &str,
    customer_id: Option<u64>,
    offset: u64,
    limit: u32,
) -> Result<Vec<OrderRecord>> {
    let Some(customer_id) = customer_id else {
        return tiqets_store::queries::orders_at_position(pool, batch_id, offset, limit).await;
    };
    let client = pool.get().await?;
    let (offset, limit) = (signed(offset), i64::from(limit));
    let stmt = client
        .prepare_cached(
            "SELECT customer_id, order_id, barcodes FROM batch_orders
             WHERE batch_id = $1 AND customer_id = $2
             ORDER BY order_id OFFSET $3 LIMIT $4",
        )
        .await
        .map_err(db("prepare orders page"))?;
    let rows = client
        .query(&stmt, &[&batch_id, &signed(customer_id), &offset, &limit])
        .await
        .map_err(db("orders page"))?;
    Ok(rows.iter().map(order).collect())
}

/// `WHERE` conditions for the issue filters, and their parameters after `$1` (the batch).
fn issue_filter<'a>(
    code: &'a Option<&'a str>,
    file: &'a Option<&'a str>,
) -> (String, Vec<&'a (dyn ToSql + Sync)>) {
    let mut sql = String::from(" WHERE batch_id = $1");
    let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
    if let Some(code) = code {
        params.push(code);
        sql.push_str(&format!(" AND code = ${}", params.len() + 1));
    }
    if let Some(file) = file {
        params.push(file);
        sql.push_str(&format!(" AND file = ${}", params.len() + 1));
    }
    (sql, params)
}

/// Issues `offset..offset + limit` in report order, optionally of one code and/or file.
pub async fn issues_at(
    pool: &Pool,
    batch_id: &str,
    code: Option<&str>,
    file: Option<&str>,
    offset: u64,
    limit: u32,
) -> Result<Vec<IssueRecord>> {
    if code.is_none() && file.is_none() {
        // `seq` is dense (1..n): the page is an index range, however deep.
        return tiqets_store::queries::issues_page(pool, batch_id, None, offset, limit).await;
    }
    let client = pool.get().await?;
    let (filter, extra) = issue_filter(&code, &file);
    let (offset, limit) = (signed(offset), i64::from(limit));
    let n = extra.len();
    let sql = format!(
        "SELECT seq, file, line, code, message FROM batch_issues{filter}
         ORDER BY seq OFFSET ${} LIMIT ${}",
        n + 2,
        n + 3
    );
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&batch_id];
    params.extend(extra);
    params.push(&offset);
    params.push(&limit);
    let stmt = client
        .prepare_cached(&sql)
        .await
        .map_err(db("prepare issues page"))?;
    let rows = client
        .query(&stmt, &params)
        .await
        .map_err(db("issues page"))?;
    Ok(rows.iter().map(issue).collect())
}

/// The number of issues of a batch with these filters.
pub async fn count_issues(
    pool: &Pool,
    batch_id: &str,
    code: Option<&str>,
    file: Option<&str>,
) -> Result<u64> {
    let client = pool.get().await?;
    let (filter, extra) = issue_filter(&code, &file);
    let sql = format!("SELECT count(*) FROM batch_issues{filter}");
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&batch_id];
    params.extend(extra);
    let stmt = client
        .prepare_cached(&sql)
        .await
        .map_err(db("prepare count issues"))?;
    let row = client
        .query_one(&stmt, &params)
        .await
        .map_err(db("count issues"))?;
    Ok(unsigned(row.get(0)))
}

/// Every issue of a batch in report order, streamed from the server (for `issues.csv`).
pub async fn stream_issues(
    client: &tokio_postgres::Client,
    batch_id: &str,
) -> Result<impl Stream<Item = Result<IssueRecord>> + use<>> {
    let rows = client
        .query_raw(
            "SELECT seq, file, line, code, message FROM batch_issues WHERE batch_id = $1
             ORDER BY seq",
            [batch_id],
        )
        .await
        .map_err(db("stream issues"))?;
    Ok(rows.map_ok(|row| issue(&row)).map_err(db("stream issues")))
}

/// Every unused barcode of a batch in `barcodes.csv` order, streamed from the server (for
/// `/api/process`).
pub async fn stream_unused(
    client: &tokio_postgres::Client,
    batch_id: &str,
) -> Result<impl Stream<Item = Result<tiqets_store::UnusedBarcode>> + use<>> {
    let rows = client
        .query_raw(
            "SELECT position, barcode, line FROM batch_unused_barcodes WHERE batch_id = $1
             ORDER BY position",
            [batch_id],
        )
        .await
        .map_err(db("stream unused barcodes"))?;
    Ok(rows
        .map_ok(|row| tiqets_store::UnusedBarcode {
            position: unsigned(row.get(0)),
            barcode: row.get(1),
            line: unsigned(row.get(2)),
        })
        .map_err(db("stream unused barcodes")))
}

/// Whether a batch is on its way: received and neither completed nor failed.
pub async fn batch_in_flight(pool: &Pool) -> Result<bool> {
    let client = pool.get().await?;
    let stmt = client
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM batches
             WHERE status IN ('received', 'validating', 'merging', 'persisting'))",
        )
        .await
        .map_err(db("prepare batch in flight"))?;
    let row = client
        .query_one(&stmt, &[])
        .await
        .map_err(db("batch in flight"))?;
    Ok(row.get(0))
}
