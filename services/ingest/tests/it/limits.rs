//! What ingest waits for and what it does not read: a file still being written is taken
//! only once it stops growing, and a pair with a file over the size limit fails unread (a
//! `failed` batch, files kept in the rejected folder).

use crate::refuse::{
    a_normal_pair_still_completes, paths, reason_in, received, refusals, waiting, BARCODES, WAIT,
};
use crate::support::{batch_of, eventually, files_in, Env, Growing, Logs, QUIET};
use std::time::Instant;
use tiqets_contract::{BatchId, BatchStatus, Source};
use tiqets_ingest::metrics::{rejected_count, Rejection};

#[tokio::test]
async fn a_file_growing_for_longer_than_the_quiet_period_is_taken_once_it_stops() {
    let env = Env::started().await;
    let mut growing = Growing::start(&env, "grow", BARCODES);
    // A row every third of the quiet period, for six quiet periods.
    let started = Instant::now();
    while started.elapsed() < QUIET * 6 {
        tokio::time::sleep(QUIET / 3).await;
        growing.add_row();
        // Not taken: still where it is being written, no claim of it anywhere.
        assert_eq!(
            std::fs::metadata(&growing.path).unwrap().len(),
            growing.full.len() as u64,
            "taken while growing"
        );
        let claims = std::fs::read_dir(env.input())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".claimed-"))
            .count();
        assert_eq!(claims, 0, "claimed while growing");
        assert_eq!(env.work_messages().await, 0);
    }
    let full = growing.finish();
    // Taken once it stops: all of it.
    let status = received(&env, &batch_of(&full, BARCODES)).await;
    let inputs = status.inputs.unwrap();
    assert_eq!(inputs.orders.size, full.len() as u64);
    assert_eq!(env.object_text(&inputs.orders.key).await, full);
    env.stop().await;
}

#[tokio::test]
async fn a_pair_with_a_file_over_the_limit_fails_unread_and_is_kept() {
    let logs = Logs::capture();
    let before = rejected_count(Rejection::TooLarge);
    let mut env = Env::new().await;
    env.settings.max_file_bytes = 100;
    env.start();
    let mut big = String::from("order_id,customer_id\n");
    for i in 0..20 {
        big.push_str(&format!("{i},{i}0\n"));
    }
    assert!(big.len() > 100 && BARCODES.len() <= 100);
    env.write("big/orders.csv", &big);
    waiting(&env, "big").await;
    env.write("big/barcodes.csv", BARCODES);

    let failed = eventually("a failed status", WAIT, || async {
        env.statuses()
            .await
            .into_iter()
            .find(|e| e.status == BatchStatus::Failed)
    })
    .await;
    let id = failed.batch_id.clone();
    assert!(id.as_str().starts_with("r-big-"), "{id}");
    assert_eq!(failed.name, "big");
    assert_eq!(failed.attempt, 1);
    let reason = format!(
        "big/orders.csv is {} bytes, larger than the 100 bytes an input file may have \
         (TIQETS_INGEST_MAX_FILE_BYTES); the pair was not read",
        big.len()
    );
    assert_eq!(failed.reason.as_deref(), Some(reason.as_str()));
    assert_eq!(failed.supersedes, Some(BatchId::waiting("big")));
    assert!(
        matches!(failed.source, Some(Source::Folder { ref orders, .. }) if orders.ends_with("big/orders.csv"))
    );
    assert_eq!(
        env.last_status(&id).await.unwrap().status,
        BatchStatus::Failed
    );

    // Kept, with the reason, in the rejected folder; nothing stored or queued.
    let refused = refusals(&env, 1).await;
    let (dir, held) = &refused[0];
    assert_eq!(
        paths(held),
        ["big", "big/barcodes.csv", "big/orders.csv", "reason.txt"]
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("big/orders.csv")).unwrap(),
        big
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("big/barcodes.csv")).unwrap(),
        BARCODES
    );
    let note = reason_in(dir);
    assert!(
        note.contains(&reason) && note.contains(id.as_str()),
        "{note}"
    );
    assert_eq!(env.work_messages().await, 0);
    assert_eq!(env.object_messages().await, 0);
    assert!(
        files_in(env.input()).is_empty(),
        "{:?}",
        files_in(env.input())
    );
    assert!(env.archived(&id).is_empty());

    let lines = logs.lines_with(&["WARN", id.as_str(), "big/orders.csv"]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(rejected_count(Rejection::TooLarge) > before);

    // A pair within the limit still goes through.
    a_normal_pair_still_completes(&env, "small").await;
    env.stop().await;
}
