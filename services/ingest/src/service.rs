//! The ingest loop: scan, pair, wait for quiet files, claim, publish, archive.

use crate::claim::{self, Claim};
use crate::pairing::{plan, Lone, Pair};
use crate::quiet::QuietTracker;
use crate::scan;
use crate::settings::Settings;
use crate::watch::Renames;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tiqets_bus::{setup, BatchId, Bus, Names, PairRequest, Published, Publisher, Sha256, Source};
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
pub async fn run(settings: Settings, shutdown: CancellationToken) -> Result<(), IngestError> {
    let names = Names::new(settings.namespace.clone());
    let Some(bus) =
        Bus::connect_retrying(&settings.nats_url, names, "tiqets-ingest", &shutdown).await
    else {
        return Ok(());
    };
    run_with_bus(bus, settings, shutdown).await
}

/// Runs on an existing connection until `shutdown`; the pair in hand is finished first.
pub async fn run_with_bus(
    bus: Bus,
    settings: Settings,
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
        namespace = %settings.namespace,
        "ingest started"
    );
    tiqets_telemetry::health::readiness().set(true);
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

struct Ingest {
    publisher: Publisher,
    settings: Settings,
    quiet: QuietTracker,
    /// Lone files already shown as waiting.
    announced: HashSet<PathBuf>,
}

impl Ingest {
    fn new(publisher: Publisher, settings: Settings) -> Ingest {
        Ingest {
            publisher,
            quiet: QuietTracker::new(settings.quiet),
            settings,
            announced: HashSet::new(),
        }
    }

    async fn scan_once(&mut self, shutdown: &CancellationToken) {
        let input = self.settings.input_dir.clone();
        for dir in claim::stale_claims(&input, self.settings.claim_stale) {
            match claim::take_over(&input, &dir, &self.settings.instance) {
                Ok(Some(c)) if c.orders().exists() && c.barcodes().exists() => {
                    tracing::info!(claim = %dir.display(), "finishing a stale claim");
                    self.process_or_hold(c).await;
                }
                Ok(Some(c)) => {
                    tracing::info!(claim = %dir.display(), "returning the files of an unfinished claim");
                    if let Err(e) = claim::unclaim(&input, &c) {
                        tracing::warn!(error = %e, "cannot return claimed files");
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(claim = %dir.display(), error = %e, "cannot take over claim")
                }
            }
        }
        let listed = {
            let input = input.clone();
            tokio::task::spawn_blocking(move || scan::list(&input)).await
        };
        let entries = match listed {
            Ok(Ok(entries)) => entries,
            Ok(Err(e)) => {
                tracing::warn!(input = %input.display(), error = %e, "cannot list the input folder");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "listing task failed");
                return;
            }
        };
        let now = Instant::now();
        self.quiet.observe(&entries, now, SystemTime::now());
        let plan = plan(entries);
        for pair in &plan.pairs {
            if shutdown.is_cancelled() {
                return;
            }
            if self.quiet.is_quiet(&pair.orders, now) && self.quiet.is_quiet(&pair.barcodes, now) {
                self.take(pair).await;
            }
        }
        let lone_now: HashSet<PathBuf> = plan.lone.iter().map(|l| l.entry.rel.clone()).collect();
        self.announced.retain(|p| lone_now.contains(p));
        for lone in &plan.lone {
            if !self.announced.contains(&lone.entry.rel) && self.announce(lone).await {
                self.announced.insert(lone.entry.rel.clone());
            }
        }
    }

    async fn take(&mut self, pair: &Pair) {
        let input = &self.settings.input_dir;
        match claim::claim(input, pair, &self.settings.instance) {
            Ok(Some(c)) => self.process_or_hold(c).await,
            Ok(None) => tracing::debug!(name = %pair.slot.name(), "pair taken by another replica"),
            Err(e) => tracing::warn!(name = %pair.slot.name(), error = %e, "cannot claim pair"),
        }
    }

    /// [`Ingest::process`]; files put back wait a quiet period before they are retried.
    async fn process_or_hold(&mut self, c: Claim) {
        let files = [c.record.orders_from.clone(), c.record.barcodes_from.clone()];
        if !self.process(c).await {
            let until = Instant::now() + self.settings.quiet;
            for rel in files {
                self.quiet.hold(rel, until);
            }
        }
    }

    /// Publishes a claimed pair and archives it once acknowledged (`true`), or puts it back
    /// (`false`).
    async fn process(&self, c: Claim) -> bool {
        let heartbeat = {
            let c = c.clone();
            let every = self.settings.claim_stale / 4;
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(e) = c.touch() {
                        tracing::warn!(error = %e, "claim heartbeat failed");
                    }
                }
            })
        };
        let input = &self.settings.input_dir;
        let request = PairRequest {
            name: c.record.name.clone(),
            source: Source::Folder {
                orders: display(input, &c.record.orders_from),
                barcodes: display(input, &c.record.barcodes_from),
            },
            supersedes: Some(BatchId::waiting(&c.record.name)),
        };
        let result = self
            .publisher
            .publish_files(request, &c.orders(), &c.barcodes())
            .await;
        heartbeat.abort();
        match result {
            Ok(published) => {
                let id = published.batch_id().clone();
                match &published {
                    Published::Queued { batch, .. } => {
                        tracing::info!(batch_id = %id, name = %c.record.name, attempt = batch.attempt, "batch published")
                    }
                    Published::Repeat {
                        status,
                        original_name,
                        ..
                    } => tracing::info!(
                        batch_id = %id, name = %c.record.name, %status, %original_name,
                        "repeat of an existing batch; archived without processing"
                    ),
                }
                match claim::archive(&c, &self.settings.archive_dir, id.as_str(), &stamp()) {
                    Ok(dest) => {
                        tracing::info!(batch_id = %id, archive = %dest.display(), "archived")
                    }
                    Err(e) => {
                        tracing::error!(batch_id = %id, claim = %c.dir.display(), error = %e, "cannot archive; files stay in the claim folder")
                    }
                }
                true
            }
            Err(e) => {
                tracing::warn!(name = %c.record.name, error = %e, "publish failed; files put back for the next scan");
                if let Err(e) = claim::unclaim(input, &c) {
                    tracing::error!(claim = %c.dir.display(), error = %e, "cannot put files back; the claim is retried when stale");
                }
                false
            }
        }
    }

    /// Shows a lone file as waiting; `false` when that could not be published.
    async fn announce(&self, lone: &Lone) -> bool {
        let name = lone.slot.name();
        let reason = format!(
            "{} is waiting for {}",
            lone.entry.rel.display(),
            lone.missing().display()
        );
        let dedupe = &Sha256::of(lone.entry.rel.to_string_lossy().as_bytes()).to_hex()[..16];
        match self.publisher.publish_waiting(&name, &reason, dedupe).await {
            Ok(id) => {
                tracing::info!(batch_id = %id, %name, "{reason}");
                true
            }
            Err(e) => {
                tracing::warn!(%name, error = %e, "cannot publish waiting status");
                false
            }
        }
    }
}

fn display(input: &Path, rel: &Path) -> String {
    input.join(rel).display().to_string()
}

/// `YYYYMMDDTHHMMSS.mmmZ`, UTC: the archive sub-folder of one arrival.
fn stamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    )
}
