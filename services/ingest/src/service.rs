//! The ingest loop: scan, refuse what is not a regular file, pair, wait for quiet files,
//! claim, open (refusing a file over the size limit), publish, archive.
//!
//! [`run_with_bus`] keeps the loop's state (`state`) and wakes it for each scan
//! (`scanning`); a pair it takes is opened (`opening`) and published (`publishing`), what
//! it cannot take is refused (`refusing`).

mod opening;
mod publishing;
mod refusing;
mod scanning;
mod state;

use crate::metrics;
use crate::settings::Settings;
use crate::watch::Renames;
use state::Ingest;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tiqets_bus::{setup, Bus};
use tiqets_contract::Names;
use tiqets_intake::Publisher;
use tiqets_telemetry::health::{Readiness, ReadyFlag};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Why ingest could not run.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot create folder {path}: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Connects (retrying until NATS is up), sets up the namespace and runs until `shutdown`.
/// The loop is `readiness`' one part: ready once it scans.
pub async fn run(
    settings: Settings,
    readiness: Readiness,
    shutdown: CancellationToken,
) -> Result<(), IngestError> {
    let names = Names::new(settings.common.namespace.clone());
    let Some(bus) =
        Bus::connect_retrying(&settings.common.nats_url, names, "tiqets-ingest", &shutdown).await
    else {
        return Ok(());
    };
    run_with_bus(bus, settings, readiness.part(), shutdown).await
}

/// Runs on an existing connection until `shutdown`; the pair in hand is finished first.
/// `ready` is set once the loop scans.
pub async fn run_with_bus(
    bus: Bus,
    settings: Settings,
    ready: ReadyFlag,
    shutdown: CancellationToken,
) -> Result<(), IngestError> {
    for dir in [&settings.input_dir, &settings.archive_dir] {
        std::fs::create_dir_all(dir).map_err(|source| IngestError::Folder {
            path: dir.clone(),
            source,
        })?;
    }
    let mut delay = Duration::from_millis(250);
    while let Err(e) = setup::ensure(&bus).await {
        tracing::warn!(error = %e, "NATS setup failed, retrying");
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(10));
    }
    metrics::init();
    let wake = Arc::new(Notify::new());
    let renames = Renames::default();
    let _watcher = match crate::watch::watch(&settings.input_dir, wake.clone(), renames.clone()) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch the input folder; relying on rescans");
            None
        }
    };
    tracing::info!(
        input = %settings.input_dir.display(),
        archive = %settings.archive_dir.display(),
        rejected = %settings.rejected_dir.display(),
        max_file_bytes = settings.max_file_bytes,
        namespace = %settings.common.namespace,
        "ingest started"
    );
    ready.set(true);
    let mut ingest = Ingest::new(Publisher::new(bus), settings);
    while !shutdown.is_cancelled() {
        for (path, at) in renames.take() {
            if let Ok(rel) = path.strip_prefix(&ingest.settings.input_dir) {
                ingest.quiet.renamed_in(rel.to_path_buf(), at);
            }
        }
        ingest.scan_once(&shutdown).await;
        let now = Instant::now();
        let next = ingest
            .quiet
            .next_quiet_at(now)
            .map(|at| at.min(now + ingest.settings.rescan))
            .unwrap_or(now + ingest.settings.rescan);
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = wake.notified() => {
                // Let a burst of events settle into one scan.
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            _ = tokio::time::sleep_until(next.into()) => {}
        }
    }
    tracing::info!("ingest stopped");
    Ok(())
}
