//! Taking a pair out of the input folder so that exactly one replica publishes it, and
//! archiving it afterwards.
//!
//! A replica claims a pair by creating a working folder `.claimed-<instance>-<n>/` inside
//! the input folder (ignored by pairing: it starts with `.`), writing `claim.json` there
//! (what came from where), and then **renaming** `orders` into it, then `barcodes`. A rename
//! is atomic, so when replicas race for a pair exactly one rename of the orders file
//! succeeds; the others see it gone and skip the pair. Every replica claims orders first,
//! so none ever holds only the barcodes file.
//!
//! The owner rewrites `claim.json` every few seconds while it works. A claim folder whose
//! `claim.json` has not been written for the stale period belongs to a replica that died,
//! and so does one whose holder process is seen to be gone ([`crate::holder`]: a replica
//! restarted on the same host); any replica takes it over by renaming the whole folder to a claim of its own, then
//! finishes it (both files there) or puts the files back (one file there).
//!
//! The input, claim and archive folders should be on one filesystem; moving to an archive
//! elsewhere falls back to copy, sync, then delete (for regular files only: nothing here
//! follows a link or opens a FIFO; `claim.json` is read only when it is a regular file).

use crate::holder::Holder;
use crate::pairing::Pair;
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

const RECORD: &str = "claim.json";
const PREFIX: &str = ".claimed-";

/// What a claim folder holds, written as `claim.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRecord {
    pub name: String,
    /// Paths relative to the input folder where the files were found.
    pub orders_from: PathBuf,
    pub barcodes_from: PathBuf,
    /// The instance that holds it.
    pub owner: String,
    /// Its process, where it can be told (see [`crate::holder`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<Holder>,
}

/// A pair held in a claim folder.
#[derive(Debug, Clone)]
pub struct Claim {
    pub dir: PathBuf,
    pub record: ClaimRecord,
}

impl Claim {
    pub fn orders(&self) -> PathBuf {
        self.dir.join("orders.csv")
    }

    pub fn barcodes(&self) -> PathBuf {
        self.dir.join("barcodes.csv")
    }

    /// The heartbeat: rewrites `claim.json`, refreshing its modification time.
    pub fn touch(&self) -> io::Result<()> {
        write_record(&self.dir, &self.record)
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn new_claim_dir(input: &Path, instance: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    input.join(format!("{PREFIX}{instance}-{n}"))
}

fn write_record(dir: &Path, record: &ClaimRecord) -> io::Result<()> {
    let tmp = dir.join(".claim.json.tmp");
    std::fs::write(
        &tmp,
        serde_json::to_vec_pretty(record).map_err(io::Error::other)?,
    )?;
    std::fs::rename(tmp, dir.join(RECORD))
}

/// Claims `pair`; `None` when another replica (or the user) took it first.
pub fn claim(input: &Path, pair: &Pair, instance: &str) -> io::Result<Option<Claim>> {
    let dir = new_claim_dir(input, instance);
    std::fs::create_dir(&dir)?;
    let record = ClaimRecord {
        name: pair.slot.name(),
        orders_from: pair.orders.rel.clone(),
        barcodes_from: pair.barcodes.rel.clone(),
        owner: instance.to_string(),
        holder: Holder::this().cloned(),
    };
    write_record(&dir, &record)?;
    let claim = Claim { dir, record };
    if let Err(e) = std::fs::rename(input.join(&pair.orders.rel), claim.orders()) {
        let _ = std::fs::remove_dir_all(&claim.dir);
        return if e.kind() == io::ErrorKind::NotFound {
            Ok(None)
        } else {
            Err(e)
        };
    }
    if let Err(e) = std::fs::rename(input.join(&pair.barcodes.rel), claim.barcodes()) {
        unclaim(input, &claim)?;
        return if e.kind() == io::ErrorKind::NotFound {
            Ok(None)
        } else {
            Err(e)
        };
    }
    if let Some(parent) = pair
        .orders
        .rel
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        // An emptied batch subfolder goes too (fails harmlessly when not empty).
        let _ = std::fs::remove_dir(input.join(parent));
    }
    Ok(Some(claim))
}

/// Puts a claim's files back where they were found and removes the claim folder.
pub fn unclaim(input: &Path, claim: &Claim) -> io::Result<()> {
    for (held, from) in [
        (claim.orders(), &claim.record.orders_from),
        (claim.barcodes(), &claim.record.barcodes_from),
    ] {
        if present(&held) {
            let to = input.join(from);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)?;
            }
            if present(&to) {
                // A new file took its place meanwhile: keep both, ours beside it.
                let aside = to.with_extension(format!("csv.returned-{}", unique()));
                std::fs::rename(&held, aside)?;
            } else {
                std::fs::rename(&held, to)?;
            }
        }
    }
    std::fs::remove_dir_all(&claim.dir)
}

/// Moves a claim's files to `archive/<batch_id>/<stamp>/` under their original names, with
/// `claim.json` beside them, and removes the claim folder. Returns the archive folder.
pub fn archive(
    claim: &Claim,
    archive_root: &Path,
    batch_id: &str,
    stamp: &str,
) -> io::Result<PathBuf> {
    let mut dest = archive_root.join(batch_id).join(stamp);
    if dest.exists() {
        dest = archive_root
            .join(batch_id)
            .join(format!("{stamp}-{}", unique()));
    }
    std::fs::create_dir_all(&dest)?;
    for (held, from) in [
        (claim.orders(), &claim.record.orders_from),
        (claim.barcodes(), &claim.record.barcodes_from),
    ] {
        let name = from.file_name().unwrap_or(held.as_os_str());
        move_file(&held, &dest.join(name))?;
    }
    move_file(&claim.dir.join(RECORD), &dest.join(RECORD))?;
    std::fs::remove_dir_all(&claim.dir)?;
    Ok(dest)
}

/// Claim folders whose heartbeat is older than `stale_after`, or whose holder is seen to
/// be gone.
pub fn stale_claims(input: &Path, stale_after: Duration) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(input) else {
        return Vec::new();
    };
    let now = SystemTime::now();
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(PREFIX))
        // A real folder, not a link to one elsewhere.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|dir| {
            let beat = std::fs::symlink_metadata(dir.join(RECORD))
                .and_then(|m| m.modified())
                .or_else(|_| std::fs::symlink_metadata(dir).and_then(|m| m.modified()));
            match beat {
                Ok(t) if now.duration_since(t).unwrap_or_default() >= stale_after => true,
                Ok(_) => holder_gone(dir),
                Err(_) => false,
            }
        })
        .collect()
}

/// Whether the claim in `dir` names a holder process that is gone (seen from this one).
fn holder_gone(dir: &Path) -> bool {
    let Some(here) = Holder::this() else {
        return false;
    };
    read_record(&dir.join(RECORD))
        .and_then(|r| r.holder)
        .is_some_and(|h| h.gone(here))
}

/// Takes over a stale claim folder; `None` when another replica took it first.
pub fn take_over(input: &Path, dir: &Path, instance: &str) -> io::Result<Option<Claim>> {
    let new_dir = new_claim_dir(input, instance);
    match std::fs::rename(dir, &new_dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    let record: ClaimRecord = match read_record(&new_dir.join(RECORD)) {
        Some(r) => r,
        None => {
            // Died before writing its record, so before moving any file in.
            std::fs::remove_dir_all(&new_dir)?;
            return Ok(None);
        }
    };
    let claim = Claim {
        dir: new_dir,
        record: ClaimRecord {
            owner: instance.to_string(),
            holder: Holder::this().cloned(),
            ..record
        },
    };
    claim.touch()?;
    Ok(Some(claim))
}

/// `claim.json`, read only if it is a regular file (see [`crate::open`]); `None` when it
/// is missing or unreadable.
fn read_record(path: &Path) -> Option<ClaimRecord> {
    use std::io::Read as _;
    let (file, _) = crate::open::open_regular(path).ok()?;
    let mut bytes = Vec::new();
    // A record is a few hundred bytes: a larger file is not one.
    file.take(1 << 20).read_to_end(&mut bytes).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Whether anything is at `path`, without following a symbolic link (a dangling link is
/// there too).
pub fn present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Renames, or copies + syncs + deletes across filesystems. Only a regular file is ever
/// copied: anything else (a link, a FIFO, a folder) fails with the rename's error.
pub fn move_file(from: &Path, to: &Path) -> io::Result<()> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e)
            if e.kind() == io::ErrorKind::CrossesDevices
                && std::fs::symlink_metadata(from).is_ok_and(|m| m.is_file()) =>
        {
            std::fs::copy(from, to)?;
            std::fs::File::open(to)?.sync_all()?;
            std::fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{nanos:x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairing::{plan, Entry};

    fn pair_in(input: &Path, orders: &str, barcodes: &str) -> Pair {
        for rel in [orders, barcodes] {
            let p = input.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, rel).unwrap();
        }
        let entries = [orders, barcodes].map(|r| Entry {
            rel: r.into(),
            size: 0,
            mtime: SystemTime::UNIX_EPOCH,
        });
        plan(entries).pairs.remove(0)
    }

    #[test]
    fn only_one_claim_of_a_pair_wins() {
        let dir = tempfile::tempdir().unwrap();
        let pair = pair_in(dir.path(), "monday/orders.csv", "monday/barcodes.csv");
        let first = claim(dir.path(), &pair, "a").unwrap().expect("first claim");
        assert!(claim(dir.path(), &pair, "b").unwrap().is_none());
        assert_eq!(
            std::fs::read_to_string(first.orders()).unwrap(),
            "monday/orders.csv"
        );
        assert!(
            !dir.path().join("monday").exists(),
            "the emptied folder is removed"
        );
        let claims: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(claims.len(), 1, "the losing claim folder is removed");
    }

    #[test]
    fn unclaim_puts_files_back() {
        let dir = tempfile::tempdir().unwrap();
        let pair = pair_in(dir.path(), "orders-x.csv", "barcodes-x.csv");
        let c = claim(dir.path(), &pair, "a").unwrap().unwrap();
        unclaim(dir.path(), &c).unwrap();
        assert!(dir.path().join("orders-x.csv").exists());
        assert!(dir.path().join("barcodes-x.csv").exists());
        assert!(!c.dir.exists());
    }

    #[test]
    fn archive_keeps_original_names_and_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let archive_root = dir.path().join("archive");
        let input = dir.path().join("input");
        let pair = pair_in(&input, "orders-x.csv", "barcodes-x.csv");
        let c = claim(&input, &pair, "a").unwrap().unwrap();
        let dest = archive(&c, &archive_root, "b123", "20261124T100000Z").unwrap();
        assert_eq!(dest, archive_root.join("b123/20261124T100000Z"));
        for f in ["orders-x.csv", "barcodes-x.csv", "claim.json"] {
            assert!(dest.join(f).exists(), "{f}");
        }
        assert!(!c.dir.exists());
    }

    #[test]
    fn a_stale_claim_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let pair = pair_in(dir.path(), "orders.csv", "barcodes.csv");
        let c = claim(dir.path(), &pair, "dead").unwrap().unwrap();
        assert!(stale_claims(dir.path(), Duration::from_secs(3600)).is_empty());
        let stale = stale_claims(dir.path(), Duration::ZERO);
        assert_eq!(stale, vec![c.dir.clone()]);
        let mine = take_over(dir.path(), &stale[0], "alive").unwrap().unwrap();
        assert_eq!(mine.record.owner, "alive");
        assert!(mine.orders().exists() && mine.barcodes().exists());
        assert!(take_over(dir.path(), &stale[0], "other").unwrap().is_none());
    }

    #[test]
    fn a_claim_of_a_process_gone_from_this_host_is_taken_over_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let pair = pair_in(dir.path(), "orders.csv", "barcodes.csv");
        let c = claim(dir.path(), &pair, "restarted").unwrap().unwrap();
        let here = Holder::this().expect("/proc on Linux");
        assert_eq!(c.record.holder.as_ref(), Some(here));
        // Held by this process, with a fresh heartbeat: left alone.
        assert!(stale_claims(dir.path(), Duration::from_secs(3600)).is_empty());
        // Held by a process that has exited (a replica killed and restarted here).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let dead = Claim {
            record: ClaimRecord {
                holder: Some(Holder {
                    pid,
                    ..here.clone()
                }),
                ..c.record.clone()
            },
            ..c.clone()
        };
        dead.touch().unwrap();
        assert_eq!(
            stale_claims(dir.path(), Duration::from_secs(3600)),
            vec![c.dir.clone()]
        );
    }

    #[test]
    fn a_link_named_like_a_claim_is_never_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("input");
        let elsewhere = dir.path().join("elsewhere");
        let pair = pair_in(&elsewhere, "orders.csv", "barcodes.csv");
        let c = claim(&elsewhere, &pair, "dead").unwrap().unwrap();
        std::fs::create_dir_all(&input).unwrap();
        std::os::unix::fs::symlink(&c.dir, input.join(".claimed-dead-9")).unwrap();
        assert!(stale_claims(&input, Duration::ZERO).is_empty());
    }
}
