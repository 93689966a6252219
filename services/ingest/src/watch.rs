//! Filesystem notifications (the `notify` crate) as wake-ups for a rescan. Any event but a
//! mere open or read, including notify's own "rescan needed" and errors, wakes the loop:
//! the scan decides.
//! Renames into the folder are also remembered ([`Renames`]): a file that arrived by rename
//! was complete when it arrived (see [`crate::quiet`]).
//! The watch does not follow symbolic links: a link to a folder elsewhere (refused anyway,
//! see [`crate::refuse`]) does not put the folder it points to, and everything under it,
//! under watch.

use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{Config, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use tokio::sync::Notify;

/// Paths renamed into the watched folder since the last [`Renames::take`], with the time.
#[derive(Debug, Clone, Default)]
pub struct Renames(Arc<Mutex<Vec<(PathBuf, SystemTime)>>>);

impl Renames {
    fn push(&self, path: PathBuf) {
        let mut renames = self.0.lock().unwrap_or_else(|e| e.into_inner());
        renames.push((path, SystemTime::now()));
    }

    /// The renames recorded so far, oldest first.
    pub fn take(&self) -> Vec<(PathBuf, SystemTime)> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The destination of a rename event, if `event` is one.
fn renamed_to(event: &notify::Event) -> Option<&PathBuf> {
    match event.kind {
        EventKind::Modify(ModifyKind::Name(RenameMode::To)) => event.paths.first(),
        // From and to in one event: the destination is the second path.
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => event.paths.get(1),
        _ => None,
    }
}

/// Whether an event only says a file or folder was opened or read.
fn is_read_only(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Access(
            AccessKind::Open(_) | AccessKind::Read | AccessKind::Close(AccessMode::Read)
        )
    )
}

/// Watches `dir` recursively; keep the returned watcher alive.
pub fn watch(
    dir: &Path,
    wake: Arc<Notify>,
    renames: Renames,
) -> notify::Result<RecommendedWatcher> {
    let handler = move |res: notify::Result<notify::Event>| {
        match res {
            // Opening and reading (this service's own scans among them) change nothing:
            // waking on them would rescan in a loop.
            Ok(event) if is_read_only(&event.kind) => return,
            Ok(event) => {
                if let Some(to) = renamed_to(&event) {
                    renames.push(to.clone());
                }
            }
            Err(e) => tracing::warn!(error = %e, "file watcher error; rescanning"),
        }
        wake.notify_one();
    };
    let mut watcher =
        RecommendedWatcher::new(handler, Config::default().with_follow_symlinks(false))?;
    watcher.watch(dir, RecursiveMode::Recursive)?;
    Ok(watcher)
}
