use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tiqets_bus::consumer::run_work_with;
use tiqets_bus::{ConsumerOptions, Outcome, WorkHandler};
use tiqets_contract::{
    BatchId, BatchRef, BatchStatus, FileRef, Inputs, Sha256, Source, Stage, ValidateWork,
};
use tiqets_testkit::{eventually_named, TestBus};
use tokio_util::sync::CancellationToken;

fn work(id: &str) -> ValidateWork {
    let file = |k: &str| FileRef {
        key: k.into(),
        sha256: Sha256::of(k.as_bytes()),
        size: 1,
    };
    ValidateWork {
        batch: BatchRef {
            batch_id: BatchId::parse(id).unwrap(),
            name: id.into(),
            attempt: 1,
        },
        source: Source::Upload {
            orders: "o".into(),
            barcodes: "b".into(),
        },
        inputs: Inputs {
            orders: file("o"),
            barcodes: file("b"),
        },
        received_at: time::OffsetDateTime::now_utc(),
    }
}

fn fast(t: &TestBus) -> ConsumerOptions {
    ConsumerOptions {
        retry_delays: vec![Duration::from_millis(50)],
        fetch_expires: Duration::from_millis(500),
        drain_timeout: Duration::from_millis(500),
        ..ConsumerOptions::work(t.names(), Stage::Validate)
    }
}

/// Fails with `outcome` the first `fail_times` deliveries of each message, then acks;
/// counts the work it is told was abandoned.
#[derive(Clone)]
struct Scripted {
    fail_times: u32,
    outcome: Outcome,
    calls: Arc<AtomicU32>,
    abandoned: Arc<AtomicU32>,
}

impl WorkHandler<ValidateWork> for Scripted {
    async fn handle(&self, _work: ValidateWork) -> Outcome {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n < self.fail_times {
            self.outcome.clone()
        } else {
            Outcome::Ack
        }
    }

    async fn abandoned(&self, _work: ValidateWork) {
        self.abandoned.fetch_add(1, Ordering::SeqCst);
    }
}

/// A [`Scripted`] handler and its count of calls.
fn scripted(fail_times: u32, outcome: Outcome) -> (Scripted, Arc<AtomicU32>) {
    let calls = Arc::new(AtomicU32::new(0));
    let handler = Scripted {
        fail_times,
        outcome,
        calls: calls.clone(),
        abandoned: Arc::default(),
    };
    (handler, calls)
}

/// The work loop of `t` with [`fast`] options running `handler`: its shutdown and task.
fn spawn_loop<H: WorkHandler<ValidateWork> + 'static>(
    t: &TestBus,
    handler: H,
) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(run_work_with(
        t.bus.clone(),
        options_static(fast(t)),
        handler,
        shutdown.clone(),
    ));
    (shutdown, task)
}

/// Waits until `stream` holds `n` messages.
async fn wait_messages(t: &TestBus, what: &str, stream: &str, n: u64) {
    eventually_named(what, Duration::from_secs(10), || async {
        (t.stream_messages(stream).await == n).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_transient_failure_is_retried_in_process_however_often_without_a_redelivery() {
    let t = TestBus::new().await;
    // More failures in a row than the consumer allows deliveries: an outage is waited out.
    let failures = t.bus.pacing().max_deliver as u32 + 3;
    let (handler, calls) = scripted(failures, Outcome::Retry("db down".into()));
    let (shutdown, task) = spawn_loop(&t, handler);
    t.bus.publish_work(&work("b1")).await.unwrap();
    let work_stream = t.names().work_stream();
    wait_messages(&t, "the work queue to be empty", &work_stream, 0).await;
    assert_eq!(calls.load(Ordering::SeqCst), failures + 1);
    assert_eq!(t.stream_messages(&t.names().dead_stream()).await, 0);
    let mut consumer: async_nats::jetstream::consumer::PullConsumer = t
        .bus
        .jetstream()
        .get_stream(&work_stream)
        .await
        .unwrap()
        .get_consumer(Stage::Validate.consumer())
        .await
        .unwrap();
    let info = consumer.info().await.unwrap();
    assert_eq!(
        (info.delivered.consumer_sequence, info.num_redelivered),
        (1, 0),
        "delivered once: the retries used up no delivery"
    );
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the loop stops")
        .unwrap();
    t.cleanup().await;
}

#[tokio::test]
async fn a_fatal_message_is_dead_lettered_and_its_batch_failed() {
    let t = TestBus::new().await;
    let (handler, calls) = scripted(100, Outcome::Fatal("missing column".into()));
    let abandoned = handler.abandoned.clone();
    let (shutdown, task) = spawn_loop(&t, handler);
    t.bus.publish_work(&work("b2")).await.unwrap();
    let id = BatchId::parse("b2").unwrap();
    let failed = eventually_named("a failed status", Duration::from_secs(10), || async {
        t.bus
            .last_status(&id)
            .await
            .unwrap()
            .filter(|e| e.status == BatchStatus::Failed)
    })
    .await;
    assert!(failed.reason.unwrap().contains("missing column"));
    let dead = t
        .bus
        .jetstream()
        .get_stream(t.names().dead_stream())
        .await
        .unwrap();
    let msg = dead
        .get_last_raw_message_by_subject(&t.names().dead(Stage::Validate))
        .await
        .unwrap();
    assert_eq!(
        msg.headers.get("Tiqets-Dead-Reason").unwrap().as_str(),
        "missing column"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "a fatal message is not retried"
    );
    let work_stream = t.names().work_stream();
    wait_messages(&t, "the message to be terminated", &work_stream, 0).await;
    eventually_named("the work abandoned", Duration::from_secs(10), || async {
        (abandoned.load(Ordering::SeqCst) == 1).then_some(())
    })
    .await;
    shutdown.cancel();
    task.await.unwrap();
    t.cleanup().await;
}

/// Work of an attempt that already ended is acked unrun: a `completed` attempt (a merge
/// redelivered after its ack was lost, its chunks dropped by then), a `failed` one, and one
/// a later attempt superseded; each is handed to `abandoned`. Work of an attempt still
/// running runs.
#[tokio::test]
async fn work_of_an_ended_attempt_is_acked_without_running() {
    let t = TestBus::new().await;
    let (handler, calls) = scripted(0, Outcome::Ack);
    let abandoned = handler.abandoned.clone();
    let (shutdown, task) = spawn_loop(&t, handler);
    let work_stream = t.names().work_stream();
    let cases = [
        ("e1", BatchStatus::Completed, 1, 0),
        ("e2", BatchStatus::Failed, 1, 0),
        ("e3", BatchStatus::Validating, 2, 0),
        ("e4", BatchStatus::Merging, 1, 1),
    ];
    for (id, status, attempt, runs) in cases {
        let batch = BatchId::parse(id).unwrap();
        let event = tiqets_contract::StatusEvent::new(batch, id, status, attempt);
        t.bus.publish_status(&event).await.unwrap();
        let before = calls.load(Ordering::SeqCst);
        let dropped = abandoned.load(Ordering::SeqCst);
        t.bus.publish_work(&work(id)).await.unwrap();
        wait_messages(&t, "the work queue to be empty", &work_stream, 0).await;
        let ran = calls.load(Ordering::SeqCst) - before;
        assert_eq!(ran, runs, "attempt 1 after {status} of attempt {attempt}");
        let dropped = abandoned.load(Ordering::SeqCst) - dropped;
        assert_eq!(
            dropped,
            1 - runs,
            "abandoned after {status} of attempt {attempt}"
        );
    }
    assert_eq!(t.stream_messages(&t.names().dead_stream()).await, 0);
    shutdown.cancel();
    task.await.unwrap();
    t.cleanup().await;
}

#[tokio::test]
async fn an_undecodable_message_is_dead_lettered() {
    let t = TestBus::new().await;
    let (handler, _) = scripted(0, Outcome::Ack);
    let (shutdown, task) = spawn_loop(&t, handler);
    t.bus
        .publish_json(
            t.names().work_validate(),
            None,
            &serde_json::json!({"nonsense": true}),
        )
        .await
        .unwrap();
    let dead_stream = t.names().dead_stream();
    wait_messages(&t, "a dead letter", &dead_stream, 1).await;
    shutdown.cancel();
    task.await.unwrap();
    t.cleanup().await;
}

/// A handler that blocks until told, to test shutdown during work.
struct Slow(Arc<tokio::sync::Notify>, Arc<AtomicU32>);

impl WorkHandler<ValidateWork> for Slow {
    async fn handle(&self, _work: ValidateWork) -> Outcome {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.notified().await;
        Outcome::Ack
    }
}

#[tokio::test]
async fn shutdown_releases_work_that_does_not_finish_in_time() {
    let t = TestBus::new().await;
    let started = Arc::new(AtomicU32::new(0));
    let slow = Slow(Arc::new(tokio::sync::Notify::new()), started.clone());
    let (shutdown, task) = spawn_loop(&t, slow);
    t.bus.publish_work(&work("b3")).await.unwrap();
    eventually_named("the handler to start", Duration::from_secs(10), || async {
        (started.load(Ordering::SeqCst) == 1).then_some(())
    })
    .await;
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the loop stops")
        .unwrap();
    // Released, not lost: a second consumer gets it at once.
    let (handler, calls) = scripted(0, Outcome::Ack);
    let (shutdown2, task2) = spawn_loop(&t, handler);
    eventually_named(
        "the released message to be handled again",
        Duration::from_secs(10),
        || async { (calls.load(Ordering::SeqCst) == 1).then_some(()) },
    )
    .await;
    shutdown2.cancel();
    task2.await.unwrap();
    t.cleanup().await;
}

fn options_static(o: ConsumerOptions) -> &'static ConsumerOptions {
    Box::leak(Box::new(o))
}
