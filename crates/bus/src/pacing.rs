//! [`Pacing`]: how long a work consumer waits for an acknowledgement before it redelivers,
//! and how many deliveries a message gets. Both are settings
//! (`TIQETS_ACK_WAIT_SECS`, `TIQETS_MAX_DELIVER`), the same for every service of a
//! deployment: they configure the durable consumers, which the services share.
//!
//! A short ack wait makes recovery quick: the work of a killed stage is redelivered one ack
//! wait after its last sign of life. Running handlers send in-progress acks every quarter
//! of it ([`Pacing::progress_every`]), so long work is never redelivered while it runs.

use std::time::Duration;

/// The ack wait's variable.
pub const ACK_WAIT_VAR: &str = "TIQETS_ACK_WAIT_SECS";
/// The delivery limit's variable.
pub const MAX_DELIVER_VAR: &str = "TIQETS_MAX_DELIVER";

/// The ack wait and delivery limit of the work consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// How long a delivery may go without an ack (or an in-progress ack) before it is
    /// delivered again.
    pub ack_wait: Duration,
    /// Deliveries of one message. The last one is never worked on: it only reaches a stage
    /// when every earlier one was interrupted (a Retry on the one before it dead-letters),
    /// and the batch is then failed with that reason (`docs/events.md`, Poisoned work).
    pub max_deliver: u64,
}

impl Default for Pacing {
    fn default() -> Pacing {
        Pacing {
            ack_wait: Duration::from_secs(20),
            max_deliver: 5,
        }
    }
}

impl Pacing {
    /// The pacing of the environment, defaults for unset variables; an unusable value is an
    /// error naming its variable.
    pub fn from_env() -> Result<Pacing, String> {
        Pacing::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Pacing::from_env`] over any lookup (tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Pacing, String> {
        let default = Pacing::default();
        let number = |var: &str, min: u64, max: u64| -> Result<Option<u64>, String> {
            let Some(raw) = lookup(var).filter(|v| !v.trim().is_empty()) else {
                return Ok(None);
            };
            match raw.trim().parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(format!(
                    "{var}={raw:?}: expected a whole number from {min} to {max}"
                )),
            }
        };
        let ack_wait = number(ACK_WAIT_VAR, 2, 3600)?
            .map(Duration::from_secs)
            .unwrap_or(default.ack_wait);
        let max_deliver = number(MAX_DELIVER_VAR, 2, 100)?.unwrap_or(default.max_deliver);
        Ok(Pacing {
            ack_wait,
            max_deliver,
        })
    }

    /// How often a running handler says it is still working: a quarter of the ack wait, so
    /// that three in-progress acks may be lost before the work is redelivered.
    pub fn progress_every(&self) -> Duration {
        (self.ack_wait / 4).max(Duration::from_millis(500))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacing(vars: &[(&str, &str)]) -> Result<Pacing, String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Pacing::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_when_unset_and_values_when_set() {
        assert_eq!(pacing(&[]).unwrap(), Pacing::default());
        let p = pacing(&[(ACK_WAIT_VAR, "4"), (MAX_DELIVER_VAR, "3")]).unwrap();
        assert_eq!(p.ack_wait, Duration::from_secs(4));
        assert_eq!(p.max_deliver, 3);
        assert_eq!(p.progress_every(), Duration::from_secs(1));
        assert_eq!(Pacing::default().progress_every(), Duration::from_secs(5));
    }

    #[test]
    fn unusable_values_name_their_variable() {
        for (var, value) in [
            (ACK_WAIT_VAR, "1"),
            (ACK_WAIT_VAR, "soon"),
            (MAX_DELIVER_VAR, "1"),
            (MAX_DELIVER_VAR, "101"),
        ] {
            let e = pacing(&[(var, value)]).unwrap_err();
            assert!(e.starts_with(var), "{e}");
        }
    }
}
