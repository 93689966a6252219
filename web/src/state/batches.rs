//! The batch list, kept live: loaded from `GET /api/batches`, then changed by every status
//! event from `GET /api/events`.

use std::rc::Rc;
use tiqets_api_types::{Batch, Status, StatusUpdate};
use yew::Reducible;

/// Whether the live event stream is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    Connecting,
    Connected,
    /// The stream broke; the browser is reconnecting.
    Reconnecting,
}

/// The batches, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchList {
    pub batches: Vec<Batch>,
    /// The first page has been read.
    pub loaded: bool,
    /// Batches in all, as of the last read (the list holds the newest of them).
    pub total: u64,
    /// Why the list could not be read.
    pub error: Option<String>,
    pub live: Live,
}

impl Default for BatchList {
    fn default() -> Self {
        BatchList {
            batches: Vec::new(),
            loaded: false,
            total: 0,
            error: None,
            live: Live::Connecting,
        }
    }
}

/// What changes the list.
#[derive(Debug, Clone)]
pub enum BatchAction {
    /// The newest batches, and how many there are in all.
    Loaded(Vec<Batch>, u64),
    LoadFailed(String),
    Event(Box<StatusUpdate>),
    Live(Live),
}

impl BatchList {
    /// The list after `action`.
    pub fn apply(mut self, action: BatchAction) -> BatchList {
        match action {
            BatchAction::Loaded(batches, total) => {
                self.batches = batches;
                self.total = total;
                self.loaded = true;
                self.error = None;
            }
            BatchAction::LoadFailed(message) => self.error = Some(message),
            BatchAction::Live(live) => self.live = live,
            BatchAction::Event(e) => {
                if let Some(gone) = &e.supersedes {
                    self.batches.retain(|b| &b.id != gone);
                }
                match self.batches.iter_mut().find(|b| b.id == e.batch_id) {
                    Some(b) => update(b, &e),
                    None => {
                        self.batches.insert(0, from_event(&e));
                        self.total += 1;
                    }
                }
            }
        }
        self
    }
}

impl Reducible for BatchList {
    type Action = BatchAction;

    fn reduce(self: Rc<Self>, action: BatchAction) -> Rc<Self> {
        Rc::new((*self).clone().apply(action))
    }
}

/// `batch` after the status event `e` about it.
pub fn update(batch: &mut Batch, e: &StatusUpdate) {
    let retry = e.attempt > batch.attempt;
    if retry {
        // A retry of a failed batch starts over.
        for at in [
            &mut batch.validating_at,
            &mut batch.merging_at,
            &mut batch.persisting_at,
            &mut batch.completed_at,
            &mut batch.failed_at,
        ] {
            *at = None;
        }
        batch.reason = None;
        batch.attempt = e.attempt;
    }
    if !retry && batch.status.is_final() && !e.status.is_final() {
        // A late event of a batch that already ended.
        return;
    }
    batch.name.clone_from(&e.name);
    batch.status = e.status;
    batch.updated_at.clone_from(&e.at);
    let stamp = match e.status {
        Status::Waiting => None,
        Status::Received => Some(&mut batch.received_at),
        Status::Validating => Some(&mut batch.validating_at),
        Status::Merging => Some(&mut batch.merging_at),
        Status::Persisting => Some(&mut batch.persisting_at),
        Status::Completed => Some(&mut batch.completed_at),
        Status::Failed => Some(&mut batch.failed_at),
    };
    if let Some(stamp) = stamp {
        if stamp.is_none() {
            *stamp = Some(e.at.clone());
        }
    }
    if e.reason.is_some() {
        batch.reason.clone_from(&e.reason);
    }
    if e.counts.is_some() {
        batch.counts.clone_from(&e.counts);
    }
    batch.progress = if e.status.is_final() {
        None
    } else {
        e.progress.clone()
    };
}

/// Whether `e` tells more than `batch` shows: a later attempt, or in the same attempt a
/// batch that has not ended at the event's stage or a later one. The rule of
/// `docs/events.md` (Status events), as the status recorder applies it.
pub fn ahead(batch: &Batch, e: &StatusUpdate) -> bool {
    e.attempt > batch.attempt
        || (e.attempt == batch.attempt && !batch.status.is_final() && e.status >= batch.status)
}

/// `fetched` with the events heard about it applied where they are ahead of it. An event
/// arrives as soon as it is published, and a read of the batch can still answer what was
/// recorded before it: the page shows whichever is further on.
pub fn caught_up(fetched: &Batch, events: &[StatusUpdate]) -> Batch {
    let mut batch = fetched.clone();
    for e in events.iter().filter(|e| e.batch_id == fetched.id) {
        if ahead(&batch, e) {
            update(&mut batch, e);
        }
    }
    batch
}

/// A batch first heard of through an event.
pub fn from_event(e: &StatusUpdate) -> Batch {
    let mut batch = Batch {
        id: e.batch_id.clone(),
        name: e.name.clone(),
        status: e.status,
        attempt: e.attempt,
        reason: None,
        created_at: e.at.clone(),
        updated_at: e.at.clone(),
        received_at: None,
        validating_at: None,
        merging_at: None,
        persisting_at: None,
        completed_at: None,
        failed_at: None,
        orders_file: None,
        barcodes_file: None,
        counts: None,
        progress: None,
    };
    update(&mut batch, e);
    batch
}

/// Which stages a batch has passed, is in, or has yet to reach (for its progress steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Done,
    Current,
    Failed,
    Todo,
}

/// The five steps received → … → completed of a batch with `status`; a failed batch
/// failed in the last stage it reached (`reached` says which), validating at the earliest.
pub fn steps(status: Status, reached: impl Fn(Status) -> bool) -> [(Status, Step); 5] {
    let current = Status::STAGES.iter().position(|s| *s == status);
    let failed_at = (status == Status::Failed).then(|| {
        Status::STAGES
            .iter()
            .rposition(|s| reached(*s))
            .map_or(1, |i| i.max(1))
    });
    let mut out = [(Status::Received, Step::Todo); 5];
    for (i, stage) in Status::STAGES.iter().enumerate() {
        let step = match (current, failed_at) {
            (_, Some(f)) if i < f => Step::Done,
            (_, Some(f)) if i == f => Step::Failed,
            (Some(c), _) if i < c => Step::Done,
            (Some(c), _) if i == c && *stage == Status::Completed => Step::Done,
            (Some(c), _) if i == c => Step::Current,
            _ => Step::Todo,
        };
        out[i] = (*stage, step);
    }
    out
}

/// How long the batch took, or has taken so far, from `received`.
pub fn elapsed(batch: &Batch) -> Option<String> {
    let start = batch.received_at.as_deref()?;
    let end = batch
        .completed_at
        .as_deref()
        .or(batch.failed_at.as_deref())
        .unwrap_or(&batch.updated_at);
    crate::format::duration_between(start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiqets_api_types::Counts;

    fn event(id: &str, status: Status, at: &str) -> Box<StatusUpdate> {
        Box::new(StatusUpdate {
            batch_id: id.into(),
            name: "monday".into(),
            status,
            attempt: 1,
            at: at.into(),
            reason: None,
            counts: None,
            progress: None,
            supersedes: None,
        })
    }

    #[test]
    fn events_add_and_move_batches_through_their_stages() {
        let list = BatchList::default().apply(BatchAction::Loaded(vec![], 0));
        let list = list.apply(BatchAction::Event(event(
            "b1",
            Status::Received,
            "2026-11-24T20:33:13Z",
        )));
        assert_eq!(list.batches.len(), 1);
        assert_eq!(
            list.batches[0].received_at.as_deref(),
            Some("2026-11-24T20:33:13Z")
        );
        let mut done = event("b1", Status::Completed, "2026-11-24T20:33:15Z");
        done.counts = Some(Counts {
            orders_written: 299,
            ..Counts::default()
        });
        let list = list
            .apply(BatchAction::Event(event(
                "b1",
                Status::Validating,
                "2026-11-24T20:33:14Z",
            )))
            .apply(BatchAction::Event(done));
        let b = &list.batches[0];
        assert_eq!(b.status, Status::Completed);
        assert_eq!(b.counts.as_ref().unwrap().orders_written, 299);
        assert_eq!(elapsed(b).as_deref(), Some("2.0 s"));
        // A late progress event does not take it back.
        let list = list.apply(BatchAction::Event(event(
            "b1",
            Status::Persisting,
            "2026-11-24T20:33:16Z",
        )));
        assert_eq!(list.batches[0].status, Status::Completed);
    }

    #[test]
    fn new_batches_come_first_and_superseded_waiting_files_go() {
        let waiting = from_event(&event("w-orders", Status::Waiting, "2026-11-24T20:00:00Z"));
        let list = BatchList::default().apply(BatchAction::Loaded(vec![waiting], 1));
        let mut received = event("b2", Status::Received, "2026-11-24T20:01:00Z");
        received.supersedes = Some("w-orders".into());
        let list = list.apply(BatchAction::Event(received));
        assert_eq!(list.batches.len(), 1);
        assert_eq!(list.batches[0].id, "b2");
    }

    #[test]
    fn a_failure_keeps_its_reason_and_a_retry_starts_over() {
        let mut failed = event("b3", Status::Failed, "2026-11-24T20:00:01Z");
        failed.reason = Some("orders.csv: missing required column `customer_id`".into());
        let list = BatchList::default()
            .apply(BatchAction::Event(event(
                "b3",
                Status::Received,
                "2026-11-24T20:00:00Z",
            )))
            .apply(BatchAction::Event(failed));
        let b = &list.batches[0];
        assert_eq!(b.status, Status::Failed);
        assert!(b.reason.as_deref().unwrap().contains("customer_id"));
        let mut again = event("b3", Status::Received, "2026-11-24T21:00:00Z");
        again.attempt = 2;
        let list = list.apply(BatchAction::Event(again));
        let b = &list.batches[0];
        assert_eq!(
            (b.status, b.attempt, b.reason.as_deref()),
            (Status::Received, 2, None)
        );
        assert_eq!(b.failed_at, None);
    }

    #[test]
    fn a_read_that_lags_behind_the_events_is_caught_up_and_never_moved_back() {
        let read = from_event(&event("b1", Status::Failed, "2026-11-24T20:33:13Z"));
        let mut retried = *event("b1", Status::Received, "2026-11-24T20:34:00Z");
        retried.attempt = 2;
        let mut validating = retried.clone();
        validating.status = Status::Validating;
        let mut failed = retried.clone();
        failed.status = Status::Failed;
        failed.reason = Some("orders.csv: missing required column".into());
        // The read still says attempt 1 failed; the events say attempt 2 failed too.
        let events = [retried.clone(), validating.clone(), failed.clone()];
        let shown = caught_up(&read, &events);
        assert_eq!((shown.status, shown.attempt), (Status::Failed, 2));
        assert_eq!(shown.reason, failed.reason);
        // A read that lags at validating is caught up the same way.
        let mut lagging = read.clone();
        update(&mut lagging, &validating);
        assert_eq!(caught_up(&lagging, &events).status, Status::Failed);
        // Late events of an attempt never move a batch back, nor another batch's events.
        let ended = caught_up(&read, &[failed.clone()]);
        assert_eq!(caught_up(&ended, &[retried, validating]), ended);
        let other = *event("b2", Status::Completed, "2026-11-24T20:35:00Z");
        assert_eq!(caught_up(&ended, &[other]), ended);
    }

    #[test]
    fn steps_show_where_a_batch_is() {
        let s = steps(Status::Merging, |_| true);
        assert_eq!(
            s.map(|(_, step)| step),
            [
                Step::Done,
                Step::Done,
                Step::Current,
                Step::Todo,
                Step::Todo
            ]
        );
        let s = steps(Status::Completed, |_| true);
        assert!(s.iter().all(|(_, step)| *step == Step::Done));
        let s = steps(Status::Failed, |st| st == Status::Received);
        assert_eq!(
            s.map(|(_, step)| step),
            [Step::Done, Step::Failed, Step::Todo, Step::Todo, Step::Todo]
        );
        let s = steps(Status::Failed, |st| st <= Status::Merging);
        assert_eq!(
            s.map(|(_, step)| step),
            [Step::Done, Step::Done, Step::Failed, Step::Todo, Step::Todo]
        );
    }

    #[test]
    fn the_live_state_and_load_errors_are_kept() {
        let list = BatchList::default()
            .apply(BatchAction::Live(Live::Connected))
            .apply(BatchAction::LoadFailed("down".into()));
        assert_eq!(list.live, Live::Connected);
        assert_eq!(list.error.as_deref(), Some("down"));
        assert!(!list.loaded);
    }
}
