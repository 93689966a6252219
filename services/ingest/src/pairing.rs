//! Which files in the input folder make a batch (`docs/operations.md`, ingest). Pure: it
//! sees a listing, not the disk.
//!
//! - A subfolder `<name>/` holding `orders.csv` and `barcodes.csv` is batch `<name>`.
//! - At the top level `orders<tag>.csv` pairs with `barcodes<tag>.csv` (the tag may be
//!   empty): batch `<tag>` without its leading and trailing `-`, `_`, `.` (an empty tag is
//!   batch `input`).
//! - Names starting with `.` or ending in `.tmp` / `.part` are ignored (so are folders
//!   starting with `.`, which is where claimed files are).
//! - A file without its partner is lone: it waits.
//!
//! `orders`, `barcodes` and `.csv` match in any letter case; tags match exactly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use tiqets_domain::FileKind;

/// A regular file in the input folder, `rel` relative to it (one or two components).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub rel: PathBuf,
    pub size: u64,
    pub mtime: SystemTime,
}

/// Where a file belongs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slot {
    /// `input/<name>/`.
    Folder(String),
    /// `input/orders<tag>.csv` + `input/barcodes<tag>.csv`.
    Tagged(String),
}

impl Slot {
    /// The batch name people see.
    pub fn name(&self) -> String {
        match self {
            Slot::Folder(name) => name.clone(),
            Slot::Tagged(tag) => {
                let t = tag.trim_matches(|c| c == '-' || c == '_' || c == '.');
                if t.is_empty() {
                    "input".to_string()
                } else {
                    t.to_string()
                }
            }
        }
    }

    /// The path, relative to the input folder, where the file of `kind` is expected.
    pub fn expected(&self, kind: FileKind) -> PathBuf {
        match self {
            Slot::Folder(name) => Path::new(name).join(kind.file_name()),
            Slot::Tagged(tag) => PathBuf::from(format!("{}{tag}.csv", kind.as_str())),
        }
    }
}

/// Both files of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub slot: Slot,
    pub orders: Entry,
    pub barcodes: Entry,
}

/// A file waiting for its partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lone {
    pub slot: Slot,
    pub kind: FileKind,
    pub entry: Entry,
}

impl Lone {
    /// Where the partner is expected.
    pub fn missing(&self) -> PathBuf {
        let other = match self.kind {
            FileKind::Orders => FileKind::Barcodes,
            FileKind::Barcodes => FileKind::Orders,
        };
        self.slot.expected(other)
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub pairs: Vec<Pair>,
    pub lone: Vec<Lone>,
}

/// Whether a file or folder name is ignored until renamed.
pub fn is_ignored(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.') || lower.ends_with(".tmp") || lower.ends_with(".part")
}

/// The slot and kind of a file, or `None` when it takes no part in a batch.
pub fn classify(rel: &Path) -> Option<(Slot, FileKind)> {
    let parts: Vec<&str> = rel
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect::<Option<_>>()?;
    if parts.iter().any(|p| is_ignored(p)) {
        return None;
    }
    match parts.as_slice() {
        [folder, file] => {
            let kind = [FileKind::Orders, FileKind::Barcodes]
                .into_iter()
                .find(|k| file.eq_ignore_ascii_case(k.file_name()))?;
            Some((Slot::Folder(folder.to_string()), kind))
        }
        [file] => {
            let stem = strip_suffix_ci(file, ".csv")?;
            for kind in [FileKind::Orders, FileKind::Barcodes] {
                if let Some(tag) = strip_prefix_ci(stem, kind.as_str()) {
                    return Some((Slot::Tagged(tag.to_string()), kind));
                }
            }
            None
        }
        _ => None,
    }
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    (s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(suffix)).then(|| &s[..cut])
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

/// Groups a listing into pairs and lone files, in a stable order (by slot). When two files
/// claim the same place (`orders.csv` and `ORDERS.csv`), the first by path wins and the
/// other waits for the next scan.
pub fn plan(entries: impl IntoIterator<Item = Entry>) -> Plan {
    let mut slots: BTreeMap<Slot, (Option<Entry>, Option<Entry>)> = BTreeMap::new();
    let mut sorted: Vec<Entry> = entries.into_iter().collect();
    sorted.sort_by(|a, b| a.rel.cmp(&b.rel));
    for entry in sorted {
        let Some((slot, kind)) = classify(&entry.rel) else {
            continue;
        };
        let place = slots.entry(slot).or_default();
        let cell = match kind {
            FileKind::Orders => &mut place.0,
            FileKind::Barcodes => &mut place.1,
        };
        if cell.is_none() {
            *cell = Some(entry);
        }
    }
    let mut plan = Plan::default();
    for (slot, files) in slots {
        match files {
            (Some(orders), Some(barcodes)) => plan.pairs.push(Pair {
                slot,
                orders,
                barcodes,
            }),
            (Some(entry), None) => plan.lone.push(Lone {
                slot,
                kind: FileKind::Orders,
                entry,
            }),
            (None, Some(entry)) => plan.lone.push(Lone {
                slot,
                kind: FileKind::Barcodes,
                entry,
            }),
            (None, None) => {}
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(rel: &str) -> Entry {
        Entry {
            rel: PathBuf::from(rel),
            size: 1,
            mtime: SystemTime::UNIX_EPOCH,
        }
    }

    fn names(plan: &Plan) -> (Vec<String>, Vec<String>) {
        (
            plan.pairs.iter().map(|p| p.slot.name()).collect(),
            plan.lone.iter().map(|l| l.slot.name()).collect(),
        )
    }

    #[test]
    fn a_subfolder_with_both_files_is_a_batch_named_after_it() {
        let p = plan([e("monday/orders.csv"), e("monday/barcodes.csv")]);
        assert_eq!(names(&p), (vec!["monday".into()], vec![]));
        assert_eq!(p.pairs[0].orders.rel, PathBuf::from("monday/orders.csv"));
    }

    #[test]
    fn top_level_files_pair_untagged_and_by_tag() {
        let p = plan([
            e("orders.csv"),
            e("barcodes.csv"),
            e("orders-2026-11-24.csv"),
            e("barcodes-2026-11-24.csv"),
        ]);
        assert_eq!(
            names(&p).0,
            vec!["input".to_string(), "2026-11-24".to_string()]
        );
    }

    #[test]
    fn a_file_alone_waits_for_its_partner() {
        let p = plan([e("orders_x.csv"), e("tuesday/barcodes.csv")]);
        assert_eq!(p.pairs, vec![]);
        assert_eq!(names(&p).1, vec!["tuesday".to_string(), "x".to_string()]);
        assert_eq!(p.lone[1].missing(), PathBuf::from("barcodes_x.csv"));
        assert_eq!(p.lone[0].missing(), PathBuf::from("tuesday/orders.csv"));
    }

    #[test]
    fn temporary_and_hidden_names_are_ignored() {
        for rel in [
            ".orders.csv",
            "orders.csv.tmp",
            "orders.csv.part",
            "barcodes.csv.PART",
            ".claimed-x/orders.csv",
            "monday.tmp/orders.csv",
        ] {
            assert_eq!(classify(Path::new(rel)), None, "{rel}");
        }
        let p = plan([e("orders.csv"), e("barcodes.csv.part")]);
        assert_eq!(p.pairs.len(), 0);
        assert_eq!(p.lone.len(), 1);
    }

    #[test]
    fn other_files_take_no_part() {
        for rel in [
            "customers.csv",
            "orders.txt",
            "a/b/orders.csv",
            "monday/orders-1.csv",
        ] {
            assert_eq!(classify(Path::new(rel)), None, "{rel}");
        }
    }

    #[test]
    fn names_match_in_any_case_and_tags_exactly() {
        let p = plan([
            e("ORDERS.CSV"),
            e("Barcodes.csv"),
            e("ordersA.csv"),
            e("barcodesa.csv"),
        ]);
        assert_eq!(names(&p).0, vec!["input".to_string()]);
        assert_eq!(p.lone.len(), 2);
    }
}
