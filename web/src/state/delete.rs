//! Deleting a batch from its page: the button, the confirmation (with `force` when it is
//! the current batch, and the token when the API asks for one), and what the API answered.

use crate::format;
use crate::state::fetch::ApiFailure;
use std::rc::Rc;
use tiqets_api_types::{Deleted, ErrorCode};
use yew::Reducible;

/// Where the deletion is.
#[derive(Debug, Clone, PartialEq)]
pub enum DeletePhase {
    /// Only the button is shown.
    Closed,
    /// The confirmation is shown.
    Confirming,
    Sending,
    /// The API refused (still confirming: the user may change something and try again).
    Refused {
        title: String,
        message: String,
    },
    /// Gone, and this is what it removed.
    Deleted(Deleted),
}

/// The delete section's state.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteForm {
    pub phase: DeletePhase,
    /// Delete even the current batch (`?force=true`).
    pub force: bool,
    /// The batch is the current one (the latest completed, or the API said so): the
    /// `force` checkbox is offered.
    pub current: bool,
    pub token: String,
    /// The API asked for a token (401): the token field is shown.
    pub need_token: bool,
}

/// What changes the delete section.
#[derive(Debug, Clone)]
pub enum DeleteAction {
    /// "Delete batch": show the confirmation.
    Open,
    Cancel,
    /// Whether the batch is the current one, as `/batches/latest` says.
    Current(bool),
    Force(bool),
    Token(String),
    Send,
    Deleted(Deleted),
    Failed(ApiFailure),
}

impl DeleteForm {
    /// Nothing asked yet; the token given earlier in this session, if any.
    pub fn with_token(token: Option<String>) -> DeleteForm {
        DeleteForm {
            phase: DeletePhase::Closed,
            force: false,
            current: false,
            need_token: token.is_some(),
            token: token.unwrap_or_default(),
        }
    }

    /// The confirmation is shown (and not being sent).
    pub fn can_send(&self) -> bool {
        matches!(
            self.phase,
            DeletePhase::Confirming | DeletePhase::Refused { .. }
        )
    }

    /// The confirmation (with its checkbox, token and error) is shown.
    pub fn confirming(&self) -> bool {
        self.can_send() || self.phase == DeletePhase::Sending
    }

    /// The form after `action`.
    pub fn apply(mut self, action: DeleteAction) -> DeleteForm {
        match action {
            DeleteAction::Open => {
                if self.phase == DeletePhase::Closed {
                    self.phase = DeletePhase::Confirming;
                    self.force = false;
                    self.current = false;
                }
            }
            DeleteAction::Cancel => {
                if self.can_send() {
                    self.phase = DeletePhase::Closed;
                    self.force = false;
                }
            }
            DeleteAction::Current(is) => self.current |= is,
            DeleteAction::Force(force) => self.force = force,
            DeleteAction::Token(token) => self.token = token,
            DeleteAction::Send => {
                if self.can_send() {
                    self.phase = DeletePhase::Sending;
                }
            }
            DeleteAction::Deleted(d) => self.phase = DeletePhase::Deleted(d),
            DeleteAction::Failed(f) => {
                let title = if f.is_unauthorized() {
                    self.need_token = true;
                    "The API needs a valid token".to_string()
                } else if f.is(ErrorCode::BatchInUse) {
                    if !self.force {
                        self.current = true;
                    }
                    "This batch cannot be deleted now".to_string()
                } else if f.is_not_found() {
                    "There is no such batch (any more)".to_string()
                } else if f.status.is_none() {
                    "The API is not reachable".to_string()
                } else {
                    "The batch was not deleted".to_string()
                };
                self.phase = DeletePhase::Refused {
                    title,
                    message: f.message,
                };
            }
        }
        self
    }
}

impl Reducible for DeleteForm {
    type Action = DeleteAction;

    fn reduce(self: Rc<Self>, action: DeleteAction) -> Rc<Self> {
        Rc::new((*self).clone().apply(action))
    }
}

/// The question the confirmation asks.
pub fn question(name: &str, id: &str) -> String {
    format!(
        "Delete batch {name} ({id})? Its results, change records, output files and stored inputs are removed for good."
    )
}

/// What a deletion removed, in words: `Deleted: 1,255 rows, 1.2 MB from the database,
/// 21.4 KB of files, 49.2 KB of stored inputs and results`.
pub fn summary(d: &Deleted) -> String {
    format!(
        "Deleted: {} {}, {} from the database, {} of files, {} of stored inputs and results",
        format::count(d.rows),
        if d.rows == 1 { "row" } else { "rows" },
        format::bytes(d.database_bytes),
        format::bytes(d.file_bytes),
        format::bytes(d.object_bytes),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(status: u16, code: ErrorCode, message: &str) -> ApiFailure {
        ApiFailure {
            status: Some(status),
            code: Some(code),
            message: message.into(),
        }
    }

    fn deleted() -> Deleted {
        Deleted {
            batch_id: "b1".into(),
            rows: 1255,
            database_bytes: 1_234_567,
            file_bytes: 21_404,
            object_bytes: 49_152,
        }
    }

    #[test]
    fn the_confirmation_comes_first_and_can_be_cancelled() {
        let form = DeleteForm::with_token(None).apply(DeleteAction::Send);
        assert_eq!(form.phase, DeletePhase::Closed);
        let form = form.apply(DeleteAction::Open);
        assert!(form.confirming() && form.can_send());
        let form = form
            .apply(DeleteAction::Force(true))
            .apply(DeleteAction::Cancel);
        assert_eq!(form.phase, DeletePhase::Closed);
        assert!(!form.force);
        let form = form.apply(DeleteAction::Open).apply(DeleteAction::Send);
        assert_eq!(form.phase, DeletePhase::Sending);
        assert!(form.confirming() && !form.can_send());
        let form = form.apply(DeleteAction::Cancel);
        assert_eq!(form.phase, DeletePhase::Sending, "no cancelling once sent");
        let form = form.apply(DeleteAction::Deleted(deleted()));
        assert_eq!(form.phase, DeletePhase::Deleted(deleted()));
        assert!(!form.confirming());
    }

    #[test]
    fn the_current_batch_offers_force() {
        let form = DeleteForm::with_token(None)
            .apply(DeleteAction::Open)
            .apply(DeleteAction::Current(false));
        assert!(!form.current);
        let form = form.apply(DeleteAction::Current(true));
        assert!(form.current);
        // Opened again: asked again.
        let form = form.apply(DeleteAction::Cancel).apply(DeleteAction::Open);
        assert!(!form.current);
    }

    #[test]
    fn batch_in_use_shows_the_message_and_offers_force() {
        let form = DeleteForm::with_token(None)
            .apply(DeleteAction::Open)
            .apply(DeleteAction::Send)
            .apply(DeleteAction::Failed(failure(
                409,
                ErrorCode::BatchInUse,
                "batch b1 is the current batch",
            )));
        assert!(form.current && !form.force && form.can_send());
        match &form.phase {
            DeletePhase::Refused { message, .. } => {
                assert_eq!(message, "batch b1 is the current batch")
            }
            p => panic!("refused expected, got {p:?}"),
        }
        // With force already set (a batch still in flight), the checkbox is not added.
        let form = DeleteForm::with_token(None)
            .apply(DeleteAction::Open)
            .apply(DeleteAction::Force(true))
            .apply(DeleteAction::Send)
            .apply(DeleteAction::Failed(failure(
                409,
                ErrorCode::BatchInUse,
                "batch b1 is still being processed",
            )));
        assert!(!form.current && form.force);
    }

    #[test]
    fn a_401_asks_for_the_token_and_keeps_it() {
        let form = DeleteForm::with_token(None)
            .apply(DeleteAction::Open)
            .apply(DeleteAction::Send)
            .apply(DeleteAction::Failed(failure(
                401,
                ErrorCode::Unauthorized,
                "missing bearer token",
            )));
        assert!(form.need_token && form.can_send());
        assert!(
            matches!(&form.phase, DeletePhase::Refused { title, .. } if title.contains("token"))
        );
        let form = form
            .apply(DeleteAction::Token("secret".into()))
            .apply(DeleteAction::Send);
        assert_eq!(form.phase, DeletePhase::Sending);
        assert_eq!(form.token, "secret");
        let earlier = DeleteForm::with_token(Some("secret".into()));
        assert!(earlier.need_token && earlier.token == "secret");
    }

    #[test]
    fn other_failures_show_their_message() {
        let form = DeleteForm::with_token(None)
            .apply(DeleteAction::Open)
            .apply(DeleteAction::Send)
            .apply(DeleteAction::Failed(failure(
                503,
                ErrorCode::Unavailable,
                "no persister is running",
            )));
        assert!(!form.current && !form.need_token && form.can_send());
        assert!(
            matches!(&form.phase, DeletePhase::Refused { message, .. } if message == "no persister is running")
        );
    }

    #[test]
    fn words() {
        assert_eq!(
            question("sample", "b1"),
            "Delete batch sample (b1)? Its results, change records, output files and stored inputs are removed for good."
        );
        assert_eq!(
            summary(&deleted()),
            "Deleted: 1,255 rows, 1.2 MB from the database, 21.4 KB of files, 49.2 KB of stored inputs and results"
        );
        let one = Deleted {
            rows: 1,
            database_bytes: 0,
            file_bytes: 999,
            object_bytes: 0,
            ..deleted()
        };
        assert_eq!(
            summary(&one),
            "Deleted: 1 row, 0 B from the database, 999 B of files, 0 B of stored inputs and results"
        );
    }
}
