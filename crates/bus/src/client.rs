//! [`Bus`]: a NATS connection, its JetStream context and the namespace's [`Names`], with
//! the publishing helpers every service uses (JSON, trace headers, `Nats-Msg-Id`, waiting
//! for the JetStream acknowledgement).

use crate::auth::NatsAuth;
use crate::error::BusError;
use crate::pacing::Pacing;
use crate::propagation::inject_current;
use crate::tls::NatsTls;
use async_nats::header::NATS_MESSAGE_ID;
use async_nats::jetstream::{self, context::PublishAckFuture, object_store::ObjectStore};
use async_nats::HeaderMap;
use bytes::Bytes;
use serde::Serialize;
use std::time::Duration;
use tiqets_contract::{BatchId, Names, Notice, StatusEvent, Work};
use tiqets_telemetry::shutdown::until_ready;
use tokio_util::sync::CancellationToken;

pub use async_nats::jetstream::publish::PublishAck;

/// How long a JetStream request (publish ack, stream info, …) may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to NATS in one namespace. Cheap to clone.
#[derive(Clone)]
pub struct Bus {
    client: async_nats::Client,
    js: jetstream::Context,
    names: Names,
    pacing: Pacing,
}

impl Bus {
    /// Connects once with the credentials and TLS settings of the environment
    /// ([`NatsAuth::from_env`]: `TIQETS_NATS_USER` + `TIQETS_NATS_PASSWORD`, none when unset;
    /// [`NatsTls::from_env`]: `TIQETS_NATS_TLS`, `TIQETS_NATS_CA_FILE`,
    /// `TIQETS_NATS_CERT_FILE` + `TIQETS_NATS_KEY_FILE`) and the consumers' [`Pacing::from_env`]
    /// (`TIQETS_ACK_WAIT_SECS`, `TIQETS_MAX_DELIVER`); fails when a setting is unusable
    /// (the error names the variable), the server is not reachable or refuses them.
    pub async fn connect(url: &str, names: Names, client_name: &str) -> Result<Bus, BusError> {
        let settings_error = |message: String| BusError::Connect {
            url: url.to_string(),
            message,
        };
        let auth = NatsAuth::from_env().map_err(|e| settings_error(e.to_string()))?;
        let tls = NatsTls::from_env().map_err(|e| settings_error(e.to_string()))?;
        let pacing = Pacing::from_env().map_err(settings_error)?;
        let bus = Bus::connect_with(url, names, client_name, &auth, &tls).await?;
        Ok(bus.with_pacing(pacing))
    }

    /// Connects once presenting `auth`, with async-nats' default TLS (a `tls://` URL or a
    /// server that requires TLS is checked against the system's roots).
    pub async fn connect_as(
        url: &str,
        names: Names,
        client_name: &str,
        auth: &NatsAuth,
    ) -> Result<Bus, BusError> {
        Bus::connect_with(url, names, client_name, auth, &NatsTls::default()).await
    }

    /// Connects once presenting `auth`, with the TLS settings `tls` (their files checked
    /// first: an unusable one is an error naming its variable).
    pub async fn connect_with(
        url: &str,
        names: Names,
        client_name: &str,
        auth: &NatsAuth,
        tls: &NatsTls,
    ) -> Result<Bus, BusError> {
        let failed = |message: String| BusError::Connect {
            url: url.to_string(),
            message,
        };
        tls.check().map_err(|e| failed(e.to_string()))?;
        let options = async_nats::ConnectOptions::new()
            .name(client_name)
            .connection_timeout(Duration::from_secs(5));
        let client = tls
            .apply(auth.apply(options))
            .connect(url)
            .await
            .map_err(|e| {
                let mut message = error_chain(&e);
                // A server without TLS answers the handshake with plain protocol text,
                // which rustls reports as a corrupt message: say what was asked for.
                if tls.require
                    && matches!(
                        e.kind(),
                        async_nats::ConnectErrorKind::Io | async_nats::ConnectErrorKind::Tls
                    )
                {
                    message.push_str(&format!(
                        " ({}=require: is TLS enabled on the server?)",
                        crate::tls::TLS_VAR
                    ));
                }
                failed(message)
            })?;
        Ok(Bus::from_client(client, names))
    }

    /// Connects, retrying with back-off (up to 10 s apart) until it succeeds or `shutdown`
    /// fires (then `None`). For services that start before NATS does. The settings are read
    /// again at each try, so an unusable one (logged with its variable at every try) keeps
    /// the service from starting until it is fixed, e.g. a Secret corrected in place.
    pub async fn connect_retrying(
        url: &str,
        names: Names,
        client_name: &str,
        shutdown: &CancellationToken,
    ) -> Option<Bus> {
        let connect = || Bus::connect(url, names.clone(), client_name);
        // Every connection error is worth another try: `Err` never comes back.
        until_ready(shutdown, "NATS connect", connect, |_| true)
            .await
            .ok()
            .flatten()
    }

    /// Wraps an existing client.
    pub fn from_client(client: async_nats::Client, names: Names) -> Bus {
        let mut js = jetstream::new(client.clone());
        js.set_timeout(REQUEST_TIMEOUT);
        Bus {
            client,
            js,
            names,
            pacing: Pacing::default(),
        }
    }

    /// This connection with `pacing` for the consumers it sets up and runs.
    pub fn with_pacing(self, pacing: Pacing) -> Bus {
        Bus { pacing, ..self }
    }

    pub fn names(&self) -> &Names {
        &self.names
    }

    /// The ack wait and delivery limit of the work consumers ([`Pacing`]).
    pub fn pacing(&self) -> Pacing {
        self.pacing
    }

    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    pub fn jetstream(&self) -> &jetstream::Context {
        &self.js
    }

    /// Whether the connection is up (for readiness checks).
    pub fn is_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// The namespace's file bucket (created by [`crate::setup::ensure`]).
    pub async fn files(&self) -> Result<ObjectStore, BusError> {
        let bucket = self.names.files_bucket();
        self.js
            .get_object_store(&bucket)
            .await
            .map_err(|e| BusError::read(format!("object store {bucket}"), e))
    }

    /// Publishes `payload` with the current trace context and, when given, a
    /// `Nats-Msg-Id` (JetStream drops a second message with the same id within the stream's
    /// duplicate window). Returns once JetStream has stored it.
    pub async fn publish_bytes(
        &self,
        subject: String,
        msg_id: Option<&str>,
        mut headers: HeaderMap,
        payload: Bytes,
    ) -> Result<PublishAck, BusError> {
        inject_current(&mut headers);
        if let Some(id) = msg_id {
            headers.insert(NATS_MESSAGE_ID, id);
        }
        let ack: PublishAckFuture = self
            .js
            .publish_with_headers(subject.clone(), headers, payload)
            .await
            .map_err(|e| BusError::publish(&subject, e))?;
        let ack = ack.await.map_err(|e| BusError::publish(&subject, e))?;
        if ack.duplicate {
            tracing::debug!(%subject, msg_id, "duplicate publish dropped by JetStream");
        }
        Ok(ack)
    }

    /// Publishes `value` as JSON (see [`Bus::publish_bytes`]).
    pub async fn publish_json<T: Serialize + ?Sized>(
        &self,
        subject: String,
        msg_id: Option<&str>,
        value: &T,
    ) -> Result<PublishAck, BusError> {
        let payload = serde_json::to_vec(value).map_err(|source| BusError::Encode {
            subject: subject.clone(),
            source,
        })?;
        self.publish_bytes(subject, msg_id, HeaderMap::new(), payload.into())
            .await
    }

    /// Publishes a work message on its stage's subject with id
    /// `{batch}.{stage}.{attempt}`, or `{batch}.{stage}.{attempt}.{tag}` for a work with a
    /// [`Work::msg_id_tag`].
    pub async fn publish_work<W: Work>(&self, work: &W) -> Result<PublishAck, BusError> {
        let b = work.batch();
        let mut id = self
            .names
            .work_msg_id(b.batch_id.as_str(), W::STAGE, b.attempt);
        if let Some(tag) = work.msg_id_tag() {
            id = format!("{id}.{tag}");
        }
        let ack = self
            .publish_json(self.names.work(W::STAGE), Some(&id), work)
            .await?;
        Ok(ack)
    }

    /// Publishes a lifecycle status event, with id `{batch}.status.{status}.{attempt}`, so
    /// a stage that runs again (a redelivery) does not report the same step twice.
    pub async fn publish_status(&self, event: &StatusEvent) -> Result<PublishAck, BusError> {
        let id = self.names.status_msg_id(
            event.batch_id.as_str(),
            event.status.as_str(),
            event.attempt,
        );
        self.publish_json(self.names.status(event.batch_id.as_str()), Some(&id), event)
            .await
    }

    /// Publishes a progress update (same status, new `progress`/`counts`), without an id.
    pub async fn publish_progress(&self, event: &StatusEvent) -> Result<PublishAck, BusError> {
        self.publish_json(self.names.status(event.batch_id.as_str()), None, event)
            .await
    }

    /// Publishes a notice on `{ns}.notice.{batch}`.
    pub async fn publish_notice(
        &self,
        notice: &Notice,
        msg_id: Option<&str>,
    ) -> Result<PublishAck, BusError> {
        self.publish_json(self.names.notice(notice.batch_id.as_str()), msg_id, notice)
            .await
    }

    /// The latest status event of a batch, if any was published.
    pub async fn last_status(&self, batch: &BatchId) -> Result<Option<StatusEvent>, BusError> {
        use async_nats::jetstream::stream::LastRawMessageErrorKind;
        let stream_name = self.names.status_stream();
        let stream = self
            .js
            .get_stream_no_info(&stream_name)
            .await
            .map_err(|e| BusError::read(format!("stream {stream_name}"), e))?;
        let subject = self.names.status(batch.as_str());
        match stream.get_last_raw_message_by_subject(&subject).await {
            Ok(msg) => {
                serde_json::from_slice(&msg.payload)
                    .map(Some)
                    .map_err(|e| BusError::Decode {
                        what: format!("status event {subject}#{}", msg.sequence),
                        message: e.to_string(),
                    })
            }
            Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(None),
            Err(e) => Err(BusError::read(format!("last message on {subject}"), e)),
        }
    }
}

/// An error and its sources, `: `-separated (async-nats' connect errors keep the reason, such
/// as an untrusted certificate, in their source).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}
