//! How a service authenticates to NATS: nothing (the local, unauthenticated server), or a
//! user and password of the server's `authorization` block (`deploy/k8s/base/nats/nats.conf`).
//! Read from `TIQETS_NATS_USER` + `TIQETS_NATS_PASSWORD` by every service through
//! [`crate::Bus::connect`].

use async_nats::ConnectOptions;

/// `TIQETS_NATS_USER`
pub const USER_VAR: &str = tiqets_config::shared::NATS_USER.name;
/// `TIQETS_NATS_PASSWORD`
pub const PASSWORD_VAR: &str = tiqets_config::shared::NATS_PASSWORD.name;

/// The credentials a connection presents.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum NatsAuth {
    /// None: the server allows anonymous clients.
    #[default]
    Anonymous,
    /// A user of the server's `authorization` block.
    UserPassword { user: String, password: String },
}

impl std::fmt::Debug for NatsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password is a secret: name the user, never the password.
        match self {
            NatsAuth::Anonymous => f.write_str("Anonymous"),
            NatsAuth::UserPassword { user, .. } => write!(f, "UserPassword({user:?}, <set>)"),
        }
    }
}

/// A credential setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AuthError(String);

impl NatsAuth {
    /// Reads the process environment.
    pub fn from_env() -> Result<NatsAuth, AuthError> {
        NatsAuth::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`; unset or empty variables count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<NatsAuth, AuthError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        match (
            get(USER_VAR),
            lookup(PASSWORD_VAR).filter(|v| !v.is_empty()),
        ) {
            (None, None) => Ok(NatsAuth::Anonymous),
            (Some(user), Some(password)) => Ok(NatsAuth::UserPassword { user, password }),
            (Some(_), None) => Err(AuthError(format!(
                "{USER_VAR} is set without {PASSWORD_VAR}"
            ))),
            (None, Some(_)) => Err(AuthError(format!(
                "{PASSWORD_VAR} is set without {USER_VAR}"
            ))),
        }
    }

    /// The user name presented, if any (for logs).
    pub fn user(&self) -> Option<&str> {
        match self {
            NatsAuth::UserPassword { user, .. } => Some(user),
            _ => None,
        }
    }

    /// Adds the credentials to `options`.
    pub fn apply(&self, options: ConnectOptions) -> ConnectOptions {
        match self {
            NatsAuth::Anonymous => options,
            NatsAuth::UserPassword { user, password } => {
                options.user_and_password(user.clone(), password.clone())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<NatsAuth, AuthError> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        NatsAuth::from_lookup(|k| map.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn nothing_set_is_anonymous() {
        assert_eq!(from(&[]).unwrap(), NatsAuth::Anonymous);
        assert_eq!(from(&[(USER_VAR, " ")]).unwrap(), NatsAuth::Anonymous);
    }

    #[test]
    fn a_user_and_password() {
        let auth = from(&[(USER_VAR, "merger"), (PASSWORD_VAR, "s3cret")]).unwrap();
        assert_eq!(auth.user(), Some("merger"));
        assert!(!format!("{auth:?}").contains("s3cret"));
    }

    #[test]
    fn half_settings_are_refused() {
        let e = from(&[(USER_VAR, "merger")]).unwrap_err();
        assert!(e.to_string().contains(PASSWORD_VAR), "{e}");
        assert!(from(&[(PASSWORD_VAR, "x")]).is_err());
    }
}
