//! Every service binary explains itself without connecting to anything: `--help` lists
//! every variable of its catalogue, `--version` names it, both exit 0 at once; any other
//! argument is a usage error (exit 2).

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tiqets_config::Catalogue;

const CATALOGUES: [&Catalogue; 5] = [
    &tiqets_ingest::SETTINGS,
    &tiqets_validator::SETTINGS,
    &tiqets_merger::SETTINGS,
    &tiqets_persister::SETTINGS,
    &tiqets_api::SETTINGS,
];

/// Runs `program` with `args`, nowhere to connect to: a NATS and a database that do not
/// answer, so a binary that tried would hang or fail instead of answering.
fn run(program: &str, args: &[&str]) -> (Output, Duration) {
    let binary = tiqets_e2e::stack::binary(program);
    let started = Instant::now();
    let output = Command::new(binary)
        .args(args)
        .env("NATS_URL", "nats://192.0.2.1:4222")
        .env("DATABASE_URL", "postgres://nobody@192.0.2.1:5432/none")
        .env("TIQETS_HEALTH_ADDR", "off")
        .stdin(Stdio::null())
        .output()
        .expect("run the binary");
    (output, started.elapsed())
}

#[test]
fn help_lists_every_setting_and_version_names_the_binary() {
    for catalogue in CATALOGUES {
        let program = catalogue.program;
        for flag in ["--help", "-h"] {
            let (out, took) = run(program, &[flag]);
            let help = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{program} {flag}: {help}");
            assert!(
                took < Duration::from_secs(1),
                "{program} {flag} took {took:?}"
            );
            for setting in catalogue.settings() {
                assert!(
                    help.contains(setting.name),
                    "{program} {flag} does not list {}:\n{help}",
                    setting.name
                );
            }
            for deprecated in catalogue.settings().filter(|s| s.is_deprecated()) {
                let line = format!("{}  deprecated: use ", deprecated.name);
                assert!(help.contains(&line), "{program}: {line}\n{help}");
            }
        }
        for flag in ["--version", "-V"] {
            let (out, took) = run(program, &[flag]);
            assert_eq!(out.status.code(), Some(0), "{program} {flag}");
            assert!(
                took < Duration::from_secs(1),
                "{program} {flag} took {took:?}"
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                format!("{program} {}\n", catalogue.version)
            );
        }
    }
}

#[test]
fn any_other_argument_is_a_short_usage_error() {
    for catalogue in CATALOGUES {
        let program = catalogue.program;
        let (out, took) = run(program, &["--port", "8080"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{program}: {err}");
        assert!(took < Duration::from_secs(1), "{program} took {took:?}");
        assert!(out.stdout.is_empty() && err.contains("Usage:"), "{err}");
        assert!(err.lines().count() <= 4, "{err}");
    }
}
