//! The loop's state ([`Ingest`]: its publisher, settings, quiet tracker and what it has
//! already said), and what every step shares: a claim's source, putting a claim back.

use crate::claim::{self, Claim};
use crate::quiet::QuietTracker;
use crate::settings::Settings;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use tiqets_contract::Source;
use tiqets_intake::Publisher;

/// What the ingest loop keeps from one scan to the next.
pub(super) struct Ingest {
    pub(super) publisher: Publisher,
    pub(super) settings: Settings,
    pub(super) quiet: QuietTracker,
    /// Lone files already shown as waiting.
    pub(super) announced: HashSet<PathBuf>,
    /// Refused entries that could not be moved to the rejected folder: logged once, then
    /// ignored while they stay.
    pub(super) left: HashSet<PathBuf>,
}

impl Ingest {
    pub(super) fn new(publisher: Publisher, settings: Settings) -> Ingest {
        Ingest {
            publisher,
            quiet: QuietTracker::new(settings.quiet),
            settings,
            announced: HashSet::new(),
            left: HashSet::new(),
        }
    }

    pub(super) fn source(&self, c: &Claim) -> Source {
        let input = &self.settings.input_dir;
        Source::Folder {
            orders: display(input, &c.record.orders_from),
            barcodes: display(input, &c.record.barcodes_from),
        }
    }

    /// Puts a claim's files back into the input folder.
    pub(super) fn put_back(&self, c: &Claim) {
        if let Err(e) = claim::unclaim(&self.settings.input_dir, c) {
            tracing::error!(claim = %c.dir.display(), error = %e, "cannot put files back; the claim is retried when stale");
        }
    }
}

/// `rel` in the input folder, for messages.
fn display(input: &Path, rel: &Path) -> String {
    input.join(rel).display().to_string()
}

/// `YYYYMMDDTHHMMSS.mmmZ`, UTC: the archive sub-folder of one arrival.
pub(super) fn stamp() -> String {
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
