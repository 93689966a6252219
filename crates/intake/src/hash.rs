//! [`hash_file`]: a file's SHA-256 and size, read on a blocking thread. A batch's id comes
//! from its files' digests, so they are hashed before anything is published.

use std::io;
use std::path::Path;
use tiqets_contract::{Sha256, Sha256Hasher};

/// SHA-256 and length of a file, read on a blocking thread (so two files hash in parallel).
pub async fn hash_file(path: &Path) -> io::Result<(Sha256, u64)> {
    let path = path.to_path_buf();
    let hashed = tokio::task::spawn_blocking(move || {
        use std::io::Read as _;
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256Hasher::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                return Ok((hasher.finish(), size));
            }
            hasher.update(&buf[..n]);
            size += n as u64;
        }
    });
    hashed.await.map_err(io::Error::other)?
}
