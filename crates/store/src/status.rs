//! Recording status events in `batches`, forward only.
//!
//! The rule is the contract's [`tiqets_contract::progression`] (`docs/events.md`, Status
//! events): within an attempt a batch only moves to a later stage, `completed` and `failed`
//! end the attempt, and a new attempt (a retried failed batch) starts over. Late or repeated
//! events are ignored, and so are events of a deleted batch's attempt; a repeated event of the
//! current stage only refreshes its progress and counts. Each event is applied under the
//! batch row's lock, so replicas recording events of one batch at once cannot interleave.

use crate::error::{db, Result, StoreError};
use deadpool_postgres::{Pool, Transaction};
use tiqets_contract::{BatchCounts, Progression, Source, StatusEvent};
use tokio_postgres::types::ToSql;

/// What recording an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The batch was new.
    Created,
    /// The batch moved to the event's status (a later stage or a new attempt).
    Forward,
    /// Same stage: progress and counts refreshed.
    Progress,
    /// A late or repeated event: nothing changed.
    Ignored,
}

/// Records `event` in `batches` (see the module docs).
pub async fn record_status(pool: &Pool, event: &StatusEvent) -> Result<Recorded> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await.map_err(db("begin status"))?;
    let recorded = apply(&tx, event, CountsFrom::Event).await?;
    tx.commit().await.map_err(db("commit status"))?;
    Ok(recorded)
}

/// Which counts an event sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CountsFrom {
    /// All of the event's counts.
    Event,
    /// The batch writer's: everything but the row counts of the input files, which only
    /// the validator knows.
    Writer,
}

pub(crate) async fn apply(
    tx: &Transaction<'_>,
    e: &StatusEvent,
    counts_from: CountsFrom,
) -> Result<Recorded> {
    let id = e.batch_id.as_str();
    let attempt = i32::try_from(e.attempt)
        .map_err(|_| StoreError::Invalid(format!("attempt {} out of range", e.attempt)))?;
    let created = tx
        .execute(
            "INSERT INTO batches (id, name, status, attempt, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO NOTHING",
            &[&id, &e.name, &e.status.as_str(), &attempt, &e.at],
        )
        .await
        .map_err(db("insert batch"))?
        == 1;
    let row = tx
        .query_one(
            "SELECT attempt, status, updated_at FROM batches WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await
        .map_err(db("lock batch"))?;
    // A late event of a deleted batch's attempt (a redelivery after the deletion): the row
    // this event would have created goes again, and nothing is recorded (migration 7). Checked
    // under the row's lock, after a deletion in progress has committed.
    let deleted = tx
        .query_opt(
            "SELECT 1 FROM deleted_batches WHERE id = $1 AND attempt >= $2",
            &[&id, &attempt],
        )
        .await
        .map_err(db("find deleted batch"))?
        .is_some();
    if deleted {
        if created {
            tx.execute("DELETE FROM batches WHERE id = $1", &[&id])
                .await
                .map_err(db("undo late batch"))?;
        }
        return Ok(Recorded::Ignored);
    }
    let recorded_attempt = u32::try_from(row.get::<_, i32>(0)).unwrap_or(0);
    let recorded_status = tiqets_contract::BatchStatus::parse(row.get(1))
        .ok_or_else(|| StoreError::Invalid("unknown status in batches".into()))?;
    let updated_at: time::OffsetDateTime = row.get(2);
    let progression = if created {
        Progression::Forward
    } else {
        e.progression_from((recorded_attempt, recorded_status))
    };
    let counts = CountParams::new(e.counts.as_ref(), counts_from)?;
    let progress = e
        .progress
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(|err| StoreError::Invalid(format!("progress: {err}")))?;
    match progression {
        Progression::Forward => {
            let new_attempt = !created && e.attempt > recorded_attempt;
            let files = FileParams::new(e);
            let status = e.status.as_str();
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![
                &id,
                &status,
                &attempt,
                &e.name,
                &e.reason,
                &e.at,
                &progress,
                &new_attempt,
            ];
            params.extend(files.params());
            params.extend(counts.params());
            tx.execute(FORWARD_SQL, &params)
                .await
                .map_err(db("record status"))?;
            if let Some(waiting) = &e.supersedes {
                tx.execute(
                    "DELETE FROM batches WHERE id = $1 AND status = 'waiting'",
                    &[&waiting.as_str()],
                )
                .await
                .map_err(db("delete superseded waiting batch"))?;
            }
            Ok(if created {
                Recorded::Created
            } else {
                Recorded::Forward
            })
        }
        Progression::Same if e.at >= updated_at => {
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&id, &e.at, &progress];
            params.extend(counts.params());
            tx.execute(PROGRESS_SQL, &params)
                .await
                .map_err(db("record progress"))?;
            Ok(Recorded::Progress)
        }
        Progression::Same | Progression::Backward => Ok(Recorded::Ignored),
    }
}

/// The stage timestamp of the event's status is set; on a new attempt the others are
/// cleared. Absent files and counts keep what was recorded.
const FORWARD_SQL: &str = "UPDATE batches SET
    status = $2, attempt = $3, name = CASE WHEN $4 = '' THEN name ELSE $4 END,
    reason = $5, updated_at = $6, progress = $7,
    received_at   = CASE WHEN $2 = 'received'   THEN $6 WHEN $8 THEN NULL ELSE received_at END,
    validating_at = CASE WHEN $2 = 'validating' THEN $6 WHEN $8 THEN NULL ELSE validating_at END,
    merging_at    = CASE WHEN $2 = 'merging'    THEN $6 WHEN $8 THEN NULL ELSE merging_at END,
    persisting_at = CASE WHEN $2 = 'persisting' THEN $6 WHEN $8 THEN NULL ELSE persisting_at END,
    completed_at  = CASE WHEN $2 = 'completed'  THEN $6 WHEN $8 THEN NULL ELSE completed_at END,
    failed_at     = CASE WHEN $2 = 'failed'     THEN $6 WHEN $8 THEN NULL ELSE failed_at END,
    orders_file = COALESCE($9, orders_file), orders_sha256 = COALESCE($10, orders_sha256),
    orders_size = COALESCE($11, orders_size), barcodes_file = COALESCE($12, barcodes_file),
    barcodes_sha256 = COALESCE($13, barcodes_sha256),
    barcodes_size = COALESCE($14, barcodes_size),
    order_rows = COALESCE($15, order_rows), barcode_rows = COALESCE($16, barcode_rows),
    orders_written = COALESCE($17, orders_written), tickets = COALESCE($18, tickets),
    customers = COALESCE($19, customers), unused_barcodes = COALESCE($20, unused_barcodes),
    issues = COALESCE($21, issues), issue_counts = COALESCE($22, issue_counts),
    issues_not_itemised = COALESCE($23, issues_not_itemised)
    WHERE id = $1";

const PROGRESS_SQL: &str = "UPDATE batches SET
    updated_at = $2, progress = COALESCE($3, progress),
    order_rows = COALESCE($4, order_rows), barcode_rows = COALESCE($5, barcode_rows),
    orders_written = COALESCE($6, orders_written), tickets = COALESCE($7, tickets),
    customers = COALESCE($8, customers), unused_barcodes = COALESCE($9, unused_barcodes),
    issues = COALESCE($10, issues), issue_counts = COALESCE($11, issue_counts),
    issues_not_itemised = COALESCE($12, issues_not_itemised)
    WHERE id = $1";

/// The count columns as statement parameters (`None` keeps the recorded value).
struct CountParams {
    /// order_rows, barcode_rows, orders_written, tickets, customers, unused_barcodes, issues.
    n: [Option<i64>; 7],
    by_code: Option<serde_json::Value>,
    not_itemised: Option<serde_json::Value>,
}

impl CountParams {
    fn new(counts: Option<&BatchCounts>, from: CountsFrom) -> Result<CountParams> {
        let Some(c) = counts else {
            return Ok(CountParams {
                n: [None; 7],
                by_code: None,
                not_itemised: None,
            });
        };
        let big = |v: u64| {
            i64::try_from(v).map_err(|_| StoreError::Invalid(format!("count {v} out of range")))
        };
        let rows = from == CountsFrom::Event;
        Ok(CountParams {
            n: [
                rows.then(|| big(c.order_rows)).transpose()?,
                rows.then(|| big(c.barcode_rows)).transpose()?,
                Some(big(c.orders_written)?),
                Some(big(c.tickets)?),
                Some(big(c.customers)?),
                Some(big(c.unused_barcodes)?),
                Some(big(c.issues)?),
            ],
            by_code: Some(
                serde_json::to_value(&c.issues_by_code)
                    .map_err(|e| StoreError::Invalid(format!("issue counts: {e}")))?,
            ),
            not_itemised: Some(
                serde_json::to_value(&c.issues_not_itemised)
                    .map_err(|e| StoreError::Invalid(format!("issues not itemised: {e}")))?,
            ),
        })
    }

    /// In column order: the seven counts, the issue counts by code, then the issues not
    /// itemised.
    fn params(&self) -> impl Iterator<Item = &(dyn ToSql + Sync)> {
        let n = self.n.iter().map(|n| n as &(dyn ToSql + Sync));
        let json = [&self.by_code, &self.not_itemised];
        n.chain(json.into_iter().map(|j| j as &(dyn ToSql + Sync)))
    }
}

/// The input file columns as statement parameters: (name, sha256, size) per file.
struct FileParams {
    orders: (Option<String>, Option<String>, Option<i64>),
    barcodes: (Option<String>, Option<String>, Option<i64>),
}

impl FileParams {
    fn new(e: &StatusEvent) -> FileParams {
        let names = match &e.source {
            Some(
                Source::Folder { orders, barcodes }
                | Source::Upload { orders, barcodes }
                | Source::Retry { orders, barcodes },
            ) => (Some(orders.clone()), Some(barcodes.clone())),
            None => (None, None),
        };
        let file = |name: Option<String>, f: Option<&tiqets_contract::FileRef>| {
            (
                name.or_else(|| f.map(|f| f.key.clone())),
                f.map(|f| f.sha256.to_hex()),
                f.and_then(|f| i64::try_from(f.size).ok()),
            )
        };
        let inputs = e.inputs.as_ref();
        FileParams {
            orders: file(names.0, inputs.map(|i| &i.orders)),
            barcodes: file(names.1, inputs.map(|i| &i.barcodes)),
        }
    }

    /// In column order: name, sha256 and size of orders.csv, then of barcodes.csv.
    fn params(&self) -> [&(dyn ToSql + Sync); 6] {
        let (o, b) = (&self.orders, &self.barcodes);
        [&o.0, &o.1, &o.2, &b.0, &b.1, &b.2]
    }
}
