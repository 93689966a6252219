//! What ingest refuses: entries that are not regular files (moved to the rejected folder)
//! and pairs with a file over the size limit (a `failed` batch, moved there too).

use super::state::{stamp, Ingest};
use crate::claim::Claim;
use crate::metrics::{self, Rejection};
use crate::open::EntryKind;
use crate::refuse;
use crate::scan::Refused;
use std::collections::HashSet;
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use tiqets_contract::{BatchId, BatchStatus, StatusEvent};
use tiqets_domain::FileKind;

impl Ingest {
    /// Moves entries that are not regular files to the rejected folder (see
    /// [`crate::refuse`]), each logged and counted once.
    pub(super) fn refuse_entries(&mut self, refused: Vec<Refused>) {
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

    /// Reports a pair with a file over the size limit as a `failed` batch and moves it to
    /// the rejected folder (`true`); puts it back when the status cannot be published.
    pub(super) async fn fail_too_large(
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
    pub(super) fn refuse_claimed(&self, c: &Claim, file: FileKind, kind: &EntryKind) {
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
}
