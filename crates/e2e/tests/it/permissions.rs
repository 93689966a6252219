//! The least-privilege NATS users (`deploy/k8s/base/nats/nats.conf`): a private server runs
//! that very file, `tiqets-admin setup-nats` creates the streams as the `setup` user, the four
//! pipeline services each connect as their own user and process the sample exactly as the
//! command line does, the api binary as its user takes an upload and streams events, the
//! server logs no violation meanwhile, and each user is refused what belongs to another.

mod api;
mod users;

use crate::support::*;
use api::{http, http_until, upload, ApiProcess};
use async_nats::ConnectOptions;
use futures::StreamExt;
use std::process::Command;
use std::time::Duration;
use tiqets_bus::{setup, Bus};
use tiqets_contract::Names;
use tiqets_e2e::stored::stored;
use tiqets_e2e::{Service, Stack};
use tiqets_testkit::expected::expected;
use tiqets_testkit::TestDatabase;
use tokio::io::AsyncReadExt;
use users::{assert_allowed, assert_denied, auth, connect, password, request, start_server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_service_runs_as_its_own_user_and_is_refused_what_is_not_its_own() {
    let nats = start_server();
    let url = nats.url();
    let names = Names::new(tiqets_config::DEFAULT_NAMESPACE);

    // Nobody gets in without a user, or with another user's password.
    let anonymous = ConnectOptions::new()
        .max_reconnects(1)
        .connect(url.as_str())
        .await;
    assert!(anonymous.is_err(), "an anonymous client was let in");
    let wrong = ConnectOptions::new()
        .user_and_password("merger".into(), password("persister"))
        .max_reconnects(1)
        .connect(url.as_str())
        .await;
    assert!(
        wrong.is_err(),
        "merger was let in with persister's password"
    );

    // A service cannot create the streams; only the setup user can.
    assert_denied(&url, "validator", "$JS.API.STREAM.CREATE.tiqets_WORK").await;
    assert!(
        nats.log().contains(
            r#"Publish Violation - User "validator", Subject "$JS.API.STREAM.CREATE.tiqets_WORK""#
        ),
        "no violation logged:\n{}",
        nats.log()
    );
    let out = Command::new(tiqets_e2e::stack::binary("tiqets-admin"))
        .arg("setup-nats")
        .env("NATS_URL", &url)
        .env("TIQETS_NAMESPACE", names.namespace())
        .env("TIQETS_NATS_USER", "setup")
        .env("TIQETS_NATS_PASSWORD", password("setup"))
        .output()
        .expect("tiqets-admin setup-nats");
    assert!(
        out.status.success(),
        "tiqets-admin setup-nats: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Now every service finds what it needs without creating anything.
    for user in ["ingest", "api", "validator", "merger", "persister"] {
        let bus = Bus::connect_as(&url, names.clone(), "perm-test", &auth(user))
            .await
            .unwrap();
        setup::ensure(&bus)
            .await
            .unwrap_or_else(|e| panic!("{user} cannot look the setup up: {e}"));
    }

    // The pipeline, each service as its own user.
    let log_before = nats.log().len();
    let db = TestDatabase::create().await;
    let mut stack = Stack::new(names.namespace(), &url, db.url());
    // The sample (25 KB) merged in 7 partitions, each step sent by the merger as merge work
    // (docs/events.md, "The partitioned merge"), under the merger's own permissions.
    stack.set_service_env(Service::Merger, "TIQETS_MERGER_MEMORY_BYTES", "24000");
    for (service, user) in [
        (Service::Ingest, "ingest"),
        (Service::Validator, "validator"),
        (Service::Merger, "merger"),
        (Service::Persister, "persister"),
    ] {
        stack.set_service_env(service, "TIQETS_NATS_USER", user);
        stack.set_service_env(service, "TIQETS_NATS_PASSWORD", &password(user));
        stack.start(service);
    }
    let (orders, barcodes, batch) =
        sample_completed(db.pool(), &stack, None, Duration::from_secs(120)).await;
    assert_eq!(
        stored(db.pool(), &batch).await,
        expected(&orders, &barcodes)
    );
    // The api binary as the api user: ready, an upload through its HTTP endpoint processed
    // by the services, and its live event stream.
    let api_port = free_port();
    let api_log = stack.dir.path().join("logs/tiqets-api.log");
    let mut api = ApiProcess(
        Command::new(tiqets_e2e::stack::binary("tiqets-api"))
            .env("NATS_URL", &url)
            .env("DATABASE_URL", db.url())
            .env("TIQETS_NAMESPACE", names.namespace())
            .env("TIQETS_API_ADDR", format!("127.0.0.1:{api_port}"))
            .env("TIQETS_WEB_DIR", stack.dir.path().join("no-dashboard"))
            .env("TIQETS_NATS_USER", "api")
            .env("TIQETS_NATS_PASSWORD", password("api"))
            .env("RUST_LOG", "info")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .stdout(std::fs::File::create(&api_log).unwrap())
            .stderr(
                std::fs::File::options()
                    .append(true)
                    .open(&api_log)
                    .unwrap(),
            )
            .spawn()
            .expect("start tiqets-api"),
    );
    let ready = (0..300).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        http(
            api_port,
            "GET /readyz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".into(),
        )
        .starts_with("HTTP/1.1 200")
    });
    assert!(
        ready,
        "the api is not ready:\n{}",
        std::fs::read_to_string(&api_log).unwrap_or_default()
    );
    let (up_orders, up_barcodes) = generated(&stack.dir.path().join("upload"), 300, 11);
    let answer = upload(api_port, &up_orders, &up_barcodes);
    assert!(answer.starts_with("HTTP/1.1 202"), "upload: {answer}");
    let uploaded = batch_id(&up_orders, &up_barcodes).await;
    wait_status(
        db.pool(),
        &stack,
        &uploaded,
        &["completed"],
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(
        stored(db.pool(), &uploaded).await,
        expected(&up_orders, &up_barcodes)
    );
    let events = http_until(
        api_port,
        "GET /api/events HTTP/1.1\r\nhost: x\r\nlast-event-id: 0\r\n\r\n",
        "data:",
    );
    assert!(
        events.contains("data:"),
        "no event on /api/events: {events}"
    );
    // A deletion: the api asks, the persister answers to the api's inbox and announces it.
    let deleted = http(
        api_port,
        format!("DELETE /api/batches/{batch} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .into_bytes(),
    );
    assert!(deleted.starts_with("HTTP/1.1 200"), "delete: {deleted}");
    assert!(deleted.contains(r#""file_bytes":"#), "delete: {deleted}");
    let gone = http(
        api_port,
        format!("GET /api/batches/{batch} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .into_bytes(),
    );
    assert!(gone.starts_with("HTTP/1.1 404"), "after the delete: {gone}");
    api.stop();
    let api_bus = Bus::connect_as(&url, names.clone(), "perm-test-api", &auth("api"))
        .await
        .unwrap();
    let live = api_bus
        .jetstream()
        .get_stream(names.status_stream())
        .await
        .expect("the api user reads the status stream")
        .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig {
            filter_subject: names.status_all(),
            ..Default::default()
        })
        .await
        .expect("the api user creates the live view's ordered consumer");
    let live_name = live.cached_info().name.clone();
    let first = live
        .messages()
        .await
        .unwrap()
        .next()
        .await
        .expect("a status event")
        .expect("a status event");
    assert!(
        first.subject.starts_with("tiqets.status."),
        "{}",
        first.subject
    );

    // An ordered consumer that recreates itself deletes its predecessor: allowed for the
    // api's own, denied for the status recorder (below).
    assert_allowed(
        &url,
        "api",
        &format!("$JS.API.CONSUMER.DELETE.tiqets_STATUS.{live_name}"),
    )
    .await;

    // An object bigger than the server's flow-control window: past 16 MiB unanswered, a
    // reader's ordered push consumer asks for a reply on $JS.FC.… and stalls without one
    // (the sample and the upload above are far smaller). Every user that reads objects
    // reads it whole.
    let big: Vec<u8> = (0..40u32 << 20).map(|i| (i % 251) as u8).collect();
    let ingest_bus = Bus::connect_as(&url, names.clone(), "perm-test-ingest", &auth("ingest"))
        .await
        .unwrap();
    ingest_bus
        .files()
        .await
        .unwrap()
        .put("perm-test/big", &mut big.as_slice())
        .await
        .expect("ingest stores a big object");
    for user in ["validator", "merger", "persister"] {
        let bus = Bus::connect_as(
            &url,
            names.clone(),
            &format!("perm-test-{user}"),
            &auth(user),
        )
        .await
        .unwrap();
        let read = async {
            let mut object = bus
                .files()
                .await
                .unwrap()
                .get("perm-test/big")
                .await
                .unwrap();
            let mut back = Vec::with_capacity(big.len());
            object.read_to_end(&mut back).await.unwrap();
            back
        };
        let back = tokio::time::timeout(Duration::from_secs(60), read)
            .await
            .unwrap_or_else(|_| panic!("{user} stalled reading a 40 MiB object"));
        assert!(back == big, "{user} read the object back unchanged");
    }

    let log = nats.log();
    let violations: Vec<&str> = log[log_before..]
        .lines()
        .filter(|l| l.contains("Violation"))
        .collect();
    assert!(
        violations.is_empty(),
        "the pipeline hit permission violations:\n{}",
        violations.join("\n")
    );

    // What each user may not do.
    let api = "$JS.API";
    // The ingest only publishes: it can neither create a consumer nor fetch work.
    assert_denied(
        &url,
        "ingest",
        &format!("{api}.CONSUMER.DURABLE.CREATE.tiqets_WORK.sneaky"),
    )
    .await;
    assert_denied(
        &url,
        "ingest",
        &format!("{api}.CONSUMER.CREATE.tiqets_WORK"),
    )
    .await;
    assert_denied(
        &url,
        "ingest",
        &format!("{api}.CONSUMER.MSG.NEXT.tiqets_WORK.validator"),
    )
    .await;
    // The api cannot delete or purge streams, nor take the status recorder's messages.
    assert_denied(&url, "api", &format!("{api}.STREAM.DELETE.tiqets_WORK")).await;
    assert_denied(&url, "api", &format!("{api}.STREAM.PURGE.tiqets_STATUS")).await;
    assert_denied(
        &url,
        "api",
        &format!("{api}.CONSUMER.DELETE.tiqets_STATUS.status-recorder"),
    )
    .await;
    assert_denied(
        &url,
        "api",
        &format!("{api}.CONSUMER.MSG.NEXT.tiqets_STATUS.status-recorder"),
    )
    .await;
    // Each stage takes only its own work and publishes only the next stage's.
    assert_denied(
        &url,
        "validator",
        &format!("{api}.CONSUMER.MSG.NEXT.tiqets_WORK.merger"),
    )
    .await;
    assert_denied(&url, "validator", &names.work_persist()).await;
    assert_denied(
        &url,
        "validator",
        &format!("{api}.STREAM.CREATE.tiqets_EVIL"),
    )
    .await;
    assert_denied(
        &url,
        "merger",
        &format!("{api}.CONSUMER.MSG.NEXT.tiqets_WORK.validator"),
    )
    .await;
    assert_denied(
        &url,
        "merger",
        &names.dead(tiqets_contract::Stage::Validate),
    )
    .await;
    assert_denied(&url, "persister", &names.work_validate()).await;
    assert_denied(
        &url,
        "persister",
        &format!("{api}.STREAM.DELETE.OBJ_tiqets_files"),
    )
    .await;
    // A service's work belongs to it alone.
    assert_denied(
        &url,
        "persister",
        &format!("{api}.CONSUMER.MSG.NEXT.tiqets_WORK.validator"),
    )
    .await;
    // Controls: the same requests are answered for the user they belong to.
    assert_allowed(&url, "api", &format!("{api}.STREAM.INFO.tiqets_WORK")).await;
    assert_allowed(&url, "setup", &format!("{api}.STREAM.INFO.tiqets_WORK")).await;
    // The persister's status recorder drops the row chunks of ended attempts; the api may not.
    assert_allowed(
        &url,
        "persister",
        &format!("{api}.STREAM.PURGE.tiqets_ROWS"),
    )
    .await;
    assert_denied(&url, "api", &format!("{api}.STREAM.PURGE.tiqets_ROWS")).await;
    // A reader's ordered consumer looks itself up again after a reconnect (a merger
    // dropped mid-batch and refused this waited out its 30 s chunk wait).
    for (user, stream) in [
        ("merger", "tiqets_ROWS"),
        ("validator", "OBJ_tiqets_files"),
        ("merger", "OBJ_tiqets_files"),
        ("persister", "OBJ_tiqets_files"),
    ] {
        assert_allowed(&url, user, &format!("{api}.CONSUMER.INFO.{stream}.gone")).await;
    }
    // The setup user can delete a stream (here a scratch one), the api could not.
    let (setup_client, mut setup_errors) = connect(&url, "setup").await;
    let created = request(
        &setup_client,
        &mut setup_errors,
        &format!("{api}.STREAM.CREATE.tiqets_SCRATCH"),
        r#"{"name":"tiqets_SCRATCH","subjects":["tiqets.scratch"]}"#,
    )
    .await
    .expect("setup creates a stream");
    assert!(!created.contains("\"error\""), "{created}");
    assert_denied(&url, "api", &format!("{api}.STREAM.DELETE.tiqets_SCRATCH")).await;
    let deleted = request(
        &setup_client,
        &mut setup_errors,
        &format!("{api}.STREAM.DELETE.tiqets_SCRATCH"),
        "",
    )
    .await
    .expect("setup deletes a stream");
    assert!(deleted.contains("\"success\":true"), "{deleted}");
}
