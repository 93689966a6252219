//! One scan of the input folder: stale claims finished or returned, entries that are not
//! regular files refused, complete and quiet pairs taken, lone files shown as waiting.

use super::state::Ingest;
use crate::claim;
use crate::pairing::plan;
use crate::scan;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};
use tokio_util::sync::CancellationToken;

impl Ingest {
    pub(super) async fn scan_once(&mut self, shutdown: &CancellationToken) {
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
}
