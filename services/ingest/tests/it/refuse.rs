//! What ingest refuses: entries that are not regular files (never followed, opened or
//! waited on; moved to the rejected folder). Pairs over the size limit: `limits`.

use crate::support::{batch_of, eventually, files_in, mkfifo, Env, Logs, QUIET};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tiqets_contract::{BatchId, BatchStatus, StatusEvent};
use tiqets_ingest::claim::ClaimRecord;
use tiqets_ingest::metrics::{rejected_count, Rejection};

const ORDERS: &str = "order_id,customer_id\n1,10\n2,20\n";
pub(crate) const BARCODES: &str = "barcode,order_id\n111,1\n222,2\n333,\n";
/// The contents of a file outside the input folder that a link points to.
const OUTSIDE: &str = "order_id,customer_id\n666,66\n";
pub(crate) const WAIT: Duration = Duration::from_secs(15);

/// Waits until the rejected folder holds `n` refusals, each with what was refused beside
/// its `reason.txt`; returns them (folder, what it holds) sorted.
pub(crate) async fn refusals(env: &Env, n: usize) -> Vec<(PathBuf, Vec<PathBuf>)> {
    eventually("refused entries in the rejected folder", WAIT, || async {
        let r = env.rejected();
        let complete = r.len() >= n && r.iter().all(|(_, held)| held.len() > 1);
        complete.then_some(r)
    })
    .await
}

pub(crate) fn paths(held: &[PathBuf]) -> Vec<&str> {
    held.iter().map(|p| p.to_str().unwrap()).collect()
}

pub(crate) fn reason_in(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("reason.txt")).unwrap()
}

pub(crate) async fn received(env: &Env, id: &BatchId) -> StatusEvent {
    eventually("the batch to be received", WAIT, || async {
        env.last_status(id)
            .await
            .filter(|e| e.status == BatchStatus::Received)
    })
    .await
}

pub(crate) async fn waiting(env: &Env, name: &str) -> StatusEvent {
    eventually("a waiting status", WAIT, || async {
        env.last_status(&BatchId::waiting(name)).await
    })
    .await
}

/// A normal pair dropped now is published and archived: ingest did not hang.
pub(crate) async fn a_normal_pair_still_completes(env: &Env, name: &str) {
    let orders = format!("order_id,customer_id\n9,{}\n", name.len());
    env.write(&format!("{name}/orders.csv"), &orders);
    env.write(&format!("{name}/barcodes.csv"), BARCODES);
    let id = batch_of(&orders, BARCODES);
    assert_eq!(received(env, &id).await.name, name);
    eventually("the normal pair archived", WAIT, || async {
        (env.archived(&id).len() == 3).then_some(())
    })
    .await;
}

/// A file to create in a claim folder: its name there, and how to create it.
type ClaimedFile<'a> = (&'a str, &'a dyn Fn(&Path));

/// Leaves a claim folder as a replica that died an hour ago would have, holding `files` of
/// the batch folder `name`.
fn dead_claim(env: &Env, name: &str, files: &[ClaimedFile]) {
    let dir = env.input().join(".claimed-dead-0");
    std::fs::create_dir_all(&dir).unwrap();
    for (file, create) in files {
        create(&dir.join(file));
    }
    let record = ClaimRecord {
        name: name.into(),
        orders_from: Path::new(name).join("orders.csv"),
        barcodes_from: Path::new(name).join("barcodes.csv"),
        owner: "dead".into(),
        holder: None,
    };
    let path = dir.join("claim.json");
    std::fs::write(&path, serde_json::to_vec(&record).unwrap()).unwrap();
    std::fs::File::options()
        .append(true)
        .open(&path)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

#[tokio::test]
async fn a_symlink_named_orders_csv_is_refused_and_its_target_never_published() {
    let logs = Logs::capture();
    let before = rejected_count(Rejection::NotARegularFile);
    let env = Env::started().await;
    let target = env.input().parent().unwrap().join("outside/orders.csv");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(&target, OUTSIDE).unwrap();
    let link = env.input().join("orders.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    env.write("barcodes.csv", BARCODES);

    let refused = refusals(&env, 1).await;
    let (dir, held) = &refused[0];
    assert_eq!(paths(held), ["orders.csv", "reason.txt"]);
    let moved = dir.join("orders.csv");
    assert!(std::fs::symlink_metadata(&moved)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_link(&moved).unwrap(),
        target,
        "moved as it is"
    );
    let reason = reason_in(dir);
    assert!(
        reason.contains(&format!(
            "orders.csv is a symbolic link (to {})",
            target.display()
        )),
        "{reason}"
    );
    assert!(reason.contains(&link.display().to_string()), "{reason}");

    // Its partner waits for an orders.csv; nothing of the target was published.
    let event = waiting(&env, "input").await;
    assert!(event.reason.unwrap().contains("orders.csv"));
    tokio::time::sleep(QUIET * 2 + Duration::from_secs(1)).await;
    assert_eq!(std::fs::read_to_string(&target).unwrap(), OUTSIDE);
    assert_eq!(env.work_messages().await, 0);
    assert_eq!(env.object_messages().await, 0, "nothing stored");
    assert!(env
        .last_status(&batch_of(OUTSIDE, BARCODES))
        .await
        .is_none());
    let statuses = env.statuses().await;
    assert!(
        statuses.iter().all(|e| e.status == BatchStatus::Waiting),
        "{statuses:?}"
    );
    assert_eq!(
        files_in(env.input()),
        [env.input().join("barcodes.csv")],
        "only the partner is left"
    );

    // Logged once, as a warning naming the path and what it is.
    let lines = logs.lines_with(&["WARN", &link.display().to_string(), "symbolic link"]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(rejected_count(Rejection::NotARegularFile) > before);
    env.stop().await;
}

#[tokio::test]
async fn a_link_slipped_into_a_claim_is_not_followed() {
    let mut env = Env::new().await;
    let target = env.input().parent().unwrap().join("outside/orders.csv");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(&target, OUTSIDE).unwrap();
    // The claimed orders.csv was replaced by a link after it was taken.
    let link_to_target = |p: &Path| std::os::unix::fs::symlink(&target, p).unwrap();
    let regular_barcodes = |p: &Path| std::fs::write(p, BARCODES).unwrap();
    dead_claim(
        &env,
        "race",
        &[
            ("orders.csv", &link_to_target),
            ("barcodes.csv", &regular_barcodes),
        ],
    );
    env.start();

    let refused = refusals(&env, 1).await;
    let (dir, held) = &refused[0];
    assert_eq!(paths(held), ["race", "race/orders.csv", "reason.txt"]);
    assert_eq!(
        std::fs::read_link(dir.join("race/orders.csv")).unwrap(),
        target
    );
    // Its partner went back to where it came from, and waits.
    waiting(&env, "race").await;
    assert_eq!(
        std::fs::read_to_string(env.input().join("race/barcodes.csv")).unwrap(),
        BARCODES
    );
    assert!(!env.input().join(".claimed-dead-0").exists());
    assert_eq!(env.work_messages().await, 0);
    assert_eq!(env.object_messages().await, 0);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), OUTSIDE);
    env.stop().await;
}

#[tokio::test]
async fn a_fifo_named_barcodes_csv_is_refused_and_ingest_stays_responsive() {
    let logs = Logs::capture();
    let env = Env::started().await;
    env.write("orders.csv", ORDERS);
    let fifo = env.input().join("barcodes.csv");
    mkfifo(&fifo);

    let refused = refusals(&env, 1).await;
    let (dir, held) = &refused[0];
    assert_eq!(paths(held), ["barcodes.csv", "reason.txt"]);
    let moved = std::fs::symlink_metadata(dir.join("barcodes.csv")).unwrap();
    assert!(moved.file_type().is_fifo(), "moved as it is");
    assert!(reason_in(dir).contains("barcodes.csv is a FIFO (named pipe)"));
    a_normal_pair_still_completes(&env, "after").await;
    // orders.csv waits for a real barcodes.csv.
    assert!(waiting(&env, "input")
        .await
        .reason
        .unwrap()
        .contains("barcodes.csv"));
    assert!(env.input().join("orders.csv").is_file());
    let lines = logs.lines_with(&["WARN", &fifo.display().to_string(), "FIFO"]);
    assert_eq!(
        lines.len(),
        1,
        "{lines:?} in {:?}",
        logs.lines_with(&["WARN"])
    );
    env.stop().await;
}

#[tokio::test]
async fn a_fifo_slipped_into_a_claim_is_not_waited_on() {
    let mut env = Env::new().await;
    let regular_orders = |p: &Path| std::fs::write(p, ORDERS).unwrap();
    let fifo = |p: &Path| mkfifo(p);
    dead_claim(
        &env,
        "race",
        &[("orders.csv", &regular_orders), ("barcodes.csv", &fifo)],
    );
    env.start();
    let refused = refusals(&env, 1).await;
    let (dir, held) = &refused[0];
    assert_eq!(paths(held), ["race", "race/barcodes.csv", "reason.txt"]);
    assert!(std::fs::symlink_metadata(dir.join("race/barcodes.csv"))
        .unwrap()
        .file_type()
        .is_fifo());
    waiting(&env, "race").await;
    assert!(env.input().join("race/orders.csv").is_file());
    a_normal_pair_still_completes(&env, "after").await;
    env.stop().await;
}

#[tokio::test]
async fn a_refused_entry_that_cannot_be_moved_stays_ignored_and_is_logged_once() {
    let logs = Logs::capture();
    let mut env = Env::new().await;
    // The rejected folder cannot be created: a file is in the way.
    let blocker = env.input().parent().unwrap().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    env.settings.rejected_dir = blocker.join("rejected");
    env.start();
    env.write("orders.csv", ORDERS);
    let fifo = env.input().join("barcodes.csv");
    mkfifo(&fifo);
    waiting(&env, "input").await;
    // Several rescans (every second) pass over it.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    a_normal_pair_still_completes(&env, "after").await;
    let lines = logs.lines_with(&["WARN", &fifo.display().to_string(), "FIFO"]);
    assert_eq!(
        lines.len(),
        1,
        "logged once, not at every rescan: {lines:?}"
    );
    assert!(lines[0].contains("stays"), "{}", lines[0]);
    env.stop().await;
}

#[tokio::test]
async fn a_directory_named_orders_csv_is_refused_with_its_contents() {
    let env = Env::started().await;
    env.write("barcodes.csv", BARCODES);
    env.write("monday/barcodes.csv", BARCODES);
    // Made elsewhere, renamed in whole.
    let staging = env.input().parent().unwrap().join("staging");
    for (dir, to) in [("top", "orders.csv"), ("inner", "monday/orders.csv")] {
        let made = staging.join(dir);
        std::fs::create_dir_all(&made).unwrap();
        std::fs::write(made.join("notes.txt"), "kept").unwrap();
        std::fs::rename(&made, env.input().join(to)).unwrap();
    }
    let refused = refusals(&env, 2).await;
    let mut held: Vec<Vec<&str>> = refused.iter().map(|(_, h)| paths(h)).collect();
    held.sort();
    assert_eq!(
        held,
        [
            vec![
                "monday",
                "monday/orders.csv",
                "monday/orders.csv/notes.txt",
                "reason.txt"
            ],
            vec!["orders.csv", "orders.csv/notes.txt", "reason.txt"],
        ]
    );
    for (dir, _) in &refused {
        assert!(reason_in(dir).contains("orders.csv is a directory"));
    }
    waiting(&env, "monday").await;
    waiting(&env, "input").await;
    assert_eq!(env.work_messages().await, 0);
    env.stop().await;
}
