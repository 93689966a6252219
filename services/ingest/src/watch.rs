//! Filesystem notifications (the `notify` crate) as wake-ups for a rescan. Any event,
//! including notify's own "rescan needed" and errors, just wakes the loop: the scan decides.

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::Notify;

/// Watches `dir` recursively; keep the returned watcher alive.
pub fn watch(dir: &Path, wake: Arc<Notify>) -> notify::Result<RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Err(e) = res {
            tracing::warn!(error = %e, "file watcher error; rescanning");
        }
        wake.notify_one();
    })?;
    watcher.watch(dir, RecursiveMode::Recursive)?;
    Ok(watcher)
}
