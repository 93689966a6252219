//! The exit codes of `tiqets --help`, `--quiet` and `--fail-on-issues`, and `tiqets
//! generate`'s report.

mod common;

use common::{golden, read, text, tiqets};
use std::path::Path;

fn process(dir: &Path, cwd: &Path, extra: &[&str]) -> std::process::Output {
    tiqets(&[&["process", dir.to_str().unwrap()], extra].concat(), cwd)
}

/// A pair without a single issue.
fn clean_pair(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("orders.csv"), "order_id,customer_id\n1,10\n").unwrap();
    std::fs::write(
        dir.join("barcodes.csv"),
        "barcode,order_id\n11111111111,1\n",
    )
    .unwrap();
}

#[test]
fn help_documents_every_exit_code() {
    let root = tempfile::tempdir().unwrap();
    for args in [&["--help"][..], &["process", "--help"]] {
        let run = tiqets(args, root.path());
        assert_eq!(run.status.code(), Some(0));
        let help = text(&run.stdout);
        for line in [
            "Exit codes:",
            "  0  it ran",
            "  1  issues were found and --fail-on-issues was given",
            "  2  a usage error, or an input that cannot be processed",
            "  3  an output could not be written",
        ] {
            assert!(help.contains(line), "{args:?}: no {line:?} in\n{help}");
        }
    }
}

#[test]
fn fail_on_issues_exits_1_and_still_writes_the_outputs() {
    let root = tempfile::tempdir().unwrap();
    let basic = golden("basic");
    let run = process(&basic, root.path(), &["--fail-on-issues"]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(text(&run.stdout), read(basic.join("expected/stdout.txt")));
    for f in ["processed_orders.csv", "issues.csv"] {
        assert_eq!(
            read(root.path().join("data/output").join(f)),
            read(basic.join("expected").join(f))
        );
    }
    // Issues without the flag: 0; the flag without issues: 0.
    assert_eq!(process(&basic, root.path(), &[]).status.code(), Some(0));
    clean_pair(&root.path().join("clean"));
    let run = process(
        &root.path().join("clean"),
        root.path(),
        &["--fail-on-issues"],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
}

#[test]
fn quiet_prints_nothing_but_errors() {
    let root = tempfile::tempdir().unwrap();
    let basic = golden("basic");
    let run = process(&basic, root.path(), &["--quiet", "--fail-on-issues"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(run.stdout.is_empty(), "{}", text(&run.stdout));
    assert!(run.stderr.is_empty(), "{}", text(&run.stderr));
    assert_eq!(
        read(root.path().join("data/output/issues.csv")),
        read(basic.join("expected/issues.csv"))
    );
    let run = process(&root.path().join("nowhere"), root.path(), &["-q"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("cannot open"));
    // Quiet and a JSON summary contradict each other.
    let run = process(&basic, root.path(), &["--quiet", "--json"]);
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn an_output_that_cannot_be_written_exits_3() {
    let root = tempfile::tempdir().unwrap();
    let basic = golden("basic");
    // A regular file where the output folder should be (as root, permissions would not
    // stop the write).
    let blocker = root.path().join("blocker");
    std::fs::write(&blocker, "a file\n").unwrap();
    for flag in ["--output", "--issues"] {
        let target = blocker.join("out.csv");
        let run = process(&basic, root.path(), &[flag, target.to_str().unwrap()]);
        assert_eq!(run.status.code(), Some(3), "{flag}");
        assert!(text(&run.stderr).contains("cannot create"), "{flag}");
        assert!(run.stdout.is_empty(), "{flag}: no summary");
    }
    // An output that is a folder: the rename fails.
    let folder = root.path().join("folder");
    std::fs::create_dir_all(folder.join("inside")).unwrap();
    let run = process(&basic, root.path(), &["--output", folder.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(3));
    let leftovers = std::fs::read_dir(root.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .count();
    assert_eq!(leftovers, 0, "no temporary file left behind");
}

#[test]
fn generate_prints_one_line_or_json() {
    let root = tempfile::tempdir().unwrap();
    let run = tiqets(&["generate", "--orders", "200", "--out", "g"], root.path());
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let line = text(&run.stdout);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.starts_with("wrote 200 orders of "), "{line}");
    assert!(!line.contains('{'), "no Debug struct: {line}");

    let run = tiqets(
        &["generate", "--orders", "200", "--out", "g", "--json"],
        root.path(),
    );
    assert_eq!(run.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).expect("one JSON object");
    assert_eq!(v["orders"], 200);
    let size = |f: &str| {
        std::fs::metadata(root.path().join("g").join(f))
            .unwrap()
            .len()
    };
    assert_eq!(v["orders_bytes"], size("orders.csv"));
    assert_eq!(v["barcodes_bytes"], size("barcodes.csv"));
}

#[test]
fn generate_exits_2_on_a_bad_count_and_3_on_an_unwritable_folder() {
    let root = tempfile::tempdir().unwrap();
    let run = tiqets(&["generate", "--orders", "999999999999"], root.path());
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("orders can be generated"));
    std::fs::write(root.path().join("blocker"), "a file\n").unwrap();
    let run = tiqets(&["generate", "--out", "blocker/g"], root.path());
    assert_eq!(run.status.code(), Some(3));
    assert!(text(&run.stderr).contains("cannot write into blocker/g"));
}
