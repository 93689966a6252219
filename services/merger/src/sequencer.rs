//! Putting a file's chunks back in sequence order, each sequence number once.
//!
//! Chunks normally arrive in order and once, but a validation redelivered after
//! JetStream's duplicate window stores them a second time, and a retried publish may store
//! one late. The sequencer hands chunks on strictly as `0, 1, 2, …`, drops sequence numbers
//! it has already seen, and holds early ones until their turn. The number of chunks is
//! either announced up front or learnt from the chunk flagged last (chunks read while the
//! file is still being validated).

use std::collections::BTreeMap;

/// A chunk as the sequencer sees it: its place and whether it is the last.
pub trait Sequenced {
    fn seq(&self) -> u32;
    fn last(&self) -> bool;
}

/// A chunk that cannot belong to the announced set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SequenceError {
    #[error("sequence number {seq} is beyond the {total} chunks announced")]
    Beyond { seq: u32, total: u32 },
    #[error("the last-chunk flag of chunk {seq} disagrees with the {total} chunks announced")]
    LastFlag { seq: u32, total: u32 },
}

/// Releases chunks `0..total` in order.
#[derive(Debug)]
pub struct Sequencer<T> {
    /// Known once announced or once the last chunk arrived.
    total: Option<u32>,
    next: u32,
    held: BTreeMap<u32, T>,
    duplicates: u64,
}

impl<T: Sequenced> Sequencer<T> {
    /// A sequencer for `total` chunks, or for as many as the chunk flagged last says.
    pub fn new(total: Option<u32>) -> Sequencer<T> {
        Sequencer {
            total,
            next: 0,
            held: BTreeMap::new(),
            duplicates: 0,
        }
    }

    /// Takes one chunk; returns the chunks whose turn it now is, in order.
    pub fn offer(&mut self, chunk: T) -> Result<Vec<T>, SequenceError> {
        let (seq, last) = (chunk.seq(), chunk.last());
        if self.total.is_none() && last {
            let total = seq.saturating_add(1);
            if let Some((&held, _)) = self.held.last_key_value().filter(|(&k, _)| k >= total) {
                return Err(SequenceError::Beyond { seq: held, total });
            }
            self.total = Some(total);
        }
        if let Some(total) = self.total {
            if seq >= total {
                return Err(SequenceError::Beyond { seq, total });
            }
            if last != (seq + 1 == total) {
                return Err(SequenceError::LastFlag { seq, total });
            }
        }
        if seq < self.next || self.held.contains_key(&seq) {
            self.duplicates += 1;
            return Ok(Vec::new());
        }
        if seq > self.next {
            self.held.insert(seq, chunk);
            return Ok(Vec::new());
        }
        let mut ready = vec![chunk];
        self.next += 1;
        while let Some(c) = self.held.remove(&self.next) {
            ready.push(c);
            self.next += 1;
        }
        Ok(ready)
    }

    /// Whether every chunk was released.
    pub fn is_complete(&self) -> bool {
        self.total == Some(self.next)
    }

    /// Chunks released so far.
    pub fn released(&self) -> u32 {
        self.next
    }

    /// Chunks dropped because their sequence number was already seen.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Chunk {
        seq: u32,
        last: bool,
    }

    impl Sequenced for Chunk {
        fn seq(&self) -> u32 {
            self.seq
        }
        fn last(&self) -> bool {
            self.last
        }
    }

    fn chunk(seq: u32, total: u32) -> Chunk {
        Chunk {
            seq,
            last: seq + 1 == total,
        }
    }

    fn released(total: u32, arrivals: &[u32]) -> (Vec<u32>, Sequencer<Chunk>) {
        let mut s = Sequencer::new(Some(total));
        let mut out = Vec::new();
        for &seq in arrivals {
            out.extend(s.offer(chunk(seq, total)).unwrap().iter().map(|c| c.seq));
        }
        (out, s)
    }

    #[test]
    fn in_order_chunks_pass_straight_through() {
        let (out, s) = released(3, &[0, 1, 2]);
        assert_eq!(out, [0, 1, 2]);
        assert!(s.is_complete());
        assert_eq!(s.duplicates(), 0);
    }

    #[test]
    fn a_redelivered_validation_s_chunks_are_used_once() {
        let (out, s) = released(4, &[0, 1, 2, 0, 1, 2, 3]);
        assert_eq!(out, [0, 1, 2, 3]);
        assert!(s.is_complete());
        assert_eq!(s.duplicates(), 3);
    }

    #[test]
    fn early_chunks_wait_for_their_turn() {
        let (out, s) = released(4, &[2, 3, 2, 0, 1]);
        assert_eq!(out, [0, 1, 2, 3]);
        assert_eq!(s.duplicates(), 1);
        let (out, s) = released(4, &[1, 3]);
        assert!(out.is_empty());
        assert!(!s.is_complete());
        assert_eq!(s.released(), 0);
    }

    #[test]
    fn without_an_announcement_the_last_chunk_sets_the_total() {
        let mut s = Sequencer::new(None);
        let mut out = Vec::new();
        for seq in [1, 0, 0] {
            out.extend(s.offer(chunk(seq, 3)).unwrap().iter().map(|c| c.seq));
            assert!(!s.is_complete());
        }
        out.extend(s.offer(chunk(2, 3)).unwrap().iter().map(|c| c.seq));
        assert_eq!(out, [0, 1, 2]);
        assert!(s.is_complete());
        assert_eq!(s.duplicates(), 1);
        // Once known, the total is enforced as if announced.
        assert_eq!(
            s.offer(chunk(3, 5)),
            Err(SequenceError::Beyond { seq: 3, total: 3 })
        );
        // A chunk held beyond the last one is an error when the last one arrives.
        let mut s = Sequencer::new(None);
        assert!(s.offer(chunk(4, 6)).unwrap().is_empty());
        assert_eq!(
            s.offer(chunk(2, 3)),
            Err(SequenceError::Beyond { seq: 4, total: 3 })
        );
    }

    #[test]
    fn chunks_outside_the_announced_set_are_errors() {
        let mut s = Sequencer::new(Some(2));
        assert_eq!(
            s.offer(chunk(2, 3)),
            Err(SequenceError::Beyond { seq: 2, total: 2 })
        );
        // Chunk 1 of a 3-chunk run is not the last of 2.
        assert_eq!(
            s.offer(chunk(1, 3)),
            Err(SequenceError::LastFlag { seq: 1, total: 2 })
        );
    }
}
