//! When a file is completely written: its size and modification time have not changed for
//! the quiet period. Pure: the caller passes the clocks.
//!
//! The modification time itself says since when a file has not changed: a file written a
//! while ago and then renamed into the folder (or there before start-up) is quiet at first
//! sight, while one being appended to has a fresh mtime and waits the whole period. This
//! trusts the file system's clock to match this host's (as it does on a local disk); on a
//! network share whose clock runs behind by more than the quiet period, a growing file could
//! look older than it is.

use crate::pairing::Entry;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    size: u64,
    mtime: SystemTime,
    since: Instant,
}

/// Remembers what each file looked like and since when.
#[derive(Debug)]
pub struct QuietTracker {
    quiet: Duration,
    seen: HashMap<PathBuf, Seen>,
}

impl QuietTracker {
    pub fn new(quiet: Duration) -> QuietTracker {
        QuietTracker {
            quiet,
            seen: HashMap::new(),
        }
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
            let since = match self.seen.get(&e.rel) {
                Some(s) if s.size == e.size && s.mtime == e.mtime => s.since,
                _ => {
                    // An mtime in the future counts as now.
                    let age = wall.duration_since(e.mtime).unwrap_or_default();
                    now.checked_sub(age.min(self.quiet)).unwrap_or(now)
                }
            };
            next.insert(
                e.rel.clone(),
                Seen {
                    size: e.size,
                    mtime: e.mtime,
                    since,
                },
            );
        }
        self.seen = next;
    }

    /// Whether `entry` has looked the same for the quiet period.
    pub fn is_quiet(&self, entry: &Entry, now: Instant) -> bool {
        match self.seen.get(&entry.rel) {
            Some(s) if s.size == entry.size && s.mtime == entry.mtime => {
                now.duration_since(s.since) >= self.quiet
            }
            _ => false,
        }
    }

    /// When the next file still settling becomes quiet, if any.
    pub fn next_quiet_at(&self, now: Instant) -> Option<Instant> {
        self.seen
            .values()
            .map(|s| s.since + self.quiet)
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
}
