//! Unused barcodes (`unused_barcodes.csv`): pages in `barcodes.csv` order and the whole list
//! as a stream.

use super::{page, query, rank_offset, unsigned};
use crate::error::{db, Result};
use crate::model::UnusedBarcode;
use deadpool_postgres::Pool;
use futures::{Stream, TryStreamExt};

/// A page of a batch's unused barcodes in `barcodes.csv` order, after the first `offset`
/// (a closed range of the dense `position`, as in [`orders_at_position`]).
pub async fn unused_barcodes_page(
    pool: &Pool,
    batch_id: &str,
    offset: u64,
    limit: u32,
) -> Result<Vec<UnusedBarcode>> {
    let rows = query(
        pool,
        "unused barcodes",
        "SELECT position, barcode, line FROM batch_unused_barcodes
         WHERE batch_id = $1 AND position > $2 AND position <= $2 + $3
         ORDER BY position LIMIT $3",
        &[&batch_id, &rank_offset(offset), &page(limit)],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| UnusedBarcode {
            position: unsigned(r.get(0)),
            barcode: r.get(1),
            line: unsigned(r.get(2)),
        })
        .collect())
}

/// Every unused barcode of a batch in `barcodes.csv` order, streamed from the server (for
/// `/api/process`).
pub async fn stream_unused(
    client: &tokio_postgres::Client,
    batch_id: &str,
) -> Result<impl Stream<Item = Result<UnusedBarcode>> + use<>> {
    let rows = client
        .query_raw(
            "SELECT position, barcode, line FROM batch_unused_barcodes WHERE batch_id = $1
             ORDER BY position",
            [batch_id],
        )
        .await
        .map_err(db("stream unused barcodes"))?;
    Ok(rows
        .map_ok(|row| UnusedBarcode {
            position: unsigned(row.get(0)),
            barcode: row.get(1),
            line: unsigned(row.get(2)),
        })
        .map_err(db("stream unused barcodes")))
}
