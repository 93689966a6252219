//! The sold barcodes of a completed batch: the barcodes of its `processed_orders` object,
//! each with its order, copied into `batch_barcodes` after `completed` (migration 9,
//! `tiqets_store::SoldCopy`). A lookup or a comparison of the batch finds them in its orders
//! until they are attached.

use crate::error::PersistError;
use crate::results::ResultStream;
use std::time::Instant;
use tiqets_bus::Bus;
use tiqets_contract::{PersistWork, ResultFile};
use tiqets_domain::output::ProcessedOrdersCsv;
use tiqets_store::{Pool, SoldCopy};

/// Copies `work`'s sold barcodes unless they are attached already; with `refresh` (the
/// orders were just written) they are replaced all the same.
pub async fn load(
    bus: &Bus,
    pool: &Pool,
    work: &PersistWork,
    refresh: bool,
) -> Result<(), PersistError> {
    let batch_id = &work.batch.batch_id;
    let processed = work
        .result(ResultFile::ProcessedOrders)
        .ok_or(PersistError::MissingResult(
            ResultFile::ProcessedOrders.file_name(),
        ))?;
    let started = Instant::now();
    let Some(mut copy) = SoldCopy::begin(pool, batch_id, refresh).await? else {
        return Ok(());
    };
    let files = bus.files().await?;
    let mut stream = ResultStream::<ProcessedOrdersCsv>::open(&files, processed, None).await?;
    while stream.step(|line| Ok(copy.add(&line)?)).await? {
        copy.send().await?;
    }
    let barcodes = copy.finish().await?;
    tracing::info!(
        batch_id = %batch_id,
        barcodes,
        sold_ms = started.elapsed().as_millis() as u64,
        "sold barcodes loaded"
    );
    Ok(())
}
