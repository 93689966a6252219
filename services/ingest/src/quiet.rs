//! When a file is completely written: its size and modification time have not changed for
//! the quiet period. Pure: the caller passes the clocks.
//!
//! Two things shorten the wait:
//! - a file renamed into the folder (the watcher reports it, [`QuietTracker::renamed_in`]),
//!   or lying under a folder renamed into it, and not modified since, was complete when it
//!   arrived: it is quiet at once;
//! - the modification time itself says since when a file has not changed: a file written a
//!   while ago (one there before start-up, say) is quiet at first sight, while one being
//!   appended to has a fresh mtime and waits the whole period. This trusts the file system's
//!   clock to match this host's (as it does on a local disk); on a network share whose clock
//!   runs behind by more than the quiet period, a growing file could look older than it is.

use crate::pairing::Entry;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    size: u64,
    mtime: SystemTime,
    /// When it has been unchanged for the quiet period, if it stays so.
    quiet_at: Instant,
}

/// How long a rename is remembered (it only matters for the first scan after it).
const RENAME_MEMORY: Duration = Duration::from_secs(60);

/// Remembers what each file looked like and since when.
#[derive(Debug)]
pub struct QuietTracker {
    quiet: Duration,
    seen: HashMap<PathBuf, Seen>,
    /// Paths renamed into the folder (relative to it), and when.
    renamed: HashMap<PathBuf, SystemTime>,
    /// Files put back after a failed publish: not quiet before then.
    held: HashMap<PathBuf, Instant>,
}

impl QuietTracker {
    pub fn new(quiet: Duration) -> QuietTracker {
        QuietTracker {
            quiet,
            seen: HashMap::new(),
            renamed: HashMap::new(),
            held: HashMap::new(),
        }
    }

    /// Keeps `rel` from being quiet before `until`, however it looks: a file put back after
    /// a failed publish is retried a quiet period later (its old mtime, or being put back by
    /// a rename, would otherwise make it quiet at once, retrying in a tight loop).
    pub fn hold(&mut self, rel: PathBuf, until: Instant) {
        self.seen.remove(&rel);
        self.held.insert(rel, until);
    }

    /// Records that `rel` (a file or a folder, relative to the input folder) was renamed
    /// into it at `at`, by the system clock.
    pub fn renamed_in(&mut self, rel: PathBuf, at: SystemTime) {
        self.renamed.insert(rel, at);
    }

    /// Whether `e` is, or lies under, a path renamed in, and was not modified after that.
    fn arrived_complete(&self, e: &Entry) -> bool {
        e.rel
            .ancestors()
            .any(|p| self.renamed.get(p).is_some_and(|at| e.mtime <= *at))
    }

    /// Records a scan made at `now`, which is `wall` by the system clock (the one of file
    /// modification times). Files not in it are forgotten. A new or changed file counts as
    /// unchanged since its modification time, at most a quiet period back.
    pub fn observe<'a>(
        &mut self,
        entries: impl IntoIterator<Item = &'a Entry>,
        now: Instant,
        wall: SystemTime,
    ) {
        let mut next = HashMap::new();
        for e in entries {
            let quiet_at = match self.seen.get(&e.rel) {
                Some(s) if s.size == e.size && s.mtime == e.mtime => s.quiet_at,
                _ => {
                    let unchanged_for = if self.arrived_complete(e) {
                        self.quiet
                    } else {
                        // An mtime in the future counts as now.
                        wall.duration_since(e.mtime).unwrap_or_default()
                    };
                    let at = now + self.quiet.saturating_sub(unchanged_for);
                    self.held.get(&e.rel).map_or(at, |until| at.max(*until))
                }
            };
            next.insert(
                e.rel.clone(),
                Seen {
                    size: e.size,
                    mtime: e.mtime,
                    quiet_at,
                },
            );
        }
        self.seen = next;
        self.renamed
            .retain(|_, at| wall.duration_since(*at).unwrap_or_default() < RENAME_MEMORY);
        self.held.retain(|_, until| *until > now);
    }

    /// Whether `entry` has looked the same for the quiet period.
    pub fn is_quiet(&self, entry: &Entry, now: Instant) -> bool {
        match self.seen.get(&entry.rel) {
            Some(s) if s.size == entry.size && s.mtime == entry.mtime => now >= s.quiet_at,
            _ => false,
        }
    }

    /// When the next file still settling becomes quiet, if any.
    pub fn next_quiet_at(&self, now: Instant) -> Option<Instant> {
        self.seen
            .values()
            .map(|s| s.quiet_at)
            .filter(|at| *at > now)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The system clock `secs` after the epoch (the mtimes of [`e`] are on that scale).
    fn wall(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn e(size: u64, secs: u64) -> Entry {
        Entry {
            rel: PathBuf::from("orders.csv"),
            size,
            mtime: SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
        }
    }

    #[test]
    fn a_file_is_quiet_once_unchanged_for_the_period() {
        let t0 = Instant::now();
        let mut q = QuietTracker::new(Duration::from_secs(2));
        // Seen at once after it was written.
        q.observe([&e(10, 1)], t0, wall(1));
        assert!(!q.is_quiet(&e(10, 1), t0));
        assert_eq!(q.next_quiet_at(t0), Some(t0 + Duration::from_secs(2)));
        q.observe([&e(10, 1)], t0 + Duration::from_secs(1), wall(2));
        assert!(!q.is_quiet(&e(10, 1), t0 + Duration::from_secs(1)));
        q.observe([&e(10, 1)], t0 + Duration::from_secs(2), wall(3));
        assert!(q.is_quiet(&e(10, 1), t0 + Duration::from_secs(2)));
    }

    #[test]
    fn a_growing_file_starts_over() {
        let t0 = Instant::now();
        let mut q = QuietTracker::new(Duration::from_secs(2));
        q.observe([&e(10, 1)], t0, wall(1));
        q.observe([&e(20, 3)], t0 + Duration::from_secs(2), wall(3));
        assert!(!q.is_quiet(&e(20, 3), t0 + Duration::from_secs(2)));
        assert!(!q.is_quiet(&e(10, 1), t0 + Duration::from_secs(2)));
        q.observe([&e(20, 3)], t0 + Duration::from_secs(4), wall(5));
        assert!(q.is_quiet(&e(20, 3), t0 + Duration::from_secs(4)));
    }

    #[test]
    fn a_vanished_file_is_forgotten() {
        let t0 = Instant::now();
        let mut q = QuietTracker::new(Duration::from_secs(0));
        q.observe([&e(10, 1)], t0, wall(1));
        q.observe([], t0, wall(1));
        assert!(!q.is_quiet(&e(10, 1), t0));
        assert_eq!(q.next_quiet_at(t0), None);
    }

    #[test]
    fn a_file_written_before_it_was_seen_has_been_quiet_since_its_mtime() {
        let t0 = Instant::now();
        let mut q = QuietTracker::new(Duration::from_secs(2));
        // Written 10 s ago, renamed in now: quiet at once.
        q.observe([&e(10, 1)], t0, wall(11));
        assert!(q.is_quiet(&e(10, 1), t0));
        // Written 1.5 s ago: quiet half a second later.
        let written = SystemTime::UNIX_EPOCH + Duration::from_millis(20_000);
        let late = Entry {
            rel: PathBuf::from("barcodes.csv"),
            size: 5,
            mtime: written,
        };
        q.observe([&late], t0, written + Duration::from_millis(1500));
        assert!(!q.is_quiet(&late, t0));
        assert_eq!(q.next_quiet_at(t0), Some(t0 + Duration::from_millis(500)));
        // An mtime ahead of the clock counts as a change just now.
        let mut q = QuietTracker::new(Duration::from_secs(2));
        q.observe([&e(10, 30)], t0, wall(20));
        assert_eq!(q.next_quiet_at(t0), Some(t0 + Duration::from_secs(2)));
    }

    #[test]
    fn a_file_renamed_in_is_quiet_at_once_unless_written_after() {
        let t0 = Instant::now();
        let mut q = QuietTracker::new(Duration::from_secs(2));
        // Written at 10, its folder renamed in at 10.
        let file = |size, secs| Entry {
            rel: PathBuf::from("monday/orders.csv"),
            size,
            mtime: SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
        };
        q.renamed_in(PathBuf::from("monday"), wall(10));
        q.observe([&file(5, 10)], t0, wall(10));
        assert!(q.is_quiet(&file(5, 10), t0));
        // Appended to after the rename: the normal wait.
        q.observe([&file(9, 11)], t0, wall(11));
        assert!(!q.is_quiet(&file(9, 11), t0));
        // Another folder's rename says nothing about this one.
        let mut q = QuietTracker::new(Duration::from_secs(2));
        q.renamed_in(PathBuf::from("tuesday"), wall(10));
        q.observe([&file(5, 10)], t0, wall(10));
        assert!(!q.is_quiet(&file(5, 10), t0));
        // Renames are forgotten after a while.
        q.observe([], t0, wall(10) + RENAME_MEMORY);
        assert!(q.renamed.is_empty());
    }

    #[test]
    fn a_held_file_is_not_quiet_before_its_time_however_old() {
        let t0 = Instant::now();
        let mut q = QuietTracker::new(Duration::from_secs(2));
        q.observe([&e(10, 1)], t0, wall(100));
        assert!(q.is_quiet(&e(10, 1), t0));
        let until = t0 + Duration::from_secs(2);
        q.hold(PathBuf::from("orders.csv"), until);
        q.renamed_in(PathBuf::from("orders.csv"), wall(100));
        q.observe([&e(10, 1)], t0, wall(100));
        assert!(!q.is_quiet(&e(10, 1), t0));
        assert_eq!(q.next_quiet_at(t0), Some(until));
        q.observe([&e(10, 1)], until, wall(102));
        assert!(q.is_quiet(&e(10, 1), until));
        assert!(q.held.is_empty());
    }
}
