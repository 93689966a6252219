//! What telemetry reads from the environment: the log filter (`RUST_LOG`), the log format
//! (`TIQETS_LOG_FORMAT`) and whether traces are exported (`OTEL_EXPORTER_OTLP_ENDPOINT`).
//! Declared in `tiqets_config::shared::TELEMETRY`, read here through a lookup like every
//! other setting, so a bad value stops the service with an error naming the variable.

use std::io::IsTerminal;
use tiqets_config::shared::LOG_FORMAT_VAR;
use tiqets_config::{Env, SettingsError};

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Readable lines, for a person at a terminal or reading `scripts/stack logs`.
    Text,
    /// One JSON object per line, for log collectors (containers).
    Json,
}

/// The telemetry settings of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelemetrySettings {
    /// `TIQETS_LOG_FORMAT`: `text` or `json`; by default text when stderr is a terminal.
    pub log_format: LogFormat,
    /// `RUST_LOG`, default `info`.
    pub log_filter: String,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: traces are exported when it is set.
    pub otlp_endpoint: Option<String>,
}

impl TelemetrySettings {
    /// Reads the process environment (text logs by default when stderr is a terminal).
    pub fn from_env() -> Result<TelemetrySettings, SettingsError> {
        TelemetrySettings::from_lookup(
            |name| std::env::var(name).ok(),
            std::io::stderr().is_terminal(),
        )
    }

    /// Reads through `lookup`; `terminal` says whether stderr is a terminal.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        terminal: bool,
    ) -> Result<TelemetrySettings, SettingsError> {
        let env = Env::new(lookup);
        let log_format = match env.get(LOG_FORMAT_VAR) {
            None if terminal => LogFormat::Text,
            None => LogFormat::Json,
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => {
                    return Err(SettingsError {
                        name: LOG_FORMAT_VAR,
                        value: v,
                        problem: "use text or json".into(),
                    })
                }
            },
        };
        Ok(TelemetrySettings {
            log_format,
            log_filter: env.text("RUST_LOG", "info"),
            otlp_endpoint: env.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)], terminal: bool) -> Result<TelemetrySettings, SettingsError> {
        TelemetrySettings::from_lookup(
            |k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            },
            terminal,
        )
    }

    #[test]
    fn the_format_defaults_to_text_on_a_terminal_and_json_elsewhere() {
        assert_eq!(read(&[], true).unwrap().log_format, LogFormat::Text);
        assert_eq!(read(&[], false).unwrap().log_format, LogFormat::Json);
        assert_eq!(read(&[], false).unwrap().log_filter, "info");
        assert_eq!(read(&[], false).unwrap().otlp_endpoint, None);
    }

    #[test]
    fn a_set_format_wins_whatever_stderr_is() {
        let json = [("TIQETS_LOG_FORMAT", "json")];
        assert_eq!(read(&json, true).unwrap().log_format, LogFormat::Json);
        let text = [("TIQETS_LOG_FORMAT", " Text ")];
        assert_eq!(read(&text, false).unwrap().log_format, LogFormat::Text);
    }

    #[test]
    fn another_format_is_an_error_naming_the_variable() {
        let e = read(&[("TIQETS_LOG_FORMAT", "yaml")], false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "TIQETS_LOG_FORMAT=\"yaml\": use text or json"
        );
    }
}
