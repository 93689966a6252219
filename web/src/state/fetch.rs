//! What a page knows about one answer of the API: still loading, there, or failed.

use tiqets_api_types::ErrorCode;

/// An API call's outcome, as a page renders it.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetch<T> {
    Loading,
    Ready(T),
    Failed(ApiFailure),
}

/// Why a call failed, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// The HTTP status, or `None` when the API did not answer at all.
    pub status: Option<u16>,
    /// The API's error code, when it answered with its error envelope.
    pub code: Option<ErrorCode>,
    pub message: String,
}

impl ApiFailure {
    /// The API did not answer (down, or the network failed).
    pub fn unreachable(detail: impl std::fmt::Display) -> ApiFailure {
        ApiFailure {
            status: None,
            code: None,
            message: format!("The API is not answering ({detail}). Is the stack running?"),
        }
    }

    /// An answer that is not the API's JSON envelope.
    pub fn unreadable(status: u16, detail: impl std::fmt::Display) -> ApiFailure {
        ApiFailure {
            status: Some(status),
            code: None,
            message: format!("The API answered {status} with something unexpected ({detail})."),
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status == Some(401)
    }

    /// Whether the API answered with this error code.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == Some(code)
    }
}

impl<T> Fetch<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Fetch::Ready(t) => Some(t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_say_what_happened() {
        let down = ApiFailure::unreachable("connection refused");
        assert_eq!(down.status, None);
        assert!(down.message.contains("not answering"));
        let odd = ApiFailure::unreadable(502, "not JSON");
        assert!(!odd.is_not_found() && !odd.is_unauthorized());
        assert!(odd.message.contains("502"));
        assert!(!odd.is(ErrorCode::NotFound));
        let first = ApiFailure {
            status: Some(409),
            code: Some(ErrorCode::NoPreviousBatch),
            message: "no batch before".into(),
        };
        assert!(first.is(ErrorCode::NoPreviousBatch) && !first.is(ErrorCode::BatchNotCompleted));
        let f: Fetch<u8> = Fetch::Ready(3);
        assert_eq!(f.ready(), Some(&3));
        assert_eq!(Fetch::<u8>::Loading.ready(), None);
    }
}
