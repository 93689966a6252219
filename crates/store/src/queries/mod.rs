//! The read queries the api serves, each answered from an index (see docs/data-model.md),
//! one file per table read: [`batches`], [`orders`], [`issues`], [`unused`], with
//! [`lookups`] by key and the stored [`changes`] between two batches.
//!
//! Every value a client sends arrives here as a bound parameter; page sizes are clamped to
//! [`MAX_PAGE`] whatever the caller asks. Filtered SQL is made only of fixed fragments.

pub mod batches;
pub mod changes;
mod guard;
pub mod issues;
pub mod lookups;
pub mod orders;
pub mod unused;

pub use batches::{
    batch, batch_exists, batch_in_flight, completed_by_digest, count_batches, current_batch,
    ended_batches, list_batches, stalled_batches, StalledBatch,
};
pub use guard::ReadGuard;
pub use issues::{count_issues, issues_at, issues_page, stream_issues};
pub use orders::{
    count_customer_orders, customer_orders, orders_at, orders_at_position, orders_page,
    stream_orders, top_customers,
};
pub use unused::{stream_unused, unused_barcodes_page};

use crate::error::{db, Result};
use deadpool_postgres::{Object, Pool};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Statement};

/// A pooled connection and `sql` prepared on it (once per connection: the statement is
/// cached); `what` names the query in errors.
async fn prepared(pool: &Pool, what: &'static str, sql: &str) -> Result<(Object, Statement)> {
    let client = pool.get().await?;
    let stmt = client.prepare_cached(sql).await.map_err(db(what))?;
    Ok((client, stmt))
}

/// The rows of `sql` with `params` ([`prepared`]).
pub(crate) async fn query(
    pool: &Pool,
    what: &'static str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>> {
    let (client, stmt) = prepared(pool, what, sql).await?;
    client.query(&stmt, params).await.map_err(db(what))
}

/// [`query`] for exactly one row.
pub(crate) async fn query_one(
    pool: &Pool,
    what: &'static str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Row> {
    let (client, stmt) = prepared(pool, what, sql).await?;
    client.query_one(&stmt, params).await.map_err(db(what))
}

/// [`query`] for at most one row.
pub(crate) async fn query_opt(
    pool: &Pool,
    what: &'static str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Option<Row>> {
    let (client, stmt) = prepared(pool, what, sql).await?;
    client.query_opt(&stmt, params).await.map_err(db(what))
}

/// The largest page any query returns.
pub const MAX_PAGE: i64 = 10_000;

pub(crate) fn page(limit: u32) -> i64 {
    i64::from(limit).clamp(1, MAX_PAGE)
}

/// A page's offset as the lower end of a `position` range: `offset + limit` stays a bigint.
pub(crate) fn rank_offset(offset: u64) -> i64 {
    signed(offset).min(i64::MAX - MAX_PAGE)
}

pub fn signed(n: u64) -> i64 {
    // Ids and offsets above i64::MAX cannot exist in the tables: clamp instead of failing.
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
