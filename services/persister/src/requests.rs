//! Answering core NATS requests (`{ns}.admin.*`) in the `persister` queue group: one replica
//! answers each, as JSON.

use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;
use tiqets_bus::Bus;
use tokio_util::sync::CancellationToken;

/// Answers each request on `subject` with what `answer` makes of it (the request decoded, or
/// why it could not be) until `shutdown` fires.
pub async fn serve<Req, Rep, F, Fut>(
    bus: &Bus,
    subject: String,
    shutdown: CancellationToken,
    answer: F,
) where
    Req: DeserializeOwned,
    Rep: Serialize,
    F: Fn(Result<Req, String>) -> Fut,
    Fut: Future<Output = Rep>,
{
    let client = bus.client().clone();
    let mut requests = match client
        .queue_subscribe(subject.clone(), "persister".into())
        .await
    {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(%subject, error = %e, "cannot take requests");
            return;
        }
    };
    loop {
        let msg = tokio::select! {
            _ = shutdown.cancelled() => return,
            msg = requests.next() => msg,
        };
        let Some(msg) = msg else { return };
        let Some(reply_to) = msg.reply.clone() else {
            continue;
        };
        let request = serde_json::from_slice::<Req>(&msg.payload).map_err(|e| e.to_string());
        let reply = answer(request).await;
        let body = serde_json::to_vec(&reply).unwrap_or_default();
        if let Err(e) = client.publish(reply_to, body.into()).await {
            tracing::warn!(%subject, error = %e, "a reply was not sent");
        }
    }
}
