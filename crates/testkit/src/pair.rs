//! Pairs of input files: the bundled sample (`data/input`) and files of the repository.

use std::path::{Path, PathBuf};

/// The repository's root (where `Cargo.toml` of the workspace is).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The bytes of `path`, panicking with the path when it cannot be read.
pub fn read(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The paths of a pair of input files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub orders: PathBuf,
    pub barcodes: PathBuf,
}

impl Pair {
    /// `orders.csv` and `barcodes.csv` in `dir`.
    pub fn in_dir(dir: impl AsRef<Path>) -> Pair {
        let dir = dir.as_ref();
        Pair {
            orders: dir.join("orders.csv"),
            barcodes: dir.join("barcodes.csv"),
        }
    }

    /// The bundled sample (`data/input`), which holds every issue kind.
    pub fn sample() -> Pair {
        Pair::in_dir(repo_root().join("data/input"))
    }

    /// Both paths.
    pub fn paths(&self) -> (PathBuf, PathBuf) {
        (self.orders.clone(), self.barcodes.clone())
    }

    /// Both files' bytes.
    pub fn bytes(&self) -> (Vec<u8>, Vec<u8>) {
        (read(&self.orders), read(&self.barcodes))
    }
}
