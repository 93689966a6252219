//! Live progress of a validation: bytes read and rows handled, reported as `validating`
//! status updates while the files are read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tiqets_bus::Bus;
use tiqets_contract::{BatchRef, BatchStatus, Progress, StatusEvent};

/// Counters shared by the two file tasks.
#[derive(Debug, Default)]
pub struct Meter {
    done_bytes: AtomicU64,
    rows: AtomicU64,
    total_bytes: u64,
}

impl Meter {
    pub fn new(total_bytes: u64) -> Meter {
        Meter {
            total_bytes,
            ..Meter::default()
        }
    }

    pub fn add(&self, bytes: u64, rows: u64) {
        self.done_bytes.fetch_add(bytes, Ordering::Relaxed);
        self.rows.fetch_add(rows, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Progress {
        Progress {
            file: None,
            done_bytes: self.done_bytes.load(Ordering::Relaxed),
            total_bytes: self.total_bytes,
            rows: self.rows.load(Ordering::Relaxed),
        }
    }
}

/// The `validating` event of a batch with the meter's figures.
pub fn validating(batch: &BatchRef, meter: &Meter) -> StatusEvent {
    StatusEvent::new(
        batch.batch_id.clone(),
        batch.name.clone(),
        BatchStatus::Validating,
        batch.attempt,
    )
    .with_progress(meter.snapshot())
}

/// Publishes a progress update every `every` until dropped. A failed update is only
/// logged: progress is for people watching, the work goes on without it.
pub async fn report(bus: &Bus, batch: &BatchRef, meter: &Meter, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.tick().await; // the first tick is immediate; `validating` was just published
    loop {
        ticker.tick().await;
        if let Err(e) = bus.publish_progress(&validating(batch, meter)).await {
            tracing::warn!(error = %e, "progress update not published");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiqets_contract::BatchId;

    #[test]
    fn the_meter_adds_up_both_files() {
        let m = Meter::new(100);
        m.add(30, 2);
        m.add(20, 1);
        let p = m.snapshot();
        assert_eq!((p.done_bytes, p.total_bytes, p.rows), (50, 100, 3));
        let batch = BatchRef {
            batch_id: BatchId::parse("b1").unwrap(),
            name: "monday".into(),
            attempt: 2,
        };
        let e = validating(&batch, &m);
        assert_eq!((e.status, e.attempt), (BatchStatus::Validating, 2));
        assert_eq!(e.progress, Some(p));
    }
}
