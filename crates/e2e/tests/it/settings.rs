//! The service binaries read their settings before connecting: a bad value stops them at
//! once with the variable named, and a deprecated name is used with a warning naming both
//! names, in the log format asked for.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `tiqets-persister` with `env`, NATS and PostgreSQL nowhere (it retries forever).
fn persister(env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(tiqets_e2e::stack::binary("tiqets-persister"));
    cmd.env("NATS_URL", "nats://127.0.0.1:9")
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:9/none")
        .env("TIQETS_HEALTH_ADDR", "off")
        .env("RUST_LOG", "info")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

#[test]
fn a_bad_log_format_stops_the_service_naming_the_variable() {
    let started = Instant::now();
    let out = persister(&[("TIQETS_LOG_FORMAT", "yaml")])
        .output()
        .expect("run tiqets-persister");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("TIQETS_LOG_FORMAT=\"yaml\""), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_deprecated_name_is_used_and_warned_about_in_text_logs() {
    let mut child = persister(&[
        ("PERSISTER_DB_POOL_SIZE", "6"),
        ("TIQETS_LOG_FORMAT", "text"),
    ])
    .spawn()
    .expect("start tiqets-persister");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    let warning = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("PERSISTER_DB_POOL_SIZE is deprecated") => break Some(line),
            Ok(line) => seen.push(line),
            Err(_) => break None,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let warning = warning.unwrap_or_else(|| panic!("no warning in:\n{}", seen.join("\n")));
    assert!(
        warning.contains("TIQETS_PERSISTER_DB_POOL_SIZE"),
        "{warning}"
    );
    assert!(warning.contains("WARN"), "{warning}");
    assert!(
        !warning.trim_start().starts_with('{'),
        "not text: {warning}"
    );
}
