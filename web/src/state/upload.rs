//! The upload form and the batch it started: which files are picked, the optional name and
//! token, and then the batch followed live until it completes or fails.

use std::rc::Rc;
use tiqets_api_types::{Batch, ProgressInfo, Status, StatusUpdate, UploadOutcome};
use yew::Reducible;

/// Which of the two input files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Orders,
    Barcodes,
}

/// A picked file, as shown on the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picked {
    pub name: String,
    pub size: u64,
}

/// The batch an upload started, as last heard of.
#[derive(Debug, Clone, PartialEq)]
pub struct Followed {
    pub batch_id: String,
    pub name: String,
    pub status: Status,
    pub repeat: bool,
    pub message: String,
    pub reason: Option<String>,
    pub progress: Option<ProgressInfo>,
    /// The batch as last read from the API (stage times, figures).
    pub batch: Option<Batch>,
}

/// Where the upload is.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Editing,
    Sending,
    /// The API refused the upload (the message is the API's).
    Refused(String),
    Following(Box<Followed>),
}

/// The upload page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadForm {
    pub orders: Option<Picked>,
    pub barcodes: Option<Picked>,
    pub name: String,
    pub token: String,
    /// The API asked for a token (401): the token field is shown.
    pub need_token: bool,
    pub phase: Phase,
}

impl Default for UploadForm {
    fn default() -> Self {
        UploadForm {
            orders: None,
            barcodes: None,
            name: String::new(),
            token: String::new(),
            need_token: false,
            phase: Phase::Editing,
        }
    }
}

/// What changes the form.
#[derive(Debug, Clone)]
pub enum UploadAction {
    Pick(Slot, Picked),
    Name(String),
    Token(String),
    Send,
    Accepted(Box<UploadOutcome>),
    /// 401: a token is needed (or the one given is wrong).
    Unauthorized(String),
    Refused(String),
    Batch(Box<Batch>),
    Event(Box<StatusUpdate>),
    /// Start over with a new pair (keeps the token).
    Again,
}

impl UploadForm {
    /// An empty form that already knows the token (given earlier in this session).
    pub fn with_token(token: Option<String>) -> UploadForm {
        UploadForm {
            need_token: token.is_some(),
            token: token.unwrap_or_default(),
            ..UploadForm::default()
        }
    }

    /// Both files are picked and nothing is being sent or followed.
    pub fn can_send(&self) -> bool {
        self.orders.is_some()
            && self.barcodes.is_some()
            && matches!(self.phase, Phase::Editing | Phase::Refused(_))
    }

    /// The followed batch's id, while one is followed.
    pub fn following(&self) -> Option<&Followed> {
        match &self.phase {
            Phase::Following(f) => Some(f),
            _ => None,
        }
    }

    /// The form after `action`.
    pub fn apply(mut self, action: UploadAction) -> UploadForm {
        match action {
            UploadAction::Pick(slot, picked) => {
                match slot {
                    Slot::Orders => self.orders = Some(picked),
                    Slot::Barcodes => self.barcodes = Some(picked),
                }
                if matches!(self.phase, Phase::Refused(_)) {
                    self.phase = Phase::Editing;
                }
            }
            UploadAction::Name(name) => self.name = name,
            UploadAction::Token(token) => self.token = token,
            UploadAction::Send => {
                if self.can_send() {
                    self.phase = Phase::Sending;
                }
            }
            UploadAction::Accepted(o) => {
                let o = *o;
                self.phase = Phase::Following(Box::new(Followed {
                    batch_id: o.batch_id,
                    name: o.name,
                    status: o.status,
                    repeat: o.repeat,
                    message: o.message,
                    reason: None,
                    progress: None,
                    batch: None,
                }))
            }
            UploadAction::Unauthorized(message) => {
                self.need_token = true;
                self.phase = Phase::Refused(message);
            }
            UploadAction::Refused(message) => self.phase = Phase::Refused(message),
            UploadAction::Batch(batch) => {
                if let Phase::Following(f) = &mut self.phase {
                    if f.batch_id == batch.id && (!f.status.is_final() || batch.status.is_final()) {
                        f.status = batch.status;
                        f.reason.clone_from(&batch.reason);
                        f.progress.clone_from(&batch.progress);
                        f.batch = Some(*batch);
                    }
                }
            }
            UploadAction::Event(e) => {
                if let Phase::Following(f) = &mut self.phase {
                    if f.batch_id == e.batch_id && (!f.status.is_final() || e.status.is_final()) {
                        f.status = e.status;
                        if e.reason.is_some() {
                            f.reason = e.reason.clone();
                        }
                        f.progress = e.progress.clone();
                        if let Some(b) = &mut f.batch {
                            super::batches::update(b, &e);
                        }
                    }
                }
            }
            UploadAction::Again => {
                self = UploadForm {
                    token: self.token,
                    need_token: self.need_token,
                    ..UploadForm::default()
                }
            }
        }
        self
    }
}

impl Reducible for UploadForm {
    type Action = UploadAction;

    fn reduce(self: Rc<Self>, action: UploadAction) -> Rc<Self> {
        Rc::new((*self).clone().apply(action))
    }
}

/// Which slot a file dropped on the page goes to, by its name: `barcodes` in the name means
/// the barcodes, `order` the orders; `None` when the name says neither.
pub fn slot_of(file_name: &str) -> Option<Slot> {
    let name = file_name.to_ascii_lowercase();
    if name.contains("barcode") {
        Some(Slot::Barcodes)
    } else if name.contains("order") {
        Some(Slot::Orders)
    } else {
        None
    }
}

/// Slots for several dropped files: by name first, then the unnamed ones fill the slots
/// still free (orders first). Files beyond two are left out (`None`).
pub fn assign(names: &[String]) -> Vec<Option<Slot>> {
    let mut out: Vec<Option<Slot>> = names.iter().map(|n| slot_of(n)).collect();
    let mut seen = (false, false);
    for s in out.iter_mut() {
        match s {
            Some(Slot::Orders) if !seen.0 => seen.0 = true,
            Some(Slot::Barcodes) if !seen.1 => seen.1 = true,
            _ => *s = None,
        }
    }
    for (i, s) in out.iter_mut().enumerate() {
        if s.is_none() && slot_of(&names[i]).is_none() {
            if !seen.0 {
                *s = Some(Slot::Orders);
                seen.0 = true;
            } else if !seen.1 {
                *s = Some(Slot::Barcodes);
                seen.1 = true;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picked(name: &str) -> Picked {
        Picked {
            name: name.into(),
            size: 10,
        }
    }

    fn outcome() -> UploadOutcome {
        UploadOutcome {
            batch_id: "b1".into(),
            name: "monday".into(),
            status: Status::Received,
            repeat: false,
            status_url: "/api/batches/b1".into(),
            message: "received".into(),
        }
    }

    fn event(status: Status) -> Box<StatusUpdate> {
        Box::new(StatusUpdate {
            batch_id: "b1".into(),
            name: "monday".into(),
            status,
            attempt: 1,
            at: "2026-11-24T20:00:00Z".into(),
            reason: None,
            counts: None,
            progress: None,
            supersedes: None,
        })
    }

    #[test]
    fn sending_needs_both_files() {
        let form = UploadForm::default().apply(UploadAction::Send);
        assert_eq!(form.phase, Phase::Editing);
        let form = form.apply(UploadAction::Pick(Slot::Orders, picked("orders.csv")));
        assert!(!form.can_send());
        let form = form
            .apply(UploadAction::Pick(Slot::Barcodes, picked("barcodes.csv")))
            .apply(UploadAction::Send);
        assert_eq!(form.phase, Phase::Sending);
        assert!(!form.can_send());
    }

    #[test]
    fn a_401_asks_for_the_token_and_keeps_it_for_the_next_upload() {
        let form = UploadForm::default()
            .apply(UploadAction::Pick(Slot::Orders, picked("o.csv")))
            .apply(UploadAction::Pick(Slot::Barcodes, picked("b.csv")))
            .apply(UploadAction::Send)
            .apply(UploadAction::Unauthorized("missing bearer token".into()));
        assert!(form.need_token && form.can_send());
        let form = form
            .apply(UploadAction::Token("secret".into()))
            .apply(UploadAction::Send)
            .apply(UploadAction::Accepted(Box::new(outcome())))
            .apply(UploadAction::Again);
        assert_eq!(form.token, "secret");
        assert!(form.need_token && form.orders.is_none());
    }

    #[test]
    fn a_token_given_earlier_is_kept() {
        let form = UploadForm::with_token(Some("secret".into()));
        assert!(form.need_token);
        assert_eq!(form.token, "secret");
        assert!(!UploadForm::with_token(None).need_token);
    }

    #[test]
    fn the_started_batch_is_followed_until_it_ends() {
        let form = UploadForm::default().apply(UploadAction::Accepted(Box::new(outcome())));
        let form = form.apply(UploadAction::Event(event(Status::Merging)));
        assert_eq!(form.following().unwrap().status, Status::Merging);
        let mut other = event(Status::Failed);
        other.batch_id = "b2".into();
        let form = form.apply(UploadAction::Event(other));
        assert_eq!(form.following().unwrap().status, Status::Merging);
        let mut failed = event(Status::Failed);
        failed.reason = Some("orders.csv: missing required column `customer_id`".into());
        let form = form
            .apply(UploadAction::Event(failed))
            .apply(UploadAction::Event(event(Status::Persisting)));
        let f = form.following().unwrap();
        assert_eq!(f.status, Status::Failed);
        assert!(f
            .reason
            .as_deref()
            .unwrap()
            .contains("missing required column"));
    }

    #[test]
    fn dropped_files_go_to_their_slots_by_name() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            assign(&names(&["barcodes.csv", "orders.csv"])),
            vec![Some(Slot::Barcodes), Some(Slot::Orders)]
        );
        assert_eq!(
            assign(&names(&["a.csv", "my-barcodes.csv"])),
            vec![Some(Slot::Orders), Some(Slot::Barcodes)]
        );
        assert_eq!(
            assign(&names(&["orders.csv", "orders2.csv", "x.csv"])),
            vec![Some(Slot::Orders), None, Some(Slot::Barcodes)]
        );
    }
}
