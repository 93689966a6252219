//! The ingest loop: scan, refuse what is not a regular file, pair, wait for quiet files,
//! claim, open (refusing a file over the size limit), publish, archive.

use crate::claim::{self, Claim};
use crate::metrics::{self, Rejection};
use crate::open::{self, EntryKind, Hashed, OpenError};
use crate::pairing::{plan, Lone, Pair};
use crate::quiet::QuietTracker;
use crate::refuse;
use crate::scan::{self, Refused};
use crate::settings::Settings;
use crate::watch::Renames;
use std::collections::HashSet;
use std::fs::{File, Metadata};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tiqets_bus::{setup, Bus};
use tiqets_contract::{BatchId, BatchStatus, Names, Sha256, Source, StatusEvent};
use tiqets_domain::FileKind;
use tiqets_intake::{Input, PairRequest, Published, Publisher};
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
    let names = Names::new(settings.namespace.clone());
    let Some(bus) =
        Bus::connect_retrying(&settings.nats_url, names, "tiqets-ingest", &shutdown).await
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
        namespace = %settings.namespace,
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

struct Ingest {
    publisher: Publisher,
    settings: Settings,
    quiet: QuietTracker,
    /// Lone files already shown as waiting.
    announced: HashSet<PathBuf>,
    /// Refused entries that could not be moved to the rejected folder: logged once, then
    /// ignored while they stay.
    left: HashSet<PathBuf>,
}

/// What the files of a claim turned out to be.
enum Opened {
    /// Both regular files, within the size limit: hashed, positioned at their start.
    Pair([(File, Sha256, u64); 2]),
    /// A file larger than the limit (path relative to the input folder, size); the
    /// metadata of both, for the refused id.
    TooLarge {
        over: Vec<(PathBuf, u64)>,
        meta: Box<[Metadata; 2]>,
    },
    /// A file that is not a regular file (replaced after the scan saw a regular file).
    NotRegular(FileKind, EntryKind),
}

impl Ingest {
    fn new(publisher: Publisher, settings: Settings) -> Ingest {
        Ingest {
            publisher,
            quiet: QuietTracker::new(settings.quiet),
            settings,
            announced: HashSet::new(),
            left: HashSet::new(),
        }
    }

    async fn scan_once(&mut self, shutdown: &CancellationToken) {
        let input = self.settings.input_dir.clone();
        for dir in claim::stale_claims(&input, self.settings.claim_stale) {
            match claim::take_over(&input, &dir, &self.settings.instance) {
                Ok(Some(c)) if claim::present(&c.orders()) && claim::present(&c.barcodes()) => {
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
        let listing = match listed {
            Ok(Ok(listing)) => listing,
            Ok(Err(e)) => {
                tracing::warn!(input = %input.display(), error = %e, "cannot list the input folder");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "listing task failed");
                return;
            }
        };
        self.refuse_entries(listing.refused);
        let entries = listing.entries;
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

    /// Moves entries that are not regular files to the rejected folder (see
    /// [`crate::refuse`]), each logged and counted once.
    fn refuse_entries(&mut self, refused: Vec<Refused>) {
        let still: HashSet<&Path> = refused.iter().map(|r| r.rel.as_path()).collect();
        self.left.retain(|rel| still.contains(rel.as_path()));
        let input = &self.settings.input_dir;
        for r in &refused {
            if self.left.contains(&r.rel) {
                continue;
            }
            let from = input.join(&r.rel);
            let note = refuse::entry_note(&r.rel, &r.kind, &from, &self.settings.instance);
            let items = [(from.clone(), r.rel.as_path())];
            match refuse::reject(&self.settings.rejected_dir, &stamp(), &items, &note) {
                Ok(Some(dest)) => {
                    metrics::rejected(Rejection::NotARegularFile);
                    tracing::warn!(
                        path = %from.display(), what = %r.kind, rejected = %dest.display(),
                        "refused {}: {}, not a regular file; moved to the rejected folder",
                        from.display(), r.kind
                    );
                }
                Ok(None) => tracing::debug!(path = %from.display(), "refused entry gone meanwhile"),
                Err(e) => {
                    metrics::rejected(Rejection::NotARegularFile);
                    tracing::warn!(
                        path = %from.display(), what = %r.kind, error = %e,
                        "refused {}: {}, not a regular file; it cannot be moved to the rejected folder, so it stays, ignored",
                        from.display(), r.kind
                    );
                    self.left.insert(r.rel.clone());
                }
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
        let done = self.open_and_publish(&c).await;
        heartbeat.abort();
        done
    }

    /// Opens the claimed files (see [`crate::open`]), then publishes them, or fails the
    /// pair as too large, or refuses a file that is not a regular one.
    async fn open_and_publish(&self, c: &Claim) -> bool {
        let opened = match open_claim(c, self.settings.max_file_bytes).await {
            Ok(opened) => opened,
            Err(e) => {
                tracing::warn!(name = %c.record.name, error = %e, "cannot read the claimed files; put back for the next scan");
                self.put_back(c);
                return false;
            }
        };
        let [(o, o_sha, o_size), (b, b_sha, b_size)] = match opened {
            Opened::Pair(files) => files,
            Opened::TooLarge { over, meta } => return self.fail_too_large(c, &over, &meta).await,
            Opened::NotRegular(file, kind) => {
                self.refuse_claimed(c, file, &kind);
                return false;
            }
        };
        let request = PairRequest {
            name: c.record.name.clone(),
            source: self.source(c),
            supersedes: Some(BatchId::waiting(&c.record.name)),
        };
        let input_of = |file, sha256, size| Input {
            reader: tokio::fs::File::from_std(file),
            sha256,
            size,
        };
        let result = self
            .publisher
            .publish_pair(
                request,
                input_of(o, o_sha, o_size),
                input_of(b, b_sha, b_size),
            )
            .await;
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
                match claim::archive(c, &self.settings.archive_dir, id.as_str(), &stamp()) {
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
                self.put_back(c);
                false
            }
        }
    }

    fn source(&self, c: &Claim) -> Source {
        let input = &self.settings.input_dir;
        Source::Folder {
            orders: display(input, &c.record.orders_from),
            barcodes: display(input, &c.record.barcodes_from),
        }
    }

    /// Puts a claim's files back into the input folder.
    fn put_back(&self, c: &Claim) {
        if let Err(e) = claim::unclaim(&self.settings.input_dir, c) {
            tracing::error!(claim = %c.dir.display(), error = %e, "cannot put files back; the claim is retried when stale");
        }
    }

    /// Reports a pair with a file over the size limit as a `failed` batch and moves it to
    /// the rejected folder (`true`); puts it back when the status cannot be published.
    async fn fail_too_large(
        &self,
        c: &Claim,
        over: &[(PathBuf, u64)],
        meta: &[Metadata; 2],
    ) -> bool {
        let r = &c.record;
        let id = refuse::refused_id(
            &r.name,
            [(&r.orders_from, &meta[0]), (&r.barcodes_from, &meta[1])],
        );
        let over: Vec<(&Path, u64)> = over.iter().map(|(p, n)| (p.as_path(), *n)).collect();
        let reason = refuse::too_large_reason(&over, self.settings.max_file_bytes);
        let mut event = StatusEvent::new(id.clone(), r.name.clone(), BatchStatus::Failed, 1)
            .with_reason(&reason);
        event.source = Some(self.source(c));
        event.supersedes = Some(BatchId::waiting(&r.name));
        if let Err(e) = self.publisher.bus().publish_status(&event).await {
            tracing::warn!(batch_id = %id, name = %r.name, error = %e, "cannot publish the failed status of a pair too large; files put back for the next scan");
            self.put_back(c);
            return false;
        }
        metrics::rejected(Rejection::TooLarge);
        let input = &self.settings.input_dir;
        let from = [input.join(&r.orders_from), input.join(&r.barcodes_from)];
        let note = refuse::pair_note(
            &reason,
            &id,
            &r.name,
            [&from[0], &from[1]],
            &self.settings.instance,
        );
        let items = [
            (c.orders(), r.orders_from.as_path()),
            (c.barcodes(), r.barcodes_from.as_path()),
        ];
        match refuse::reject(&self.settings.rejected_dir, &stamp(), &items, &note) {
            Ok(dest) => {
                let _ = std::fs::remove_dir_all(&c.dir);
                let dest = dest.map(|d| d.display().to_string()).unwrap_or_default();
                tracing::warn!(batch_id = %id, name = %r.name, rejected = %dest, "batch failed: {reason}; files moved to the rejected folder");
            }
            Err(e) => {
                tracing::error!(batch_id = %id, name = %r.name, claim = %c.dir.display(), error = %e, "batch failed: {reason}; cannot move the files to the rejected folder, they stay in the claim folder");
            }
        }
        true
    }

    /// Refuses a claimed file that turned out not to be a regular file: it goes to the
    /// rejected folder, its partner back to the input folder.
    fn refuse_claimed(&self, c: &Claim, file: FileKind, kind: &EntryKind) {
        let (held, rel) = match file {
            FileKind::Orders => (c.orders(), &c.record.orders_from),
            FileKind::Barcodes => (c.barcodes(), &c.record.barcodes_from),
        };
        let from = self.settings.input_dir.join(rel);
        let note = refuse::entry_note(rel, kind, &from, &self.settings.instance);
        metrics::rejected(Rejection::NotARegularFile);
        match refuse::reject(&self.settings.rejected_dir, &stamp(), &[(held, rel)], &note) {
            Ok(dest) => {
                let dest = dest.map(|d| d.display().to_string()).unwrap_or_default();
                tracing::warn!(path = %from.display(), what = %kind, rejected = %dest, "refused {}: {kind}, not a regular file; moved to the rejected folder", from.display());
            }
            Err(e) => {
                tracing::warn!(path = %from.display(), what = %kind, error = %e, "refused {}: {kind}, not a regular file; it cannot be moved to the rejected folder and is put back", from.display());
            }
        }
        self.put_back(c);
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

/// Opens both files of a claim and, when both are regular files within `limit`, hashes
/// them (on blocking threads, both at once).
async fn open_claim(c: &Claim, limit: u64) -> std::io::Result<Opened> {
    let paths = [c.orders(), c.barcodes()];
    let opened = tokio::task::spawn_blocking(move || paths.map(|p| open::open_regular(&p)))
        .await
        .map_err(std::io::Error::other)?;
    let mut files = Vec::with_capacity(2);
    for (kind, opened) in [FileKind::Orders, FileKind::Barcodes]
        .into_iter()
        .zip(opened)
    {
        match opened {
            Ok(f) => files.push(f),
            Err(OpenError::NotRegular(what)) => return Ok(Opened::NotRegular(kind, what)),
            Err(OpenError::Io(e)) => return Err(e),
        }
    }
    let [(o, o_meta), (b, b_meta)]: [(File, Metadata); 2] = files
        .try_into()
        .map_err(|_| std::io::Error::other("two files"))?;
    let rels = [c.record.orders_from.clone(), c.record.barcodes_from.clone()];
    let too_large = |sizes: [u64; 2], meta: [Metadata; 2]| {
        let over = rels
            .iter()
            .zip(sizes)
            .filter(|(_, size)| *size > limit)
            .map(|(rel, size)| (rel.clone(), size))
            .collect();
        Opened::TooLarge {
            over,
            meta: Box::new(meta),
        }
    };
    // The size the open files have now: a file over the limit is not read at all.
    let sizes = [o_meta.len(), b_meta.len()];
    if sizes.iter().any(|s| *s > limit) {
        return Ok(too_large(sizes, [o_meta, b_meta]));
    }
    let hash = |mut f: File| {
        tokio::task::spawn_blocking(move || {
            let hashed = open::hash_limited(&mut f, limit)?;
            Ok::<_, std::io::Error>((f, hashed))
        })
    };
    let (o, b) = tokio::try_join!(hash(o), hash(b)).map_err(std::io::Error::other)?;
    let ((o, o_hashed), (b, b_hashed)) = (o?, b?);
    match (o_hashed, b_hashed) {
        (
            Hashed::Whole {
                sha256: o_sha,
                size: o_size,
            },
            Hashed::Whole {
                sha256: b_sha,
                size: b_size,
            },
        ) => Ok(Opened::Pair([(o, o_sha, o_size), (b, b_sha, b_size)])),
        // Grown past the limit since it was measured.
        (o_hashed, b_hashed) => {
            let size = |h: Hashed, measured| match h {
                Hashed::TooLarge { size } => size,
                Hashed::Whole { .. } => measured,
            };
            Ok(too_large(
                [size(o_hashed, sizes[0]), size(b_hashed, sizes[1])],
                [o_meta, b_meta],
            ))
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
