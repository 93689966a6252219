//! Issues (`issues.csv`): pages in report order, with code and file filters, counts, and
//! the whole report as a stream.

use super::{page, query, query_one, signed, unsigned};
use crate::error::{db, Result};
use crate::model::IssueRecord;
use deadpool_postgres::Pool;
use futures::{Stream, TryStreamExt};
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

fn issue_record(row: &Row) -> IssueRecord {
    IssueRecord {
        seq: unsigned(row.get(0)),
        file: row.get(1),
        line: unsigned(row.get(2)),
        code: row.get(3),
        message: row.get(4),
    }
}

/// A page of a batch's issues in report order, optionally of one code, after issue
/// number `after_seq` (0 for the first page).
pub async fn issues_page(
    pool: &Pool,
    batch_id: &str,
    code: Option<&str>,
    after_seq: u64,
    limit: u32,
) -> Result<Vec<IssueRecord>> {
    // Two statements rather than `($2 IS NULL OR code = $2)`: a cached generic plan for
    // that form could not use the (batch_id, code, seq) index.
    let after = signed(after_seq);
    let rows = match code {
        Some(code) => {
            let sql = "SELECT seq, file, line, code, message FROM batch_issues
                       WHERE batch_id = $1 AND code = $2 AND seq > $3 ORDER BY seq LIMIT $4";
            query(
                pool,
                "issues page",
                sql,
                &[&batch_id, &code, &after, &page(limit)],
            )
            .await?
        }
        None => {
            let sql = "SELECT seq, file, line, code, message FROM batch_issues
                       WHERE batch_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
            query(pool, "issues page", sql, &[&batch_id, &after, &page(limit)]).await?
        }
    };
    Ok(rows.iter().map(issue_record).collect())
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
        return issues_page(pool, batch_id, None, offset, limit).await;
    }
    let (filter, extra) = issue_filter(&code, &file);
    let (offset, limit) = (signed(offset), page(limit));
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
    let rows = query(pool, "issues page", &sql, &params).await?;
    Ok(rows.iter().map(issue_record).collect())
}

/// The number of issues of a batch with these filters.
pub async fn count_issues(
    pool: &Pool,
    batch_id: &str,
    code: Option<&str>,
    file: Option<&str>,
) -> Result<u64> {
    let (filter, extra) = issue_filter(&code, &file);
    let sql = format!("SELECT count(*) FROM batch_issues{filter}");
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&batch_id];
    params.extend(extra);
    let row = query_one(pool, "count issues", &sql, &params).await?;
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
    Ok(rows
        .map_ok(|row| issue_record(&row))
        .map_err(db("stream issues")))
}
