//! In-memory caches of what cannot change, so the hot reads skip PostgreSQL.
//!
//! - [`Answers`]: the JSON answers about completed batches (top customers, pages of orders,
//!   issues and unused barcodes, a customer's orders). A batch id names its files'
//!   contents, and a batch's results depend only on them, so once a batch is completed its
//!   answers never change: they need no invalidation, only a bound on memory
//!   (`TIQETS_API_CACHE_BYTES`, least recently used first out; 0 turns caching off), until
//!   the batch is deleted: [`watch_completions`] forgets them on its `deleted` notice.
//! - [`Current`]: which batch is the current one (the last completed). It changes when a
//!   batch completes: [`watch_completions`] forgets it on every `completed` status event,
//!   and it is read again at least every [`CURRENT_TTL`] in case an event was missed.

use crate::error::ApiError;
use bytes::Bytes;
use quick_cache::sync::Cache;
use quick_cache::Weighter;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};
use tiqets_bus::Bus;
use tiqets_contract::{BatchStatus, Notice, NoticeKind, StatusEvent};
use tiqets_store::{queries, BatchRecord, Pool};
use tokio_util::sync::CancellationToken;

/// The longest the current batch is taken from memory without asking PostgreSQL.
pub const CURRENT_TTL: Duration = Duration::from_secs(5);

#[derive(Clone)]
struct ByteSize;

impl Weighter<(String, String), Bytes> for ByteSize {
    fn weight(&self, key: &(String, String), value: &Bytes) -> u64 {
        (key.0.len() + key.1.len() + value.len() + 64) as u64
    }
}

impl Weighter<String, BatchRecord> for ByteSize {
    fn weight(&self, key: &String, _: &BatchRecord) -> u64 {
        (key.len() + 1024) as u64
    }
}

/// Answers and records of completed batches, bounded in bytes.
pub struct Answers {
    bodies: Option<Cache<(String, String), Bytes, ByteSize>>,
    records: Option<Cache<String, BatchRecord, ByteSize>>,
}

impl Answers {
    /// Caches holding about `max_bytes` (0: no caching).
    pub fn new(max_bytes: u64) -> Answers {
        if max_bytes == 0 {
            return Answers {
                bodies: None,
                records: None,
            };
        }
        let records = (max_bytes / 64).max(64 * 1024);
        Answers {
            bodies: Some(Cache::with_weighter(
                (max_bytes / 2048).max(16) as usize,
                max_bytes,
                ByteSize,
            )),
            records: Some(Cache::with_weighter(
                (records / 1024) as usize,
                records,
                ByteSize,
            )),
        }
    }

    /// The answer `what` about completed batch `batch_id`, computed by `compute` once.
    pub async fn body<F>(&self, batch_id: &str, what: String, compute: F) -> Result<Bytes, ApiError>
    where
        F: std::future::Future<Output = Result<Bytes, ApiError>>,
    {
        match &self.bodies {
            Some(cache) => {
                cache
                    .get_or_insert_async(&(batch_id.to_string(), what), compute)
                    .await
            }
            None => compute.await,
        }
    }

    /// [`Answers::body`] as a `200 OK` answer.
    pub async fn answer<F>(
        &self,
        batch_id: &str,
        what: String,
        compute: F,
    ) -> Result<actix_web::HttpResponse, ApiError>
    where
        F: std::future::Future<Output = Result<Bytes, ApiError>>,
    {
        Ok(crate::model::ok_bytes(
            self.body(batch_id, what, compute).await?,
        ))
    }

    /// A completed batch's record, if remembered.
    pub fn record(&self, batch_id: &str) -> Option<BatchRecord> {
        self.records.as_ref()?.get(batch_id)
    }

    /// Forgets every answer and the record of `batch_id` (it was deleted), and every
    /// barcode history (each spans all batches).
    pub fn forget(&self, batch_id: &str) {
        if let Some(cache) = &self.bodies {
            let history = crate::routes::lookups::HISTORY;
            cache.retain(|(id, what), _| id != batch_id && !what.starts_with(history));
        }
        if let Some(cache) = &self.records {
            cache.remove(batch_id);
        }
    }

    /// Remembers a batch's record if it is completed (only then is it final).
    pub fn remember(&self, record: &BatchRecord) {
        if let Some(cache) = &self.records {
            if record.status == BatchStatus::Completed {
                cache.insert(record.id.clone(), record.clone());
            }
        }
    }
}

/// The current batch, remembered for at most [`CURRENT_TTL`].
#[derive(Default)]
pub struct Current {
    slot: RwLock<Option<(Instant, Option<BatchRecord>)>>,
    /// Counts [`Current::forget`]s, so that an answer read before one is not kept after it.
    generation: AtomicU64,
    /// Woken whenever a batch ends (completed or failed), for answers that wait for one.
    pub ended: tokio::sync::Notify,
}

impl Current {
    /// The last completed batch (`None` when none completed yet).
    pub async fn get(&self, pool: &Pool) -> Result<Option<BatchRecord>, ApiError> {
        if let Ok(slot) = self.slot.read() {
            if let Some((at, record)) = slot.as_ref() {
                if at.elapsed() < CURRENT_TTL {
                    return Ok(record.clone());
                }
            }
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let asked = Instant::now();
        let record = queries::current_batch(pool).await?;
        if let Ok(mut slot) = self.slot.write() {
            // A completion seen while asking would be undone by keeping an older answer.
            if self.generation.load(Ordering::SeqCst) == generation {
                *slot = Some((asked, record.clone()));
            }
        }
        Ok(record)
    }

    /// Forgets the current batch: the next request asks PostgreSQL.
    pub fn forget(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut slot) = self.slot.write() {
            *slot = None;
        }
    }
}

/// Hands each JSON message on `subject` (a plain subscription: messages as they pass) to
/// `each` until `shutdown` fires; `unwatched` says in the log what is lost when the
/// subscription cannot be made.
async fn watch<T: serde::de::DeserializeOwned>(
    bus: &Bus,
    subject: String,
    unwatched: &str,
    shutdown: CancellationToken,
    mut each: impl FnMut(T),
) {
    let mut subscription = match bus.client().subscribe(subject.clone()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, %subject, "cannot subscribe: {unwatched}");
            return;
        }
    };
    loop {
        let msg = tokio::select! {
            _ = shutdown.cancelled() => return,
            msg = futures::StreamExt::next(&mut subscription) => msg,
        };
        let Some(msg) = msg else { return };
        if let Ok(value) = serde_json::from_slice::<T>(&msg.payload) {
            each(value);
        }
    }
}

/// Forgets the current batch whenever a `completed` status event passes on NATS, and wakes
/// [`Current::ended`] on every `completed` or `failed` one, until `shutdown` fires. (A
/// batch completes in PostgreSQL before its event is published.)
pub async fn watch_completions(
    bus: Bus,
    current: std::sync::Arc<Current>,
    shutdown: CancellationToken,
) {
    let subject = bus.names().status_all();
    let unwatched = "the current batch is re-read every few seconds";
    watch(&bus, subject, unwatched, shutdown, |e: StatusEvent| {
        if matches!(e.status, BatchStatus::Completed | BatchStatus::Failed) {
            if e.status == BatchStatus::Completed {
                current.forget();
            }
            current.ended.notify_waiters();
        }
    })
    .await
}

/// Forgets what is cached of a batch whenever its `deleted` notice passes on NATS (the
/// persister publishes it once the batch is gone), until `shutdown` fires.
pub async fn watch_deletions(
    bus: Bus,
    answers: std::sync::Arc<Answers>,
    current: std::sync::Arc<Current>,
    shutdown: CancellationToken,
) {
    let subject = bus.names().notice_all();
    let unwatched = "a deleted batch's cached answers stay until they are evicted";
    watch(&bus, subject, unwatched, shutdown, |n: Notice| {
        if matches!(n.kind, NoticeKind::Deleted { .. }) {
            answers.forget(n.batch_id.as_str());
            current.forget();
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_answer_is_computed_once_and_a_zero_budget_caches_nothing() {
        let answers = Answers::new(1 << 20);
        let calls = std::sync::atomic::AtomicU32::new(0);
        for _ in 0..3 {
            let body = answers
                .body("b1", "top:5".into(), async {
                    calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Ok(Bytes::from_static(b"{}"))
                })
                .await
                .unwrap();
            assert_eq!(body, Bytes::from_static(b"{}"));
        }
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);

        let off = Answers::new(0);
        for _ in 0..2 {
            off.body("b1", "top:5".into(), async {
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(Bytes::new())
            })
            .await
            .unwrap();
        }
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn failures_are_not_remembered() {
        let answers = Answers::new(1 << 20);
        let e = answers
            .body("b1", "x".into(), async {
                Err(ApiError::Unavailable("down".into()))
            })
            .await;
        assert!(e.is_err());
        let ok = answers
            .body("b1", "x".into(), async { Ok(Bytes::from_static(b"1")) })
            .await
            .unwrap();
        assert_eq!(ok, Bytes::from_static(b"1"));
    }
}
