//! `tiqets diff`: the bundled sample against a copy changed by hand, whose changes are
//! worked out below from the rules (docs/processing-rules.md, Changes between two batches).

mod common;

use common::{read, tiqets};
use std::path::Path;

/// The sample's data folder.
fn sample() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/input"))
}

/// A copy of the sample with, in order:
/// - the unused barcode 9404537440340 sold to order 1 (customer 24): sold;
/// - 7544050390121 moved from order 168 (customer 34) to order 1: moved;
/// - order 4 (customer 52) gone: its three barcodes name an unknown order, so they are
///   absent: removed;
/// - a new order 9001 (customer 7) with a new barcode NEW1, and a new unused barcode NEW2:
///   one order and two barcodes added.
fn changed_copy(dir: &Path) {
    // The sample holds bad rows, invalid UTF-8 among them: bytes, not text.
    let edit = |file: &str, drop: &[u8], swap: &[(&[u8], &[u8])], add: &[u8]| {
        let text = std::fs::read(sample().join(file)).unwrap();
        let mut out = Vec::new();
        for line in text.split_inclusive(|&b| b == b'\n') {
            let bare = line.strip_suffix(b"\n").unwrap_or(line);
            if bare == drop {
                continue;
            }
            match swap.iter().find(|(from, _)| *from == bare) {
                Some((_, to)) => {
                    out.extend_from_slice(to);
                    out.push(b'\n');
                }
                None => out.extend_from_slice(line),
            }
        }
        out.extend_from_slice(add);
        std::fs::write(dir.join(file), out).unwrap();
    };
    edit("orders.csv", b"web,4,52", &[], b"web,9001,7\n");
    edit(
        "barcodes.csv",
        b"",
        &[
            (b"9404537440340,", b"9404537440340,1"),
            (b"7544050390121,168", b"7544050390121,1"),
        ],
        b"NEW1,9001\nNEW2,\n",
    );
}

#[test]
fn the_sample_against_a_changed_copy_gives_each_kind_of_change() {
    let new = tempfile::tempdir().unwrap();
    changed_copy(new.path());
    let out = tempfile::tempdir().unwrap();
    let changes = out.path().join("changes");
    let run = tiqets(
        &[
            "diff",
            sample().to_str().unwrap(),
            new.path().to_str().unwrap(),
            "--json",
            "--output",
            changes.to_str().unwrap(),
        ],
        out.path(),
    );
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        concat!(
            r#"{"summary":{"orders_added":1,"orders_removed":1,"orders_changed":2,"#,
            r#""barcodes_sold":1,"barcodes_unsold":0,"barcodes_moved":1,"barcodes_added":2,"#,
            r#""barcodes_removed":3,"customers_changed":4}}"#,
            "\n"
        )
    );
    assert_eq!(
        read(changes.join("changes_orders.csv")),
        "kind,order_id,old_customer_id,new_customer_id,old_barcodes,new_barcodes\n\
         orders_changed,1,24,24,06621098495,\"7544050390121, 9404537440340, 06621098495\"\n\
         orders_removed,4,52,,\"3518089468243, 3336268567753, 7251530834768\",\n\
         orders_changed,168,34,34,\"7544050390121, 2687593777694, 428621663590, 6914698846174\",\"2687593777694, 428621663590, 6914698846174\"\n\
         orders_added,9001,,7,,NEW1\n"
    );
    let barcodes = read(changes.join("changes_barcodes.csv"));
    let mut lines: Vec<&str> = barcodes.lines().collect();
    assert_eq!(lines.remove(0), "kind,barcode,old_order_id,new_order_id");
    // Byte order of the barcodes: digits before letters.
    assert_eq!(
        lines,
        [
            "barcodes_removed,3336268567753,4,",
            "barcodes_removed,3518089468243,4,",
            "barcodes_removed,7251530834768,4,",
            "barcodes_moved,7544050390121,168,1",
            "barcodes_sold,9404537440340,,1",
            "barcodes_added,NEW1,,9001",
            "barcodes_added,NEW2,,",
        ]
    );
    // The largest change first.
    assert_eq!(
        read(changes.join("changes_customers.csv")),
        "kind,customer_id,before,after,delta\n\
         customers_changed,52,12,9,-3\n\
         customers_changed,24,71,73,2\n\
         customers_changed,7,17,18,1\n\
         customers_changed,34,36,35,-1\n"
    );
}

#[test]
fn the_text_summary_names_every_count_and_an_export_compared_with_itself_has_none() {
    let out = tempfile::tempdir().unwrap();
    let dir = sample().to_str().unwrap();
    let run = tiqets(&["diff", dir, dir], out.path());
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "orders: 0 added, 0 removed, 0 changed\n\
         barcodes: 0 sold, 0 unsold, 0 moved to another order, 0 added, 0 removed\n\
         customers: 0 with a different number of tickets\n"
    );
}

#[test]
fn a_missing_folder_is_an_input_error() {
    let out = tempfile::tempdir().unwrap();
    let missing = out.path().join("nope");
    let run = tiqets(
        &[
            "diff",
            sample().to_str().unwrap(),
            missing.to_str().unwrap(),
        ],
        out.path(),
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("is not a folder"));
}
