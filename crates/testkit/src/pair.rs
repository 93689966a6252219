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

/// The sample's two files changed as a later export might be: order 5 gone (its barcodes
/// become `unknown_order`), order 9001 of customer 77 added with new barcodes `X9001A` and
/// `X9001B`, barcode 4760415774700 moved from order 2 to order 3, and the unused barcode
/// 9404537440340 sold to order 1. Every kind of change but `barcodes_unsold` follows.
pub fn modified_sample(orders: &[u8], barcodes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let orders = replace_once(orders, b"web,5,53\n", b"");
    let barcodes = replace_once(barcodes, b"4760415774700,2\n", b"4760415774700,3\n");
    let barcodes = replace_once(&barcodes, b"9404537440340,\n", b"9404537440340,1\n");
    (
        [orders, b"web,9001,77\n".to_vec()].concat(),
        [barcodes, b"X9001A,9001\nX9001B,9001\n".to_vec()].concat(),
    )
}

/// `bytes` with the first `from` replaced by `to` (the sample is not all UTF-8).
fn replace_once(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{:?} is not in the file", String::from_utf8_lossy(from)));
    [&bytes[..at], to, &bytes[at + from.len()..]].concat()
}
