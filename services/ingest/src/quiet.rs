//! When a file is completely written: its size and modification time have not changed for
//! the quiet period. Pure: the caller passes the clock.

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

    /// Records a scan: files not in it are forgotten; a changed file starts over.
    pub fn observe<'a>(&mut self, entries: impl IntoIterator<Item = &'a Entry>, now: Instant) {
        let mut next = HashMap::new();
        for e in entries {
            let since = match self.seen.get(&e.rel) {
                Some(s) if s.size == e.size && s.mtime == e.mtime => s.since,
                _ => now,
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
        q.observe([&e(10, 1)], t0);
        assert!(!q.is_quiet(&e(10, 1), t0));
        assert_eq!(q.next_quiet_at(t0), Some(t0 + Duration::from_secs(2)));
        q.observe([&e(10, 1)], t0 + Duration::from_secs(1));
        assert!(!q.is_quiet(&e(10, 1), t0 + Duration::from_secs(1)));
        q.observe([&e(10, 1)], t0 + Duration::from_secs(2));
        assert!(q.is_quiet(&e(10, 1), t0 + Duration::from_secs(2)));
    }

    #[test]
    fn a_growing_file_starts_over() {
        let t0 = Instant::now();
        let mut q = QuietTracker::new(Duration::from_secs(2));
        q.observe([&e(10, 1)], t0);
        q.observe([&e(20, 3)], t0 + Duration::from_secs(3));
        assert!(!q.is_quiet(&e(20, 3), t0 + Duration::from_secs(3)));
        assert!(!q.is_quiet(&e(10, 1), t0 + Duration::from_secs(3)));
        q.observe([&e(20, 3)], t0 + Duration::from_secs(5));
        assert!(q.is_quiet(&e(20, 3), t0 + Duration::from_secs(5)));
    }

    #[test]
    fn a_vanished_file_is_forgotten() {
        let t0 = Instant::now();
        let mut q = QuietTracker::new(Duration::from_secs(0));
        q.observe([&e(10, 1)], t0);
        q.observe([], t0);
        assert!(!q.is_quiet(&e(10, 1), t0));
        assert_eq!(q.next_quiet_at(t0), None);
    }
}
