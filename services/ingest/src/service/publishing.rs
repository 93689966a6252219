//! A quiet pair taken: claimed, opened, published with its digests and archived once
//! acknowledged, or put back to be tried again; a lone file shown as waiting.

use super::opening::{open_claim, Opened};
use super::state::{stamp, Ingest};
use crate::claim::{self, Claim};
use crate::pairing::{Lone, Pair};
use std::time::Instant;
use tiqets_contract::{BatchId, Sha256};
use tiqets_intake::Input;
use tiqets_intake::{PairRequest, PublishError, Published};

/// What became of a claimed pair.
pub(super) enum Taken {
    /// Published and archived, or failed for good (too large).
    Done,
    /// Put back, to be tried again after a quiet period.
    PutBack,
    /// Put back because the NATS file store is full: tried again after the rescan period.
    Full,
}

impl Ingest {
    pub(super) async fn take(&mut self, pair: &Pair) {
        let input = &self.settings.input_dir;
        match claim::claim(input, pair, &self.settings.instance) {
            Ok(Some(c)) => self.process_or_hold(c).await,
            Ok(None) => tracing::debug!(name = %pair.slot.name(), "pair taken by another replica"),
            Err(e) => tracing::warn!(name = %pair.slot.name(), error = %e, "cannot claim pair"),
        }
    }

    /// [`Ingest::process`]; files put back wait a quiet period before they are retried, or
    /// the rescan period when the file store is full.
    pub(super) async fn process_or_hold(&mut self, c: Claim) {
        let files = [c.record.orders_from.clone(), c.record.barcodes_from.clone()];
        let wait = match self.process(c).await {
            Taken::Done => return,
            Taken::PutBack => self.settings.quiet,
            Taken::Full => self.settings.rescan.max(self.settings.quiet),
        };
        let until = Instant::now() + wait;
        for rel in files {
            self.quiet.hold(rel, until);
        }
    }

    /// Publishes a claimed pair and archives it once acknowledged, or puts it back.
    pub(super) async fn process(&self, c: Claim) -> Taken {
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
        tiqets_telemetry::memory::settle();
        done
    }

    /// Opens the claimed files (see [`crate::open`]), then publishes them, or fails the
    /// pair as too large, or refuses a file that is not a regular one.
    pub(super) async fn open_and_publish(&self, c: &Claim) -> Taken {
        let opened = match open_claim(c, self.settings.max_file_bytes).await {
            Ok(opened) => opened,
            Err(e) => {
                tracing::warn!(name = %c.record.name, error = %e, "cannot read the claimed files; put back for the next scan");
                self.put_back(c);
                return Taken::PutBack;
            }
        };
        let [(o, o_sha, o_size), (b, b_sha, b_size)] = match opened {
            Opened::Pair(files) => files,
            Opened::TooLarge { over, meta } => {
                return match self.fail_too_large(c, &over, &meta).await {
                    true => Taken::Done,
                    false => Taken::PutBack,
                }
            }
            Opened::NotRegular(file, kind) => {
                self.refuse_claimed(c, file, &kind);
                return Taken::PutBack;
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
                Taken::Done
            }
            Err(PublishError::Bus(e)) if e.is_full() => {
                tracing::error!(
                    name = %c.record.name, error = %e, retry_in_s = self.settings.rescan.max(self.settings.quiet).as_secs(),
                    "the NATS file store is full: files put back and tried again until there is room \
                     (older batches' files expire, deleting a batch frees its files, or raise \
                     TIQETS_NATS_MAX_BYTES_FILES with tiqets-admin setup-nats)"
                );
                self.put_back(c);
                Taken::Full
            }
            Err(e) => {
                tracing::warn!(name = %c.record.name, error = %e, "publish failed; files put back for the next scan");
                self.put_back(c);
                Taken::PutBack
            }
        }
    }

    /// Shows a lone file as waiting; `false` when that could not be published.
    pub(super) async fn announce(&self, lone: &Lone) -> bool {
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
