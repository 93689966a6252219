//! SHA-256 digests and batch ids.
//!
//! A batch id is derived from the content of its two files, so a byte-identical pair maps to
//! the same batch whatever its file names or folder, and a re-published pair is recognised.

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256 as Hasher};
use std::fmt;
use std::str::FromStr;

/// A SHA-256 digest, written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256(pub [u8; 32]);

impl Sha256 {
    /// The digest of `bytes` in one go (tests, small inputs).
    pub fn of(bytes: &[u8]) -> Sha256 {
        Sha256(Hasher::digest(bytes).into())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The digest as the NATS object store records it in an object's info
    /// (`SHA-256=` and the padded URL-safe base64 of the 32 bytes). The store computes it
    /// while an object is put and checks the bytes against it when the object is read to
    /// its end, so comparing it with this saves hashing the bytes a second time.
    pub fn to_object_digest(&self) -> String {
        format!("{OBJECT_DIGEST_PREFIX}{}", URL_SAFE.encode(self.0))
    }

    /// The digest an object store info records, if it is a SHA-256 one.
    pub fn from_object_digest(s: &str) -> Option<Sha256> {
        let b64 = s.strip_prefix(OBJECT_DIGEST_PREFIX)?;
        let bytes = URL_SAFE.decode(b64).ok()?;
        Some(Sha256(bytes.try_into().ok()?))
    }
}

const OBJECT_DIGEST_PREFIX: &str = "SHA-256=";

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.to_hex())
    }
}

/// A string that is not 64 hex digits.
#[derive(Debug, Clone, thiserror::Error)]
#[error("not a SHA-256 hex digest: {0:?}")]
pub struct BadDigest(pub String);

impl FromStr for Sha256 {
    type Err = BadDigest;
    fn from_str(s: &str) -> Result<Sha256, BadDigest> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| BadDigest(s.to_string()))?;
        Ok(Sha256(out))
    }
}

impl Serialize for Sha256 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Sha256, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An incremental SHA-256 (feed it chunks while streaming).
#[derive(Default, Clone)]
pub struct Sha256Hasher(Hasher);

impl Sha256Hasher {
    pub fn new() -> Sha256Hasher {
        Sha256Hasher(Hasher::new())
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish(self) -> Sha256 {
        Sha256(self.0.finalize().into())
    }
}

/// The id of a batch: a single NATS subject token of ASCII letters, digits, `-` and `_`.
///
/// Content batches are `b` + 24 hex digits of SHA-256(orders digest ‖ barcodes digest)
/// ([`BatchId::for_pair`]); a file waiting for its partner is shown as the pseudo-batch
/// `w-{name}-{8 hex}` ([`BatchId::waiting`]).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BatchId(String);

/// A string that cannot be a batch id.
#[derive(Debug, Clone, thiserror::Error)]
#[error("not a batch id (1-100 ASCII letters, digits, '-' or '_'): {0:?}")]
pub struct BadBatchId(pub String);

impl BatchId {
    /// The batch of a pair of files, from their contents' digests.
    pub fn for_pair(orders: &Sha256, barcodes: &Sha256) -> BatchId {
        let mut h = Sha256Hasher::new();
        h.update(&orders.0);
        h.update(&barcodes.0);
        let d = h.finish();
        BatchId(format!("b{}", &d.to_hex()[..24]))
    }

    /// The pseudo-batch that shows a lone file waiting for its partner under batch name
    /// `name`. Deterministic, so every replica names it alike.
    pub fn waiting(name: &str) -> BatchId {
        let slug = BatchId::slug(name);
        let tag = &Sha256::of(name.as_bytes()).to_hex()[..8];
        BatchId(format!("w-{slug}-{tag}"))
    }

    /// The first 40 characters of `name`, each other than an ASCII letter, digit, `-` or
    /// `_` replaced by `_`: a readable part of a pseudo-batch's id.
    pub fn slug(name: &str) -> String {
        let keep = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        name.chars()
            .take(40)
            .map(|c| if keep(c) { c } else { '_' })
            .collect()
    }

    pub fn parse(s: &str) -> Result<BatchId, BadBatchId> {
        let ok = !s.is_empty()
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(BatchId(s.to_string()))
        } else {
            Err(BadBatchId(s.to_string()))
        }
    }

    /// Whether this is a waiting pseudo-batch rather than a pair of files.
    pub fn is_waiting(&self) -> bool {
        self.0.starts_with("w-")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BatchId {
    type Error = BadBatchId;
    fn try_from(s: String) -> Result<BatchId, BadBatchId> {
        BatchId::parse(&s)
    }
}

impl From<BatchId> for String {
    fn from(id: BatchId) -> String {
        id.0
    }
}

impl FromStr for BatchId {
    type Err = BadBatchId;
    fn from_str(s: &str) -> Result<BatchId, BadBatchId> {
        BatchId::parse(s)
    }
}

impl AsRef<str> for BatchId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BatchId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_pair_gives_the_same_batch_and_order_matters() {
        let a = Sha256::of(b"orders");
        let b = Sha256::of(b"barcodes");
        assert_eq!(BatchId::for_pair(&a, &b), BatchId::for_pair(&a, &b));
        assert_ne!(BatchId::for_pair(&a, &b), BatchId::for_pair(&b, &a));
        let id = BatchId::for_pair(&a, &b);
        assert_eq!(id.as_str().len(), 25);
        assert!(BatchId::parse(id.as_str()).is_ok());
        assert!(!id.is_waiting());
    }

    #[test]
    fn waiting_ids_are_subject_tokens() {
        let id = BatchId::waiting("my batch.2026/11");
        assert!(id.is_waiting());
        assert!(BatchId::parse(id.as_str()).is_ok(), "{id}");
        assert_ne!(BatchId::waiting("a.b"), BatchId::waiting("a_b"));
    }

    #[test]
    fn digests_round_trip_through_hex_and_json() {
        let d = Sha256::of(b"abc");
        assert_eq!(
            d.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<Sha256>(&json).unwrap(), d);
        let mut h = Sha256Hasher::new();
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(h.finish(), d);
        assert!(serde_json::from_str::<BatchId>("\"a.b\"").is_err());
    }

    #[test]
    fn object_store_digests_round_trip() {
        let d = Sha256::of(b"abc");
        let text = d.to_object_digest();
        assert_eq!(text, "SHA-256=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=");
        assert_eq!(Sha256::from_object_digest(&text), Some(d));
        assert_eq!(Sha256::from_object_digest("SHA-256=abc="), None);
        assert_eq!(Sha256::from_object_digest("MD5=ungWv48B"), None);
    }
}
