//! The api's resource limits, each a setting (docs/operations.md, "Limits"), each refused
//! with 429 and `Retry-After` and counted in `tiqets_api_limited_total{limit}`:
//!
//! - `uploads`: uploads in progress at once (`TIQETS_UPLOAD_MAX_CONCURRENT`);
//! - `spool`: bytes of uploads spooled to disk at once, all uploads together
//!   (`TIQETS_UPLOAD_SPOOL_MAX_BYTES`);
//! - `event_streams`: open `/api/events` streams (`TIQETS_API_MAX_EVENT_STREAMS`);
//! - `rate`: requests per second from one client address under `/api`
//!   (`TIQETS_API_RATE_PER_SECOND`, `TIQETS_API_RATE_BURST`; actix-governor).

use crate::model::{ErrorBody, ErrorCode};
use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::governor::NotUntil;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Seconds a refused client is told to wait.
pub const RETRY_AFTER_SECS: u64 = 5;

/// Which limit refused a request (the `limit` label of the metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Uploads,
    Spool,
    EventStreams,
    Rate,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Uploads => "uploads",
            Limit::Spool => "spool",
            Limit::EventStreams => "event_streams",
            Limit::Rate => "rate",
        }
    }
}

/// Slots for work that may only run so many times at once.
#[derive(Clone)]
pub struct Slots(Arc<Semaphore>);

impl Slots {
    pub fn new(n: usize) -> Slots {
        Slots(Arc::new(Semaphore::new(n)))
    }

    /// A slot, held until dropped; `None` when all are taken.
    pub fn try_take(&self) -> Option<OwnedSemaphorePermit> {
        self.0.clone().try_acquire_owned().ok()
    }
}

/// Bytes that all uploads together may hold in the spool.
pub struct SpoolBudget {
    max: u64,
    used: AtomicU64,
}

impl SpoolBudget {
    pub fn new(max: u64) -> Arc<SpoolBudget> {
        Arc::new(SpoolBudget {
            max,
            used: AtomicU64::new(0),
        })
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// Bytes reserved now.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::SeqCst)
    }

    /// An empty reservation, grown as a file is spooled.
    pub fn reservation(self: &Arc<Self>) -> Reservation {
        Reservation {
            budget: self.clone(),
            bytes: 0,
        }
    }
}

/// Spool bytes held by one file, given back when dropped (when the spool file is closed).
pub struct Reservation {
    budget: Arc<SpoolBudget>,
    bytes: u64,
}

impl Reservation {
    /// Takes `n` more bytes; false (taking nothing) when the budget has not that many left.
    pub fn grow(&mut self, n: u64) -> bool {
        let taken = self
            .budget
            .used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                used.checked_add(n)
                    .filter(|total| *total <= self.budget.max)
            });
        if taken.is_ok() {
            self.bytes += n;
        }
        taken.is_ok()
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::SeqCst);
    }
}

/// The rate limit's configuration (actix-governor).
pub type RateLimit = actix_governor::GovernorConfig<ClientAddr, NoOpMiddleware>;

/// The rate limit's key: the client's address (an IPv6 client's /56), as actix-governor's
/// peer-address extractor takes it; its refusal is the API's JSON error with
/// `Retry-After`. Behind a proxy every client has the proxy's address: set the limit at
/// the proxy then, or raise it here.
#[derive(Clone)]
pub struct ClientAddr;

impl actix_governor::KeyExtractor for ClientAddr {
    type Key = std::net::IpAddr;
    type KeyExtractionError = actix_governor::SimpleKeyExtractionError<&'static str>;

    fn extract(
        &self,
        req: &actix_web::dev::ServiceRequest,
    ) -> Result<Self::Key, Self::KeyExtractionError> {
        actix_governor::PeerIpKeyExtractor.extract(req)
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        mut response: actix_web::HttpResponseBuilder,
    ) -> actix_web::HttpResponse {
        let wait = negative.wait_time_from(DefaultClock::default().now());
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let message = format!(
            "too many requests from this address (TIQETS_API_RATE_PER_SECOND); retry in {} s",
            secs.max(1)
        );
        let mut res = response
            .insert_header((actix_web::http::header::RETRY_AFTER, secs.max(1)))
            .json(ErrorBody::new(ErrorCode::TooManyRequests, message));
        res.extensions_mut().insert(Limit::Rate);
        res
    }
}

/// The per-client rate limit of `per_second` requests with bursts of `burst`; `None` when
/// `per_second` is 0 (no limit).
pub fn rate_limit(per_second: u64, burst: u32) -> Option<RateLimit> {
    if per_second == 0 {
        return None;
    }
    actix_governor::GovernorConfigBuilder::default()
        .requests_per_second(per_second)
        .burst_size(burst.max(1))
        .key_extractor(ClientAddr)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_share_the_budget_and_give_it_back() {
        let budget = SpoolBudget::new(10);
        let mut a = budget.reservation();
        let mut b = budget.reservation();
        assert!(a.grow(6));
        assert!(!b.grow(5), "6 + 5 is over 10");
        assert!(b.grow(4));
        assert_eq!(budget.used(), 10);
        drop(a);
        assert_eq!(budget.used(), 4);
        assert!(b.grow(6));
        drop(b);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn slots_run_out_and_come_back() {
        let slots = Slots::new(2);
        let one = slots.try_take().unwrap();
        let _two = slots.try_take().unwrap();
        assert!(slots.try_take().is_none());
        drop(one);
        assert!(slots.try_take().is_some());
    }
}
