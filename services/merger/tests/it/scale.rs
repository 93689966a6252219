//! A batch of real size through both stages, on demand:
//! `TIQETS_SCALE_DIR=data/bench/medium cargo test --release -p tiqets-merger --test it -- --ignored --nocapture`.

use crate::support::Env;
use std::path::PathBuf;
use std::time::Instant;
use tiqets_contract::{ResultFile, Source, ValidateWork};
use tiqets_intake::{PairRequest, Published, Publisher};
use tokio::io::AsyncReadExt;

use tiqets_testkit::memory::own_peak_rss_mb as peak_rss_mb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs TIQETS_SCALE_DIR with a large orders.csv and barcodes.csv"]
async fn a_batch_of_real_size_gives_the_cli_results() {
    let _logs = tiqets_telemetry::testing::in_memory_spans(); // logs to the test output
    let dir = PathBuf::from(std::env::var("TIQETS_SCALE_DIR").expect("TIQETS_SCALE_DIR"));
    let (orders, barcodes) = (dir.join("orders.csv"), dir.join("barcodes.csv"));
    let env = Env::new().await;
    let request = PairRequest {
        name: "scale".into(),
        source: Source::Upload {
            orders: "orders.csv".into(),
            barcodes: "barcodes.csv".into(),
        },
        supersedes: None,
    };
    let t = Instant::now();
    let published = Publisher::new(env.bus.clone())
        .publish_files(request.clone(), &orders, &barcodes)
        .await
        .unwrap();
    let Published::Queued { batch, inputs } = published else {
        panic!("queued")
    };
    println!("stored inputs in {:.2?}", t.elapsed());
    let work = ValidateWork {
        batch,
        source: request.source,
        inputs,
        received_at: time::OffsetDateTime::now_utc(),
    };
    let validator = tiqets_validator::Validator::new(
        env.bus.clone(),
        &tiqets_validator::Settings {
            common: tiqets_config::Common::new(env.ns.nats_url(), env.ns.name()),
            ..Default::default()
        },
    );
    let t = Instant::now();
    assert_eq!(
        validator.validate(work.clone()).await,
        tiqets_bus::Outcome::Ack
    );
    println!(
        "validated in {:.2?} (peak RSS so far {} MB)",
        t.elapsed(),
        peak_rss_mb()
    );
    let merge = env
        .queued::<tiqets_contract::MergeWork>(&env.names().work_merge())
        .await
        .remove(0);
    let merge = env.announced(merge).await;
    let (o, b) = (
        merge.orders.clone().unwrap(),
        merge.barcodes.clone().unwrap(),
    );
    println!(
        "{} + {} chunks, {} + {} rows",
        o.chunks, b.chunks, o.rows, b.rows
    );
    let t = Instant::now();
    let persist = env.merged(&merge).await;
    println!(
        "merged in {:.2?} (peak RSS so far {} MB)",
        t.elapsed(),
        peak_rss_mb()
    );

    let want = tiqets_domain::process_files(
        std::fs::File::open(&orders).unwrap(),
        std::fs::File::open(&barcodes).unwrap(),
        &|_| {},
    )
    .unwrap();
    let files = env.bus.files().await.unwrap();
    for (file, expected) in [
        (ResultFile::ProcessedOrders, {
            let mut v = Vec::new();
            tiqets_domain::write_processed(&want, &mut v).unwrap();
            v
        }),
        (ResultFile::Issues, {
            let mut v = Vec::new();
            tiqets_domain::write_issue_report(want.issues(), want.not_itemised(), &mut v).unwrap();
            v
        }),
    ] {
        let r = persist.result(file).unwrap();
        let mut got = Vec::new();
        files
            .get(&r.key)
            .await
            .unwrap()
            .read_to_end(&mut got)
            .await
            .unwrap();
        assert!(got == expected, "{file:?} differs from the CLI's");
    }
    assert_eq!(persist.counts.unused_barcodes, want.unused_count());
}
