//! The merger's handling of one [`MergeWork`]: chunks → domain merge → result objects →
//! `PersistWork`.

use crate::books::{Barcodes, Orders};
use crate::error::MergeError;
use crate::reader::read_chunks;
use crate::results::Merged;
use crate::settings::Settings;
use crate::upload::upload;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tiqets_bus::{
    BatchCounts, BatchStatus, Bus, Delivery, MergeWork, Outcome, PersistWork, ResultFile,
    ResultRef, StatusEvent, WorkHandler,
};
use tiqets_domain::FileKind;

/// Merges batches. Cheap to clone.
#[derive(Clone)]
pub struct Merger {
    bus: Bus,
    chunk_wait: Duration,
}

impl Merger {
    pub fn new(bus: Bus, settings: &Settings) -> Merger {
        Merger {
            bus,
            chunk_wait: settings.chunk_wait,
        }
    }

    /// Handles one message: publishes `merging`, merges the batch's chunks with the domain
    /// rules, stores the result objects and publishes `PersistWork`. Acks only once all of
    /// that was acknowledged; doing it again gives the same objects and message id.
    pub async fn merge(&self, work: MergeWork) -> Outcome {
        let started = Instant::now();
        let b = &work.batch;
        let merging = StatusEvent::new(
            b.batch_id.clone(),
            b.name.clone(),
            BatchStatus::Merging,
            b.attempt,
        )
        .with_counts(BatchCounts {
            order_rows: work.orders.rows,
            barcode_rows: work.barcodes.rows,
            ..Default::default()
        });
        if let Err(e) = self.bus.publish_status(&merging).await {
            return Outcome::Retry(e.to_string());
        }
        let persist = match self.persist_work(&work).await {
            Ok(persist) => persist,
            Err(e) if e.is_transient() => {
                tracing::warn!(error = %e, "merge interrupted");
                return Outcome::Retry(e.to_string());
            }
            Err(e) => return Outcome::Fatal(e.to_string()),
        };
        if let Err(e) = self.bus.publish_work(&persist).await {
            return Outcome::Retry(e.to_string());
        }
        tracing::info!(
            orders_written = persist.counts.orders_written,
            tickets = persist.counts.tickets,
            unused_barcodes = persist.counts.unused_barcodes,
            issues = persist.counts.issues,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "batch merged"
        );
        Outcome::Ack
    }

    /// Everything but the publishes: the merged batch as stored result objects.
    pub async fn persist_work(&self, work: &MergeWork) -> Result<PersistWork, MergeError> {
        let t = Instant::now();
        let (orders, barcodes) = tokio::try_join!(self.orders(work), self.barcodes(work))?;
        let read_ms = t.elapsed().as_millis() as u64;
        let (order_rows, barcode_rows) = (orders.rows, barcodes.rows);
        let t = Instant::now();
        let merged = self.merged(orders, barcodes).await?;
        let merge_ms = t.elapsed().as_millis() as u64;
        let counts = merged.counts(order_rows, barcode_rows);
        let top_customers = merged.top_customers();
        let t = Instant::now();
        let results = self.store(work, Arc::new(merged)).await?;
        let store_ms = t.elapsed().as_millis() as u64;
        tracing::info!(read_ms, merge_ms, store_ms, "merge phases");
        Ok(PersistWork {
            batch: work.batch.clone(),
            inputs: work.inputs.clone(),
            results,
            counts,
            top_customers,
        })
    }

    async fn orders(&self, work: &MergeWork) -> Result<Orders, MergeError> {
        let mut orders = Orders::for_set(&work.orders);
        let set = &work.orders;
        let file = FileKind::Orders;
        read_chunks(&self.bus, &work.batch, file, set, self.chunk_wait, |c| {
            orders.add(c)
        })
        .await?;
        orders.check(file, set)?;
        Ok(orders)
    }

    async fn barcodes(&self, work: &MergeWork) -> Result<Barcodes, MergeError> {
        let mut barcodes = Barcodes::for_set(&work.barcodes);
        let set = &work.barcodes;
        let file = FileKind::Barcodes;
        read_chunks(&self.bus, &work.batch, file, set, self.chunk_wait, |c| {
            barcodes.add(c)
        })
        .await?;
        barcodes.check(file, set)?;
        Ok(barcodes)
    }

    /// The domain merge, on a blocking thread: it is CPU work.
    async fn merged(&self, orders: Orders, barcodes: Barcodes) -> Result<Merged, MergeError> {
        tokio::task::spawn_blocking(move || {
            let mut issues = orders.issues;
            issues.extend(barcodes.issues);
            Merged {
                outcome: tiqets_domain::merge(orders.book, barcodes.book, issues),
            }
        })
        .await
        .map_err(|e| MergeError::Task(e.to_string()))
    }

    /// Writes every result file to the object store, all at once.
    async fn store(
        &self,
        work: &MergeWork,
        merged: Arc<Merged>,
    ) -> Result<Vec<ResultRef>, MergeError> {
        let files = self.bus.files().await?;
        let batch_id = work.batch.batch_id.as_str();
        let uploads = ResultFile::ALL.map(|file| {
            let key = self.bus.names().result_key(batch_id, file);
            let merged = merged.clone();
            let files = &files;
            async move {
                let rows = merged.rows(file);
                let stored = upload(files, &key, move |w| merged.write(file, w))
                    .await
                    .map_err(|e| MergeError::Upload {
                        key: key.clone(),
                        message: e.to_string(),
                    })?;
                Ok::<_, MergeError>(ResultRef {
                    file,
                    key,
                    sha256: stored.sha256,
                    size: stored.size,
                    rows,
                })
            }
        });
        futures::future::try_join_all(uploads).await
    }
}

impl WorkHandler<MergeWork> for Merger {
    async fn handle(&self, work: MergeWork, _delivery: &Delivery) -> Outcome {
        self.merge(work).await
    }
}
