//! The end of a partitioned merge: the partitions' runs combined into the three result
//! files the persister reads, written as the whole merge writes them.

use super::split::SplitFigures;
use super::store::Parts;
use crate::error::MergeError;
use crate::results::TOP_CUSTOMERS;
use crate::upload::upload;
use std::sync::{Arc, Mutex};
use tiqets_bus::Bus;
use tiqets_contract::{
    BatchCounts, MergeWork, PartObject, PersistWork, ResultFile, ResultRef, TopCustomer,
};
use tiqets_domain::partition::{self, StepIssues};

/// The result objects and the `PersistWork` of a batch merged in `parts` partitions, or
/// `None` when its partition objects are gone: a combine ran before and sent its
/// `PersistWork` (they are deleted only after that).
pub async fn combine(
    bus: &Bus,
    work: &MergeWork,
    parts: u32,
) -> Result<Option<PersistWork>, MergeError> {
    let store = Parts::open(bus, &work.batch).await?;
    let Some(split) = store.json::<SplitFigures>(PartObject::SplitDone).await? else {
        return Ok(None);
    };
    let mut found: Vec<StepIssues> = split.found.clone();
    let steps = (0..parts)
        .map(PartObject::BarcodesDone)
        .chain((0..parts).map(PartObject::OrdersDone));
    for done in steps {
        match store.json::<StepIssues>(done).await? {
            Some(f) => found.push(f),
            None => return Ok(None),
        }
    }
    // The issue runs, in the order of `found`.
    let issue_runs = [
        PartObject::SplitIssues(tiqets_domain::FileKind::Orders),
        PartObject::SplitIssues(tiqets_domain::FileKind::Barcodes),
    ]
    .into_iter()
    .chain((0..parts).map(PartObject::BarcodeIssues))
    .chain((0..parts).map(PartObject::OrderIssues));
    let mut issue_readers = Vec::new();
    for o in issue_runs {
        issue_readers.push(store.reader(o).await?);
    }
    let mut processed_readers = Vec::new();
    let mut unused_readers = Vec::new();
    for p in 0..parts {
        processed_readers.push(store.reader(PartObject::Processed(p)).await?);
        unused_readers.push(store.reader(PartObject::Unused(p)).await?);
    }

    let files = bus.files().await?;
    let batch_id = work.batch.batch_id.as_str();
    let key = |f| bus.names().result_key(batch_id, f);
    let stored = |file: ResultFile, e: crate::upload::UploadError| MergeError::Upload {
        key: key(file),
        message: e.to_string(),
    };
    let processed = Arc::new(Mutex::new(None));
    let unused = Arc::new(Mutex::new(0u64));
    let issues = Arc::new(Mutex::new(None));
    let limit = work.issue_limit;
    let (p, u, i) = (processed.clone(), unused.clone(), issues.clone());
    let (p_key, u_key, i_key) = (
        key(ResultFile::ProcessedOrders),
        key(ResultFile::UnusedBarcodes),
        key(ResultFile::Issues),
    );
    let (p_up, u_up, i_up) = tokio::join!(
        upload(&files, &p_key, move |w| {
            let sum = partition::combine_processed(processed_readers, TOP_CUSTOMERS, w)?;
            *p.lock().expect("not poisoned") = Some(sum);
            Ok(())
        }),
        upload(&files, &u_key, move |w| {
            *u.lock().expect("not poisoned") = partition::combine_unused(unused_readers, w)?;
            Ok(())
        }),
        upload(&files, &i_key, move |w| {
            let all = partition::combine_issues(issue_readers, &found, limit, w)?;
            *i.lock().expect("not poisoned") = Some(all);
            Ok(())
        }),
    );
    let p_up = p_up.map_err(|e| stored(ResultFile::ProcessedOrders, e))?;
    let u_up = u_up.map_err(|e| stored(ResultFile::UnusedBarcodes, e))?;
    let i_up = i_up.map_err(|e| stored(ResultFile::Issues, e))?;
    let processed = processed
        .lock()
        .expect("not poisoned")
        .take()
        .expect("written");
    let unused = *unused.lock().expect("not poisoned");
    let issues = issues
        .lock()
        .expect("not poisoned")
        .take()
        .expect("written");

    let results = vec![
        ResultRef {
            file: ResultFile::ProcessedOrders,
            key: p_key,
            sha256: p_up.sha256,
            size: p_up.size,
            rows: processed.orders_written,
        },
        ResultRef {
            file: ResultFile::Issues,
            key: i_key,
            sha256: i_up.sha256,
            size: i_up.size,
            rows: issues.lines,
        },
        ResultRef {
            file: ResultFile::UnusedBarcodes,
            key: u_key,
            sha256: u_up.sha256,
            size: u_up.size,
            rows: unused,
        },
    ];
    let counts = BatchCounts {
        order_rows: split.order_rows,
        barcode_rows: split.barcode_rows,
        orders_written: processed.orders_written,
        tickets: processed.tickets,
        customers: processed.customers,
        unused_barcodes: unused,
        issues: issues.counts.total(),
        issues_by_code: issues.counts.iter().filter(|(_, n)| *n > 0).collect(),
        issues_not_itemised: issues.not_itemised,
    };
    let top_customers = processed
        .top
        .iter()
        .map(|c| TopCustomer {
            customer_id: c.customer_id,
            tickets: c.tickets,
        })
        .collect();
    Ok(Some(PersistWork {
        batch: work.batch.clone(),
        inputs: work.inputs.clone(),
        results,
        counts,
        top_customers,
    }))
}
