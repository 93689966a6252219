//! The barcode and order steps of a partitioned merge, each over one partition: its
//! objects read, the domain's step run on a blocking thread, its runs stored, then its
//! `done`, and the next steps sent by the last one to finish.

use super::store::{all_stored, Parts, Pending};
use crate::error::MergeError;
use crate::upload::PieceWriter;
use std::io;
use tiqets_bus::Bus;
use tiqets_contract::{MergeStep, MergeWork, PartObject};
use tiqets_domain::partition::codec::{read_barcodes, read_barcodes_by_line, read_orders};
use tiqets_domain::partition::{self, Plan, StepIssues};
use tiqets_domain::{BarcodeBook, OrderBook};

/// Rules 2 and 3 over barcode partition `part` of `parts`; the last barcode step to finish
/// sends the order steps.
pub async fn barcodes(
    bus: &Bus,
    work: &MergeWork,
    part: u32,
    parts: u32,
) -> Result<(), MergeError> {
    let store = Parts::open(bus, &work.batch).await?;
    let done = PartObject::BarcodesDone(part);
    if !store.exists(done).await? {
        let input = store.reader(PartObject::Barcodes(part)).await?;
        let mut outputs: Vec<PartObject> = (0..parts)
            .map(|to| PartObject::Sold { from: part, to })
            .collect();
        outputs.extend([PartObject::Unused(part), PartObject::BarcodeIssues(part)]);
        let (writers, pending): (Vec<PieceWriter>, Vec<Pending>) =
            outputs.into_iter().map(|o| store.put(o)).unzip();
        let (limit, plan) = (work.issue_limit, Plan::new(parts));
        let (found, written) = blocking(writers, move |w| {
            let mut book = BarcodeBook::new();
            read_barcodes(input, &mut book)?;
            let (sold, rest) = w.split_at_mut(parts as usize);
            let [unused, issues] = rest else {
                unreachable!("two writers follow the sold ones")
            };
            partition::barcode_step(book, limit, plan, sold, unused, issues)
        })
        .await?;
        let stored = all_stored(&store, pending, written).await;
        let found = found?;
        stored?;
        store.put_json(done, &found).await?;
    }
    // Done: the input is never read again (a step run again finds its `done`).
    free(&store, [PartObject::Barcodes(part)]).await;
    let all = (0..parts).map(PartObject::BarcodesDone);
    if store.all_exist(all).await? {
        for q in 0..parts {
            let step = MergeStep::Orders { part: q, parts };
            bus.publish_work(&work.with_step(step)).await?;
        }
    }
    Ok(())
}

/// Rules 1, 4, 5 and 6 over order partition `part` of `parts`; the last order step to
/// finish sends the combine.
pub async fn orders(bus: &Bus, work: &MergeWork, part: u32, parts: u32) -> Result<(), MergeError> {
    let store = Parts::open(bus, &work.batch).await?;
    let done = PartObject::OrdersDone(part);
    if !store.exists(done).await? {
        let input = store.reader(PartObject::Orders(part)).await?;
        let mut sold = Vec::with_capacity(parts as usize);
        for from in 0..parts {
            sold.push(store.reader(PartObject::Sold { from, to: part }).await?);
        }
        let outputs = [PartObject::Processed(part), PartObject::OrderIssues(part)];
        let (writers, pending): (Vec<PieceWriter>, Vec<Pending>) =
            outputs.into_iter().map(|o| store.put(o)).unzip();
        let limit = work.issue_limit;
        let (found, written) = blocking(writers, move |w| {
            let mut orders = OrderBook::new();
            read_orders(input, &mut orders)?;
            let mut book = BarcodeBook::new();
            read_barcodes_by_line(sold, &mut book)?;
            let [processed, issues] = w else {
                unreachable!("two writers")
            };
            partition::order_step(orders, book, limit, processed, issues)
        })
        .await?;
        let stored = all_stored(&store, pending, written).await;
        let found = found?;
        stored?;
        store.put_json(done, &found).await?;
    }
    let sold = (0..parts).map(|from| PartObject::Sold { from, to: part });
    free(&store, sold.chain([PartObject::Orders(part)])).await;
    if store
        .all_exist((0..parts).map(PartObject::OrdersDone))
        .await?
    {
        let step = MergeStep::Combine { parts };
        bus.publish_work(&work.with_step(step)).await?;
    }
    Ok(())
}

/// Deletes a done step's inputs, so that the file bucket holds about one copy of the batch
/// at a time rather than every step's (`TIQETS_NATS_MAX_BYTES_FILES`). One not deleted is
/// left to the combine, which deletes every partition object.
async fn free(store: &Parts, inputs: impl IntoIterator<Item = PartObject>) {
    let failed = store.delete(inputs).await;
    if failed > 0 {
        tracing::warn!(failed, "a done step's inputs not deleted yet");
    }
}

/// Runs `step` with `writers` on a blocking thread, then closes them: its result (an
/// error of it fails every object), and what each writer made of its object.
async fn blocking(
    mut writers: Vec<PieceWriter>,
    step: impl FnOnce(&mut [PieceWriter]) -> io::Result<StepIssues> + Send + 'static,
) -> Result<(Result<StepIssues, MergeError>, Vec<io::Result<u64>>), MergeError> {
    tokio::task::spawn_blocking(move || {
        let found = step(&mut writers);
        let outcome = found.as_ref().map(|_| ());
        let written: Vec<io::Result<u64>> = writers.into_iter().map(|w| w.close(outcome)).collect();
        let found = found.map_err(|e| MergeError::Part {
            key: "a partition step's input".into(),
            message: e.to_string(),
        });
        (found, written)
    })
    .await
    .map_err(|e| MergeError::Task(e.to_string()))
}
