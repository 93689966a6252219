//! What names a batch's run and its files, shared by the work messages ([`crate::events`])
//! and the status events ([`crate::status`]): which run of which batch ([`BatchRef`]), where
//! its files came from ([`Source`]) and where they are stored ([`FileRef`], [`Inputs`]).

use crate::digest::{BatchId, Sha256};
use serde::{Deserialize, Serialize};
use tiqets_domain::FileKind;

/// Which batch, which run of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRef {
    pub batch_id: BatchId,
    pub name: String,
    /// 1 for the first run, +1 for each retry of a failed batch.
    pub attempt: u32,
}

/// Where a batch's files came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// Dropped into the input folder; the paths as ingest saw them.
    Folder { orders: String, barcodes: String },
    /// Uploaded through the api; the file names the client gave.
    Upload { orders: String, barcodes: String },
    /// A failed batch queued again from its stored files (`POST /api/batches/{id}/retry`);
    /// the names its files were received under.
    Retry { orders: String, barcodes: String },
}

/// One input file as stored in the object store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// Object key in the `{ns}_files` bucket ([`crate::Names::input_key`]).
    pub key: String,
    pub sha256: Sha256,
    pub size: u64,
}

/// The two input files of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    pub orders: FileRef,
    pub barcodes: FileRef,
}

impl Inputs {
    pub fn get(&self, file: FileKind) -> &FileRef {
        match file {
            FileKind::Orders => &self.orders,
            FileKind::Barcodes => &self.barcodes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_tagged_and_inputs_are_found_by_file() {
        let source = Source::Folder {
            orders: "in/orders.csv".into(),
            barcodes: "in/barcodes.csv".into(),
        };
        let v = serde_json::to_value(&source).unwrap();
        assert_eq!(v["kind"], "folder");
        assert_eq!(serde_json::from_value::<Source>(v).unwrap(), source);
        let file = |key: &str| FileRef {
            key: key.into(),
            sha256: Sha256::of(key.as_bytes()),
            size: 1,
        };
        let inputs = Inputs {
            orders: file("o"),
            barcodes: file("b"),
        };
        assert_eq!(inputs.get(FileKind::Orders).key, "o");
        assert_eq!(inputs.get(FileKind::Barcodes).key, "b");
    }
}
