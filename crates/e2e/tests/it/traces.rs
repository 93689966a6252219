//! One batch is one trace across ingest → validator → merger → persister: the services
//! export over OTLP/HTTP to a receiver in this test, which decodes the protobuf requests.

use crate::support::*;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tiqets_e2e::{Service, Stack};
use tiqets_testkit::{TestDatabase, TestNamespace};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// trace id (hex) → service names that sent spans of it.
type Seen = Arc<Mutex<BTreeMap<String, BTreeSet<String>>>>;

async fn otlp_receiver() -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let sink = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                loop {
                    // One HTTP/1.1 request: headers, then Content-Length bytes of protobuf.
                    let mut len = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let l = line.trim_end();
                        if l.is_empty() {
                            break;
                        }
                        if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0u8; len];
                    if reader.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    if let Ok(req) = ExportTraceServiceRequest::decode(body.as_slice()) {
                        let mut seen = sink.lock().unwrap();
                        for rs in req.resource_spans {
                            let service = rs
                                .resource
                                .iter()
                                .flat_map(|r| r.attributes.iter())
                                .find(|a| a.key == "service.name")
                                .and_then(|a| a.value.as_ref())
                                .map(|v| format!("{:?}", v.value))
                                .unwrap_or_default();
                            for ss in rs.scope_spans {
                                for span in ss.spans {
                                    let id: String =
                                        span.trace_id.iter().map(|b| format!("{b:02x}")).collect();
                                    seen.entry(id).or_default().insert(service.clone());
                                }
                            }
                        }
                    }
                    let ok = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    if reader.get_mut().write_all(ok.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (endpoint, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_spans_of_one_batch_share_one_trace_across_the_four_services() {
    let (endpoint, seen) = otlp_receiver().await;
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    stack.set_env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint);
    stack.start_all(1);
    sample_completed(db.pool(), &stack, None, Duration::from_secs(120)).await;

    // Stopping the services flushes their span exporters.
    for s in Service::ALL {
        stack.stop(s);
    }
    let seen = seen.lock().unwrap().clone();
    let full: Vec<_> = seen
        .iter()
        .filter(|(_, services)| {
            [
                "tiqets-ingest",
                "tiqets-validator",
                "tiqets-merger",
                "tiqets-persister",
            ]
            .iter()
            .all(|want| services.iter().any(|s| s.contains(want)))
        })
        .collect();
    assert_eq!(
        full.len(),
        1,
        "exactly one trace spans all four services: {seen:#?}"
    );
}
