//! Runs the `tiqets` binary: golden files, stdout and --json formats, exit codes, and no
//! output at all on fatal errors.

mod common;

use common::{golden, read, tiqets};

#[test]
fn golden_cases_give_exactly_the_expected_files_and_stdout() {
    for case in ["basic", "edge", "header_only"] {
        let dir = golden(case);
        let out = tempfile::tempdir().unwrap();
        let output = out.path().join("processed_orders.csv");
        let issues = out.path().join("issues.csv");
        let run = tiqets(
            &[
                "process",
                dir.to_str().unwrap(),
                "--output",
                output.to_str().unwrap(),
                "--issues",
                issues.to_str().unwrap(),
            ],
            out.path(),
        );
        assert_eq!(
            run.status.code(),
            Some(0),
            "{case}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let expected = dir.join("expected");
        assert_eq!(
            read(&output),
            read(expected.join("processed_orders.csv")),
            "{case}"
        );
        assert_eq!(read(&issues), read(expected.join("issues.csv")), "{case}");
        assert_eq!(
            String::from_utf8(run.stdout).unwrap(),
            read(expected.join("stdout.txt")),
            "{case}"
        );
    }
}

#[test]
fn defaults_read_data_input_and_write_data_output() {
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("data/input");
    std::fs::create_dir_all(&input).unwrap();
    for f in ["orders.csv", "barcodes.csv"] {
        std::fs::copy(golden("basic").join(f), input.join(f)).unwrap();
    }
    let run = tiqets(&["process"], root.path());
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(String::from_utf8(run.stdout).unwrap(), "10, 4\n11, 1\n2\n");
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.contains("barcodes.csv:7: duplicate_barcode: duplicate barcode \"11111111111\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("4 issues: 1 duplicate_barcode, 1 unknown_order, 2 order_without_barcodes"),
        "{stderr}"
    );
    assert_eq!(
        read(root.path().join("data/output/processed_orders.csv")),
        read(golden("basic").join("expected/processed_orders.csv"))
    );
    assert!(root.path().join("data/output/issues.csv").exists());
}

#[test]
fn json_output_has_the_documented_schema() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o.csv");
    let i = out.path().join("i.csv");
    let dir = golden("basic");
    let run = tiqets(
        &[
            "process",
            dir.to_str().unwrap(),
            "--output",
            o.to_str().unwrap(),
            "--issues",
            i.to_str().unwrap(),
            "--json",
            "--top",
            "1",
        ],
        out.path(),
    );
    assert_eq!(run.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).expect("one JSON object");
    assert_eq!(v["orders_written"], 3);
    assert_eq!(v["tickets"], 5);
    assert_eq!(
        v["top_customers"],
        serde_json::json!([{"customer_id": 10, "tickets": 4}])
    );
    assert_eq!(v["unused_barcodes"], 2);
    assert_eq!(v["issues"]["duplicate_barcode"], 1);
    assert_eq!(v["issues"]["order_without_barcodes"], 2);
    assert_eq!(v["issues"]["malformed_row"], 0);
    assert_eq!(v["issues"].as_object().unwrap().len(), 10);
    assert_eq!(v["issues_not_itemised"], serde_json::json!([]));
    assert_eq!(v["output"], o.to_str().unwrap());
    assert_eq!(v["issues_file"], i.to_str().unwrap());
}

#[test]
fn a_flood_of_issues_is_itemised_up_to_the_limit_and_counted_exactly() {
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("orders.csv"), "order_id,customer_id\n1,10\n").unwrap();
    let mut barcodes = String::from("barcode,order_id\nA1,1\n");
    barcodes += &"x!\n".repeat(5000);
    std::fs::write(input.join("barcodes.csv"), barcodes).unwrap();
    let issues = root.path().join("issues.csv");
    let output = root.path().join("o.csv");
    let process = |limit: &str| {
        let args = [
            "process",
            input.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
            "--issues",
            issues.to_str().unwrap(),
            "--issue-limit",
            limit,
            "--json",
        ];
        tiqets(&args, root.path())
    };
    let run = process("3");
    assert_eq!(run.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).expect("one JSON object");
    assert_eq!(v["issues"]["malformed_row"], 5000);
    assert_eq!(
        v["issues_not_itemised"],
        serde_json::json!([{"file": "barcodes", "code": "malformed_row", "count": 4997, "limit": 3}])
    );
    assert_eq!(
        read(&issues),
        "file,line,code,message\n\
         barcodes,3,malformed_row,\"expected 2 fields, found 1\"\n\
         barcodes,4,malformed_row,\"expected 2 fields, found 1\"\n\
         barcodes,5,malformed_row,\"expected 2 fields, found 1\"\n\
         barcodes,,malformed_row,4997 more malformed_row issues in barcodes.csv are counted \
         but not itemised (limit 3 per code per file)\n"
    );
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.contains("\n4997 more malformed_row issues in barcodes.csv are counted")
            && stderr.ends_with("5000 issues: 5000 malformed_row\n"),
        "{stderr}"
    );

    // 0 itemises every issue.
    let run = process("0");
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(read(&issues).lines().count(), 5001);
}

#[test]
fn a_fatal_file_error_exits_2_and_leaves_existing_output_untouched() {
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("orders.csv"), "order_id,client\n1,2\n").unwrap();
    std::fs::write(input.join("barcodes.csv"), "barcode,order_id\n1,1\n").unwrap();
    let out_dir = root.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let o = out_dir.join("processed_orders.csv");
    std::fs::write(&o, "previous run\n").unwrap();
    let i = out_dir.join("issues.csv");
    let run = tiqets(
        &[
            "process",
            "in",
            "--output",
            o.to_str().unwrap(),
            "--issues",
            i.to_str().unwrap(),
        ],
        root.path(),
    );
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.contains("in/orders.csv: missing required column `customer_id`"),
        "{stderr}"
    );
    assert!(run.stdout.is_empty());
    assert_eq!(read(&o), "previous run\n");
    assert!(!i.exists());
    let leftovers: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
}

#[test]
fn a_missing_file_or_a_bad_flag_exits_2() {
    let root = tempfile::tempdir().unwrap();
    let run = tiqets(&["process", "nowhere"], root.path());
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8(run.stderr)
        .unwrap()
        .contains("cannot open nowhere/orders.csv"));
    assert!(!root.path().join("data/output").exists());
    let run = tiqets(&["process", "--no-such-flag"], root.path());
    assert_eq!(run.status.code(), Some(2));
    let run = tiqets(&["process", "--top", "many"], root.path());
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn generate_is_deterministic_and_its_output_processes() {
    let root = tempfile::tempdir().unwrap();
    for dir in ["a", "b"] {
        let run = tiqets(
            &[
                "generate",
                "--orders",
                "500",
                "--seed",
                "3",
                "--malformed",
                "--out",
                dir,
            ],
            root.path(),
        );
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    for f in ["orders.csv", "barcodes.csv"] {
        assert_eq!(
            std::fs::read(root.path().join("a").join(f)).unwrap(),
            std::fs::read(root.path().join("b").join(f)).unwrap()
        );
    }
    let run = tiqets(&["process", "a", "--json"], root.path());
    assert_eq!(run.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert!(v["orders_written"].as_u64().unwrap() > 400);
}
