use async_nats::jetstream::consumer::pull;
use futures::StreamExt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tiqets_contract::{
    BatchId, BatchStatus, RecordReply, RecordRequest, Sha256, Source, StatusEvent, ValidateWork,
};
use tiqets_intake::{Input, PairRequest, PublishError, Published, Publisher};
use tiqets_testkit::TestBus;

fn request(name: &str) -> PairRequest {
    PairRequest {
        name: name.into(),
        source: Source::Upload {
            orders: "orders.csv".into(),
            barcodes: "barcodes.csv".into(),
        },
        supersedes: None,
    }
}

fn write_pair(
    dir: &Path,
    orders: &str,
    barcodes: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let o = dir.join("orders.csv");
    let b = dir.join("barcodes.csv");
    std::fs::write(&o, orders).unwrap();
    std::fs::write(&b, barcodes).unwrap();
    (o, b)
}

/// Answers `{ns}.admin.record` as a persister would, with the reply held in the returned
/// cell (changed by the test as it goes).
async fn answer_records(t: &TestBus, reply: RecordReply) -> Arc<Mutex<RecordReply>> {
    let cell = Arc::new(Mutex::new(reply));
    let client = t.bus.client().clone();
    let mut requests = client.subscribe(t.names().admin_record()).await.unwrap();
    let answer = cell.clone();
    let replies = client.clone();
    tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            let asked: RecordRequest = serde_json::from_slice(&request.payload).unwrap();
            assert!(asked.batch_id.as_str().len() > 8, "{asked:?}");
            let body = serde_json::to_vec(&*answer.lock().unwrap()).unwrap();
            if let Some(reply) = request.reply {
                replies.publish(reply, body.into()).await.unwrap();
            }
        }
    });
    client.flush().await.unwrap();
    cell
}

async fn next_validate_work(t: &TestBus) -> ValidateWork {
    let stream = t
        .bus
        .jetstream()
        .get_stream(t.names().work_stream())
        .await
        .unwrap();
    let consumer = stream
        .get_consumer::<pull::Config>("validator")
        .await
        .unwrap();
    let mut batch = consumer
        .fetch()
        .max_messages(1)
        .expires(std::time::Duration::from_secs(2))
        .messages()
        .await
        .unwrap();
    let msg = batch.next().await.expect("a work message").unwrap();
    msg.ack().await.unwrap();
    serde_json::from_slice(&msg.payload).unwrap()
}

#[tokio::test]
async fn a_published_pair_is_stored_queued_and_received() {
    let t = TestBus::new().await;
    let dir = tempfile::tempdir().unwrap();
    let orders = "order_id,customer_id\n1,10\n";
    let barcodes = "barcode,order_id\n111,1\n";
    let (o, b) = write_pair(dir.path(), orders, barcodes);
    let publisher = Publisher::new(t.bus.clone());
    let published = publisher
        .publish_files(request("monday"), &o, &b)
        .await
        .unwrap();
    let Published::Queued { batch, inputs } = &published else {
        panic!("{published:?}")
    };
    let expected_id = BatchId::for_pair(
        &Sha256::of(orders.as_bytes()),
        &Sha256::of(barcodes.as_bytes()),
    );
    assert_eq!(batch.batch_id, expected_id);
    assert_eq!(batch.attempt, 1);
    assert_eq!(
        inputs.orders.key,
        format!("batches/{expected_id}/orders.csv")
    );
    assert_eq!(inputs.barcodes.size, barcodes.len() as u64);

    assert_eq!(t.object_text(&inputs.orders.key).await, orders);

    let work = next_validate_work(&t).await;
    assert_eq!(work.batch, *batch);
    assert_eq!(&work.inputs, inputs);

    let last = t
        .bus
        .last_status(&expected_id)
        .await
        .unwrap()
        .expect("a status");
    assert_eq!(last.status, BatchStatus::Received);
    assert_eq!(last.name, "monday");
    assert_eq!(last.inputs.as_ref(), Some(inputs));
    t.cleanup().await;
}

#[tokio::test]
async fn an_identical_pair_is_a_repeat_until_its_batch_failed() {
    let t = TestBus::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (o, b) = write_pair(dir.path(), "order_id,customer_id\n", "barcode,order_id\n");
    let publisher = Publisher::new(t.bus.clone());
    let first = publisher
        .publish_files(request("one"), &o, &b)
        .await
        .unwrap();
    let id = first.batch_id().clone();

    // Received: a repeat, not a second batch; its work is sent again under the same
    // message id, so there is still one work message.
    let again = publisher
        .publish_files(request("two"), &o, &b)
        .await
        .unwrap();
    assert_eq!(
        again,
        Published::Repeat {
            batch_id: id.clone(),
            status: BatchStatus::Received,
            original_name: "one".into()
        }
    );
    let mut stream = t
        .bus
        .jetstream()
        .get_stream(t.names().work_stream())
        .await
        .unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 1);
    // A publisher stopped after `received`: the work is not queued until the pair comes again.
    let work = next_validate_work(&t).await;
    // The queue and its duplicate window gone, as if the work had never been sent.
    t.bus
        .jetstream()
        .delete_stream(t.names().work_stream())
        .await
        .unwrap();
    tiqets_bus::setup::ensure(&t.bus).await.unwrap(); // a fresh duplicate window
    let again = publisher
        .publish_files(request("two"), &o, &b)
        .await
        .unwrap();
    assert!(matches!(again, Published::Repeat { .. }), "{again:?}");
    assert_eq!(next_validate_work(&t).await, work);
    // Completed: a persister is asked what PostgreSQL holds. With none running, nothing is
    // decided: the caller is told to try again.
    t.bus
        .publish_status(&StatusEvent::new(
            id.clone(),
            "one",
            BatchStatus::Completed,
            1,
        ))
        .await
        .unwrap();
    let err = publisher
        .publish_files(request("three"), &o, &b)
        .await
        .unwrap_err();
    assert!(matches!(err, PublishError::Unconfirmed { .. }), "{err}");
    // Still recorded: a repeat.
    let answer = answer_records(
        &t,
        RecordReply::Recorded {
            status: BatchStatus::Completed,
            attempt: 1,
        },
    )
    .await;
    let again = publisher
        .publish_files(request("three"), &o, &b)
        .await
        .unwrap();
    assert!(
        matches!(
            again,
            Published::Repeat {
                status: BatchStatus::Completed,
                ..
            }
        ),
        "{again:?}"
    );
    // No longer recorded (deleted): processed again, as attempt 2.
    *answer.lock().unwrap() = RecordReply::NotRecorded;
    let again = publisher
        .publish_files(request("four"), &o, &b)
        .await
        .unwrap();
    let Published::Queued { batch, .. } = again else {
        panic!("{again:?}")
    };
    assert_eq!(batch.attempt, 2);
    // Failed: retried as attempt 3.
    t.bus
        .publish_status(
            &StatusEvent::new(id.clone(), "one", BatchStatus::Failed, 2).with_reason("boom"),
        )
        .await
        .unwrap();
    let retry = publisher
        .publish_files(request("five"), &o, &b)
        .await
        .unwrap();
    let Published::Queued { batch, .. } = retry else {
        panic!("{retry:?}")
    };
    assert_eq!((batch.batch_id.clone(), batch.attempt), (id.clone(), 3));
    assert_eq!(t.bus.last_status(&id).await.unwrap().unwrap().attempt, 3);

    // The repeat notices are on {ns}.notice.{id}.
    let stream = t
        .bus
        .jetstream()
        .get_stream(t.names().status_stream())
        .await
        .unwrap();
    let notice = stream
        .get_last_raw_message_by_subject(&t.names().notice(id.as_str()))
        .await
        .unwrap();
    let notice: tiqets_contract::Notice = serde_json::from_slice(&notice.payload).unwrap();
    assert_eq!(notice.name, "three");
    t.cleanup().await;
}

#[tokio::test]
async fn a_file_that_changed_after_hashing_is_refused() {
    let t = TestBus::new().await;
    let publisher = Publisher::new(t.bus.clone());
    let orders = b"order_id,customer_id\n1,10\n".as_slice();
    let barcodes = b"barcode,order_id\n111,1\n".as_slice();
    let err = publisher
        .publish_pair(
            request("x"),
            Input {
                reader: orders,
                sha256: Sha256::of(b"something else"),
                size: orders.len() as u64,
            },
            Input {
                reader: barcodes,
                sha256: Sha256::of(barcodes),
                size: barcodes.len() as u64,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, PublishError::Changed { .. }), "{err}");
    let id = BatchId::for_pair(&Sha256::of(b"something else"), &Sha256::of(barcodes));
    assert_eq!(t.bus.last_status(&id).await.unwrap(), None);
    t.cleanup().await;
}

#[tokio::test]
async fn a_waiting_file_is_announced_once() {
    let t = TestBus::new().await;
    let publisher = Publisher::new(t.bus.clone());
    let id = publisher
        .publish_waiting("tuesday", "barcodes.csv is missing", "orders.csv-1")
        .await
        .unwrap();
    publisher
        .publish_waiting("tuesday", "barcodes.csv is missing", "orders.csv-1")
        .await
        .unwrap();
    assert!(id.is_waiting());
    let last = t.bus.last_status(&id).await.unwrap().unwrap();
    assert_eq!(last.status, BatchStatus::Waiting);
    assert_eq!(last.reason.as_deref(), Some("barcodes.csv is missing"));
    let mut stream = t
        .bus
        .jetstream()
        .get_stream(t.names().status_stream())
        .await
        .unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 1);
    t.cleanup().await;
}
