//! Why bytes are not a row chunk: every decoding failure says where.

/// Why bytes are not a row chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    #[error("not a row chunk (bad magic)")]
    BadMagic,
    #[error("row chunk cut short at byte {0}")]
    Truncated(usize),
    #[error("row chunk has a bad {what} at byte {at}")]
    BadValue { what: &'static str, at: usize },
    #[error("row chunk has {0} trailing bytes")]
    Trailing(usize),
}
