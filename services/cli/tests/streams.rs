//! `-` for stdin and stdout: `--orders -` / `--barcodes -` read stdin (one of them at most),
//! `--output -` writes the rows to stdout and moves the summary to stderr.

mod common;

use common::{golden, read, text, tiqets, tiqets_with_stdin};

/// `tiqets process --orders - --barcodes <barcodes> <extra>` in `cwd`, `orders` on stdin.
fn orders_on_stdin(
    barcodes: &std::path::Path,
    extra: &[&str],
    cwd: &std::path::Path,
    orders: &[u8],
) -> std::process::Output {
    let barcodes = barcodes.to_str().unwrap();
    let mut args = vec!["process", "--orders", "-", "--barcodes", barcodes];
    args.extend_from_slice(extra);
    tiqets_with_stdin(&args, cwd, orders)
}

#[test]
fn either_input_can_come_from_stdin() {
    let basic = golden("basic");
    for (flag, file, other_flag, other) in [
        ("--orders", "orders.csv", "--barcodes", "barcodes.csv"),
        ("--barcodes", "barcodes.csv", "--orders", "orders.csv"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let stdin = std::fs::read(basic.join(file)).unwrap();
        let other = basic.join(other);
        let run = tiqets_with_stdin(
            &["process", flag, "-", other_flag, other.to_str().unwrap()],
            out.path(),
            &stdin,
        );
        assert_eq!(run.status.code(), Some(0), "{flag}: {}", text(&run.stderr));
        assert_eq!(text(&run.stdout), read(basic.join("expected/stdout.txt")));
        let written = out.path().join("data/output");
        for f in ["processed_orders.csv", "issues.csv"] {
            assert_eq!(
                read(written.join(f)),
                read(basic.join("expected").join(f)),
                "{flag}: {f}"
            );
        }
    }
}

#[test]
fn a_fatal_problem_on_stdin_names_stdin() {
    let out = tempfile::tempdir().unwrap();
    let barcodes = golden("basic").join("barcodes.csv");
    let run = orders_on_stdin(&barcodes, &[], out.path(), b"order_id,client\n1,2\n");
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("<stdin>: missing required column `customer_id`"),
        "{stderr}"
    );
    assert!(!out.path().join("data/output").exists());
}

#[test]
fn both_inputs_on_stdin_is_a_usage_error() {
    let out = tempfile::tempdir().unwrap();
    let run = tiqets(&["process", "--orders", "-", "--barcodes", "-"], out.path());
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("--orders - and --barcodes - cannot both read stdin"),
        "{stderr}"
    );
    assert!(stderr.contains("Usage: tiqets process"), "{stderr}");
    assert!(run.stdout.is_empty());
    assert!(!out.path().join("data/output").exists());
}

#[test]
fn output_dash_writes_the_rows_to_stdout_and_the_summary_to_stderr() {
    let basic = golden("basic");
    let out = tempfile::tempdir().unwrap();
    let issues = out.path().join("issues.csv");
    let args = [
        "process",
        basic.to_str().unwrap(),
        "--output",
        "-",
        "--issues",
        issues.to_str().unwrap(),
    ];
    let run = tiqets(&args, out.path());
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(
        text(&run.stdout),
        read(basic.join("expected/processed_orders.csv"))
    );
    let stderr = text(&run.stderr);
    assert!(
        stderr.ends_with(&read(basic.join("expected/stdout.txt"))),
        "{stderr}"
    );
    assert!(stderr.contains("4 issues: "), "{stderr}");
    assert_eq!(read(&issues), read(basic.join("expected/issues.csv")));
    assert!(!out.path().join("-").exists(), "no file named -");

    // --json: the object is the last line of stderr.
    let run = tiqets(&[&args[..], &["--json"]].concat(), out.path());
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(
        text(&run.stdout),
        read(basic.join("expected/processed_orders.csv"))
    );
    let stderr = text(&run.stderr);
    let last = stderr.lines().last().unwrap();
    let v: serde_json::Value = serde_json::from_str(last).expect("a JSON summary");
    assert_eq!(v["orders_written"], 3);
    assert_eq!(v["output"], "-");
}

#[test]
fn stdin_in_stdout_out_with_quiet_is_a_filter() {
    let basic = golden("basic");
    let out = tempfile::tempdir().unwrap();
    let barcodes = basic.join("barcodes.csv");
    let run = orders_on_stdin(
        &barcodes,
        &["--output", "-", "--quiet"],
        out.path(),
        &std::fs::read(basic.join("orders.csv")).unwrap(),
    );
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(
        text(&run.stdout),
        read(basic.join("expected/processed_orders.csv"))
    );
    assert!(run.stderr.is_empty(), "{}", text(&run.stderr));
}
