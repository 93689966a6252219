//! [`ByteLimits`]: the most bytes each stream and the file bucket of a namespace may hold,
//! and what a full one does.

use async_nats::jetstream::stream::{self, DiscardPolicy};
use tiqets_contract::Names;

/// The most bytes each stream and the file bucket of a namespace may hold
/// (`tiqets-admin setup-nats` sets them, from `TIQETS_NATS_MAX_BYTES_*`). JetStream reserves a
/// stream's `max_bytes` in the server's storage when the stream is made, so their sum must
/// fit the server's `max_file_store`. Full, the work and rows streams and the bucket refuse
/// new messages (publishers get "maximum bytes exceeded" and try again later: nothing is
/// dropped); the status and dead-letter streams drop their oldest messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteLimits {
    pub work: i64,
    pub rows: i64,
    pub status: i64,
    pub dead: i64,
    pub files: i64,
}

impl Default for ByteLimits {
    /// About 10 GiB in all: 64 MiB each for work, status and dead letters (small JSON
    /// messages), 2 GiB of row chunks (a million-order batch is about 150 MB of them, kept a
    /// day), 8 GiB of files (inputs and results, kept 7 days).
    fn default() -> ByteLimits {
        const MIB: i64 = 1 << 20;
        ByteLimits {
            work: 64 * MIB,
            rows: 2048 * MIB,
            status: 64 * MIB,
            dead: 64 * MIB,
            files: 8192 * MIB,
        }
    }
}

impl ByteLimits {
    /// `config` with its byte limit (and what a full stream does).
    pub(super) fn apply(&self, names: &Names, config: stream::Config) -> stream::Config {
        let (max_bytes, discard) = if config.name == names.work_stream() {
            (self.work, DiscardPolicy::New)
        } else if config.name == names.rows_stream() {
            (self.rows, DiscardPolicy::New)
        } else if config.name == names.status_stream() {
            (self.status, DiscardPolicy::Old)
        } else {
            (self.dead, DiscardPolicy::Old)
        };
        stream::Config {
            max_bytes,
            discard,
            ..config
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stream_gets_its_limit_and_what_a_full_one_does() {
        let names = Names::new("t");
        let limits = ByteLimits {
            work: 1,
            rows: 2,
            status: 3,
            dead: 4,
            files: 5,
        };
        let applied = |name: String| {
            let c = limits.apply(
                &names,
                stream::Config {
                    name,
                    ..Default::default()
                },
            );
            (c.max_bytes, c.discard)
        };
        assert_eq!(applied(names.work_stream()), (1, DiscardPolicy::New));
        assert_eq!(applied(names.rows_stream()), (2, DiscardPolicy::New));
        assert_eq!(applied(names.status_stream()), (3, DiscardPolicy::Old));
        assert_eq!(applied(names.dead_stream()), (4, DiscardPolicy::Old));
    }

    #[test]
    fn the_defaults_add_up_to_about_ten_gib() {
        let l = ByteLimits::default();
        let total = l.work + l.rows + l.status + l.dead + l.files;
        assert_eq!(total, (64 * 3 + 2048 + 8192) << 20);
    }
}
