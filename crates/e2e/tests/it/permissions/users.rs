//! The NATS users of `nats.conf`: a private server running that file with a password per
//! user, connections as one of them, and what each may or may not publish.

use async_nats::{Client, ConnectOptions, Event, ServerError};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tiqets_bus::NatsAuth;
use tiqets_testkit::OwnedNats;
use tokio::sync::mpsc;

const USERS: [&str; 6] = ["setup", "ingest", "api", "validator", "merger", "persister"];

pub(super) fn config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/k8s/base/nats/nats.conf")
}

pub(super) fn password(user: &str) -> String {
    format!("test-{user}-{}", std::process::id())
}

fn password_var(user: &str) -> String {
    format!("NATS_{}_PASSWORD", user.to_ascii_uppercase())
}

pub(super) fn start_server() -> OwnedNats {
    let env: Vec<(String, String)> = USERS
        .iter()
        .map(|u| (password_var(u), password(u)))
        .collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    OwnedNats::start_with_config(&config(), &env).expect("nats-server with nats.conf")
}

pub(super) fn auth(user: &str) -> NatsAuth {
    NatsAuth::UserPassword {
        user: user.to_string(),
        password: password(user),
    }
}

/// A connection as `user` whose server errors (permission violations) arrive on the receiver.
pub(super) async fn connect(url: &str, user: &str) -> (Client, mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let client = ConnectOptions::new()
        .user_and_password(user.into(), password(user))
        .event_callback(move |event| {
            let tx = tx.clone();
            async move {
                if let Event::ServerError(ServerError::Other(message)) = event {
                    let _ = tx.send(message);
                }
            }
        })
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect as {user}: {e}"));
    (client, rx)
}

/// Sends a request to `subject` as the connection's user and returns whether it was
/// answered; a refused one must come with the server's permission violation naming it.
pub(super) async fn request(
    client: &Client,
    errors: &mut mpsc::UnboundedReceiver<String>,
    subject: &str,
    payload: &'static str,
) -> Result<String, String> {
    while errors.try_recv().is_ok() {}
    // A refused publish is never answered; the server's -ERR arrives instead.
    tokio::select! {
        reply = client.request(subject.to_string(), payload.into()) => match reply {
            Ok(msg) => Ok(String::from_utf8_lossy(&msg.payload).into_owned()),
            Err(e) => Err(format!("request failed without a server error: {e}")),
        },
        error = errors.recv() => Err(error.unwrap_or_default()),
        _ = tokio::time::sleep(Duration::from_secs(5)) => Err("no answer, no error".into()),
    }
}

/// Asserts that `user` is refused publishing to `subject` with a permission violation.
pub(super) async fn assert_denied(url: &str, user: &str, subject: &str) {
    let (client, mut errors) = connect(url, user).await;
    match request(&client, &mut errors, subject, "{}").await {
        Ok(reply) => panic!("{user} may publish to {subject} (answered {reply})"),
        Err(error) => {
            let lower = error.to_ascii_lowercase();
            assert!(
                lower.contains("permissions violation for publish") && error.contains(subject),
                "{user} → {subject}: expected a permission violation, got {error:?}"
            );
        }
    }
}

/// Asserts that `user` may publish to `subject` (the server answers).
pub(super) async fn assert_allowed(url: &str, user: &str, subject: &str) {
    let (client, mut errors) = connect(url, user).await;
    if let Err(error) = request(&client, &mut errors, subject, "{}").await {
        panic!("{user} → {subject} refused: {error:?}");
    }
}
