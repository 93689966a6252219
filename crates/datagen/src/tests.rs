use std::collections::{HashMap, HashSet};

use super::*;
use crate::codec::{BarcodeCodec, BARCODE_DOMAIN};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn gen(orders: u64, seed: u64, malformed: bool) -> (tempfile::TempDir, GenSummary) {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(
        &GenOptions {
            orders,
            seed,
            malformed,
        },
        dir.path(),
    )
    .unwrap();
    (dir, summary)
}

fn read(dir: &tempfile::TempDir, name: &str) -> Vec<u8> {
    fs::read(dir.path().join(name)).unwrap()
}

/// Data lines of a clean file (no quoting, no blank lines), split on the comma.
fn clean_rows(bytes: &[u8], header: &str) -> Vec<(String, String)> {
    let text = std::str::from_utf8(bytes).expect("clean files are UTF-8");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header));
    lines
        .map(|l| {
            let (a, b) = l.split_once(',').expect("two fields");
            assert!(!b.contains(','), "more than two fields: {l}");
            (a.to_string(), b.to_string())
        })
        .collect()
}

#[test]
fn same_seed_gives_identical_bytes() {
    for malformed in [false, true] {
        let (a, sa) = gen(3_000, 7, malformed);
        let (b, sb) = gen(3_000, 7, malformed);
        assert_eq!(read(&a, ORDERS_FILE), read(&b, ORDERS_FILE));
        assert_eq!(read(&a, BARCODES_FILE), read(&b, BARCODES_FILE));
        assert_eq!(sa, sb);
    }
}

#[test]
fn another_seed_gives_other_bytes() {
    let (a, _) = gen(1_000, 1, false);
    let (b, _) = gen(1_000, 2, false);
    assert_ne!(read(&a, ORDERS_FILE), read(&b, ORDERS_FILE));
    assert_ne!(read(&a, BARCODES_FILE), read(&b, BARCODES_FILE));
}

#[test]
fn leaves_no_temporary_files() {
    let (dir, _) = gen(100, 3, true);
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [BARCODES_FILE, ORDERS_FILE]);
}

#[test]
fn proportions_of_a_20k_order_batch() {
    let n = 20_000u64;
    let (dir, s) = gen(n, 42, false);
    let orders = clean_rows(&read(&dir, ORDERS_FILE), ORDERS_HEADER);
    let barcodes = clean_rows(&read(&dir, BARCODES_FILE), BARCODES_HEADER);
    assert_eq!(orders.len() as u64, s.order_rows);
    assert_eq!(barcodes.len() as u64, s.barcode_rows);
    assert_eq!(s.orders_bytes, read(&dir, ORDERS_FILE).len() as u64);

    // Orders: ids 1..=n, a few duplicate rows, customers ≈ n/4 with a skewed distribution.
    let mut customer_of: HashMap<u64, u64> = HashMap::new();
    let mut duplicate_orders = 0;
    for (o, c) in &orders {
        let o: u64 = o.parse().unwrap();
        let c: u64 = c.parse().unwrap();
        assert!((1..=n).contains(&o));
        if customer_of.insert(o, c).is_some() {
            duplicate_orders += 1;
        }
    }
    assert_eq!(customer_of.len() as u64, n);
    assert_eq!(duplicate_orders, s.duplicate_order_rows);
    assert!((3..=20).contains(&duplicate_orders), "{duplicate_orders}");
    assert_eq!(s.order_rows, n + s.duplicate_order_rows);

    let mut per_customer: HashMap<u64, u64> = HashMap::new();
    for (o, c) in &orders[..] {
        if o.parse::<u64>().unwrap() <= n {
            *per_customer.entry(c.parse().unwrap()).or_default() += 1;
        }
    }
    let customers = s.customers as f64;
    assert!(
        (n as f64 / 5.0..n as f64 / 3.0).contains(&customers),
        "{customers}"
    );
    let singles = per_customer.values().filter(|&&k| k == 1).count() as f64;
    let max = *per_customer.values().max().unwrap();
    assert!(
        singles / customers > 0.45,
        "single-order customers {singles}"
    );
    assert!(max >= 100, "largest customer has only {max} order rows");

    // Barcodes: 11-13 digits, unique but for the injected duplicates, some leading zeros.
    let mut seen = HashSet::new();
    let mut duplicate_rows = 0u64;
    let mut leading_zero = 0u64;
    let mut unsold = 0u64;
    let mut unknown = 0u64;
    let mut orders_with_barcodes = HashSet::new();
    for (b, o) in &barcodes {
        assert!((11..=13).contains(&b.len()), "{b}");
        assert!(b.bytes().all(|c| c.is_ascii_digit()), "{b}");
        leading_zero += b.starts_with('0') as u64;
        if !seen.insert(b.clone()) {
            duplicate_rows += 1;
            continue;
        }
        if o.is_empty() {
            unsold += 1;
        } else {
            let o: u64 = o.parse().unwrap();
            if o > n {
                unknown += 1;
            } else {
                orders_with_barcodes.insert(o);
            }
        }
    }
    assert_eq!(duplicate_rows, s.duplicate_barcode_rows);
    let total = barcodes.len() as f64;
    assert!(
        (3.6..4.2).contains(&(total / n as f64)),
        "{} barcode rows per order",
        total / n as f64
    );
    assert!((0.0007..0.0013).contains(&(duplicate_rows as f64 / total)));
    let unsold_share = s.unsold_barcodes as f64 / s.sold_barcodes as f64;
    assert!((0.14..0.16).contains(&unsold_share), "{unsold_share}");
    // A duplicate row that comes first may change which row a barcode keeps.
    assert!(unsold.abs_diff(s.unsold_barcodes) <= duplicate_rows);
    assert!(unknown.abs_diff(s.unknown_order_barcodes) <= duplicate_rows);
    assert!((3..=20).contains(&s.unknown_order_barcodes));
    let leading = leading_zero as f64 / total;
    assert!((0.02..0.07).contains(&leading), "{leading}");
    let mean = s.sold_barcodes as f64 / (n - s.orders_without_barcodes) as f64;
    assert!((3.2..3.6).contains(&mean), "{mean} barcodes per order");
    let without = s.orders_without_barcodes as f64 / n as f64;
    assert!((0.003..0.008).contains(&without), "{without}");
    let missing = n - orders_with_barcodes.len() as u64;
    assert!(missing.abs_diff(s.orders_without_barcodes) <= duplicate_rows);

    // Shuffled: barcodes of one order are not all next to each other.
    let adjacent_same_order = barcodes
        .windows(2)
        .filter(|w| !w[0].1.is_empty() && w[0].1 == w[1].1)
        .count();
    assert!(adjacent_same_order < barcodes.len() / 100);

    // About 90 bytes per order: ≈ 90 MB per million orders.
    let bytes_per_order = (s.orders_bytes + s.barcodes_bytes) as f64 / n as f64;
    assert!(
        (80.0..110.0).contains(&bytes_per_order),
        "{bytes_per_order}"
    );
}

#[test]
fn malformed_rows_are_injected_in_both_files() {
    let (dir, s) = gen(2_000, 5, true);
    let orders = read(&dir, ORDERS_FILE);
    // Every orders record starts with the extra `channel` column; look past it.
    assert!(orders.starts_with(b"channel,order_id,customer_id\nweb,"));
    let mut stripped = Vec::with_capacity(orders.len());
    let mut i = 0;
    while i < orders.len() {
        stripped.push(orders[i]);
        i += if orders[i..].starts_with(b"\nweb,") {
            5
        } else {
            1
        };
    }
    let orders = stripped;
    let barcodes = read(&dir, BARCODES_FILE);
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    for needle in [
        &b"\n-5,"[..],
        b"\n1.5,",
        b"\n1e3,",
        b"\nabc,",
        b"\n9223372036854775808,",
        b",-5\n",
        b",abc\n",
        b"\n,",
        b"\xff\xfe,",
        b"\n\n",
        b"\n   \n",
        b".0,",
        b"\n \t",
        b"\"\n",
    ] {
        assert!(
            contains(&orders, needle),
            "orders.csv lacks {:?}",
            String::from_utf8_lossy(needle)
        );
    }
    for needle in [
        &b"\n=SUM(A1),"[..],
        b"\nabc-123,",
        &[b"\n", "7".repeat(65).as_bytes(), b","].concat(),
        b",-5\n",
        b",1e3\n",
        b",9223372036854775808\n",
        b"\xc3\x28,",
        b"\n\n",
        b"\n \t \n",
        b".0\n",
        b"\n  ",
        b"\",\"",
    ] {
        assert!(
            contains(&barcodes, needle),
            "barcodes.csv lacks {:?}",
            String::from_utf8_lossy(needle)
        );
    }
    assert!(std::str::from_utf8(&orders).is_err());
    assert!(std::str::from_utf8(&barcodes).is_err());
    // A tiny fraction, and counted.
    assert!(s.malformed_order_rows > 20 && s.malformed_order_rows < 100);
    assert!(s.malformed_barcode_rows > 15 && s.malformed_barcode_rows < 100);
    assert_eq!(s.blank_lines, 4);
    assert!(s.unusual_valid_rows >= 4);
    // Every record is counted: physical lines minus header, blank lines and the lines that
    // continue a quoted field.
    let lines = orders.iter().filter(|&&b| b == b'\n').count() as u64;
    assert_eq!(lines - 1 - 2 - 1, s.order_rows);
    let lines = barcodes.iter().filter(|&&b| b == b'\n').count() as u64;
    assert_eq!(lines - 1 - 2 - 1, s.barcode_rows);
}

#[test]
fn malformed_is_a_tiny_fraction_of_a_large_batch() {
    let (_dir, s) = gen(1_000_000 / 20, 9, true);
    let bad = s.malformed_order_rows + s.malformed_barcode_rows;
    assert!(
        (bad as f64) < 0.001 * (s.order_rows + s.barcode_rows) as f64,
        "{bad}"
    );
}

#[test]
fn barcode_rendering_is_injective() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let codec = BarcodeCodec::new(&mut rng);
    let mut seen = HashSet::new();
    let mut lengths = [0u32; 14];
    for i in 0..200_000 {
        let s = codec.string(i);
        lengths[s.len()] += 1;
        assert!(seen.insert(s));
    }
    assert!(lengths[11] > 20_000 && lengths[12] > 40_000 && lengths[13] > 100_000);
    // The permutation stays within its domain, also at its edge.
    for i in [BARCODE_DOMAIN - 1, BARCODE_DOMAIN - 2, 0] {
        assert!(codec.permute(i) < BARCODE_DOMAIN);
    }
}

#[test]
fn tiny_and_empty_batches() {
    for orders in [0, 1, 2, 7] {
        for malformed in [false, true] {
            let (dir, s) = gen(orders, 11, malformed);
            assert_eq!(s.orders, orders);
            let text = read(&dir, ORDERS_FILE);
            let header: &[u8] = if malformed {
                b"channel,order_id,customer_id\n"
            } else {
                b"order_id,customer_id\n"
            };
            assert!(text.starts_with(header));
            let text = read(&dir, BARCODES_FILE);
            assert!(text.starts_with(b"barcode,order_id\n"));
        }
    }
}

#[test]
fn too_many_orders_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = generate(
        &GenOptions {
            orders: MAX_ORDERS + 1,
            ..GenOptions::default()
        },
        dir.path(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}
