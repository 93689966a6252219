use opentelemetry::trace::TraceContextExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tiqets_bus::consumer::run_work_with;
use tiqets_bus::{ConsumerOptions, Outcome, WorkHandler};
use tiqets_contract::{Source, Stage, ValidateWork};
use tiqets_intake::{PairRequest, Publisher};
use tiqets_testkit::{eventually_named, TestBus};
use tokio_util::sync::CancellationToken;
use tracing_opentelemetry::OpenTelemetrySpanExt;

#[derive(Clone, Default)]
struct SeenTrace(Arc<Mutex<Option<String>>>);

impl WorkHandler<ValidateWork> for SeenTrace {
    async fn handle(&self, _work: ValidateWork) -> Outcome {
        let cx = tracing::Span::current().context();
        *self.0.lock().unwrap() = Some(cx.span().span_context().trace_id().to_string());
        Outcome::Ack
    }
}

#[tokio::test]
async fn a_consumer_continues_the_publishers_trace() {
    let spans = tiqets_telemetry::testing::in_memory_spans();
    let t = TestBus::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (o, b) = (dir.path().join("o.csv"), dir.path().join("b.csv"));
    std::fs::write(&o, "order_id,customer_id\n5,6\n").unwrap();
    std::fs::write(&b, "barcode,order_id\n9,5\n").unwrap();
    let request = PairRequest {
        name: "traced".into(),
        source: Source::Upload {
            orders: "o.csv".into(),
            barcodes: "b.csv".into(),
        },
        supersedes: None,
    };
    let published = Publisher::new(t.bus.clone())
        .publish_files(request, &o, &b)
        .await
        .unwrap();
    let id = published.batch_id().to_string();
    let root = tiqets_telemetry::testing::spans_with(&spans, "batch_id", &id);
    assert_eq!(root.len(), 1, "one batch span");
    let trace_id = root[0].span_context.trace_id().to_string();

    let seen = SeenTrace::default();
    let shutdown = CancellationToken::new();
    let options: &'static ConsumerOptions =
        Box::leak(Box::new(ConsumerOptions::work(t.names(), Stage::Validate)));
    let task = tokio::spawn(run_work_with(
        t.bus.clone(),
        options,
        seen.clone(),
        shutdown.clone(),
    ));
    let handled = eventually_named(
        "the work to be handled",
        Duration::from_secs(10),
        || async { seen.0.lock().unwrap().clone() },
    )
    .await;
    assert_eq!(handled, trace_id, "the handler runs in the batch's trace");
    shutdown.cancel();
    task.await.unwrap();
    t.cleanup().await;
}
