//! `tiqets-admin replay-status [--batch BATCH_ID] [--dry-run]`: puts the dead-lettered
//! status events (`{ns}.dead.status`, see docs/events.md) back on their status subjects,
//! once the cause is fixed, so that the persister's status recorder records them again.
//! Each replayed dead letter is removed from the dead-letter stream; recording is forward
//! only, so an event replayed twice, or after a later one, changes nothing.
//!
//! Dead-lettered *work* is not replayed: its batch ended `failed` when it was
//! dead-lettered, and `tiqets-admin retry` queues the batch again as a new attempt.

use anyhow::Context;
use async_nats::header::NATS_MESSAGE_ID;
use async_nats::jetstream::consumer::{pull, DeliverPolicy};
use async_nats::HeaderMap;
use futures::StreamExt;
use std::time::Duration;
use tiqets_bus::consumer::dead_letter::{DEAD_HEADERS, DEAD_REASON, DEAD_SUBJECT};
use tiqets_bus::Bus;
use tiqets_contract::{BatchId, Names, StatusEvent};

#[derive(clap::Args)]
pub struct Args {
    /// Replay only this batch's events.
    #[arg(long = "batch")]
    batch_id: Option<String>,
    /// List what would be replayed, and replay nothing.
    #[arg(long)]
    dry_run: bool,
    /// NATS server.
    #[arg(long, env = "NATS_URL", default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
    /// Namespace: prefix of every subject, stream, consumer and bucket.
    #[arg(long, env = "TIQETS_NAMESPACE", default_value = tiqets_config::DEFAULT_NAMESPACE)]
    namespace: String,
}

/// How long to wait for the next dead letter the stream said it holds.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A dead-lettered status event to put back.
#[derive(Debug)]
pub struct Replay {
    pub subject: String,
    pub headers: HeaderMap,
    pub event: StatusEvent,
    pub reason: String,
}

/// What to do with one dead letter: `Ok(None)` when `only` filters it out, `Err` (kept,
/// with why) when it cannot be replayed.
pub fn replay_of(
    names: &Names,
    headers: Option<&HeaderMap>,
    payload: &[u8],
    only: Option<&BatchId>,
) -> Result<Option<Replay>, String> {
    let header = |name: &str| headers.and_then(|h| h.get(name)).map(|v| v.to_string());
    let subject =
        header(DEAD_SUBJECT).ok_or("it does not say its original subject (Tiqets-Dead-Subject)")?;
    let event: StatusEvent = serde_json::from_slice(payload)
        .map_err(|e| format!("it is not a status event ({e}): replayed, it would fail again"))?;
    if subject != names.status(event.batch_id.as_str()) {
        return Err(format!(
            "its original subject {subject} is not the status subject of batch {}",
            event.batch_id
        ));
    }
    if only.is_some_and(|id| *id != event.batch_id) {
        return Ok(None);
    }
    // The original headers (trace context) without the dead letter's, and without the
    // message id: JetStream would drop the replay as a duplicate within its window.
    let mut kept = HeaderMap::new();
    let msg_id = NATS_MESSAGE_ID.to_string();
    if let Some(h) = headers {
        for (name, values) in h.iter() {
            let name: &str = name.as_ref();
            if DEAD_HEADERS.contains(&name) || name.eq_ignore_ascii_case(&msg_id) {
                continue;
            }
            for value in values {
                kept.append(name, value.as_str());
            }
        }
    }
    Ok(Some(Replay {
        subject,
        headers: kept,
        event,
        reason: header(DEAD_REASON).unwrap_or_default(),
    }))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let only = args.batch_id.as_deref().map(crate::batch_id).transpose()?;
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let names = Names::new(args.namespace.clone());
        let bus = Bus::connect(&args.nats_url, names.clone(), "tiqets-admin-replay").await?;
        let (replayed, kept) = replay(&bus, only.as_ref(), args.dry_run).await?;
        let verb = if args.dry_run {
            "to replay"
        } else {
            "replayed"
        };
        println!("{replayed} status events {verb}, {kept} kept");
        Ok(())
    })
}

/// Replays (or lists) the dead-lettered status events; returns how many were replayed and
/// how many kept.
async fn replay(bus: &Bus, only: Option<&BatchId>, dry_run: bool) -> anyhow::Result<(u64, u64)> {
    let names = bus.names();
    let stream_name = names.dead_stream();
    let stream = bus
        .jetstream()
        .get_stream(&stream_name)
        .await
        .with_context(|| format!("cannot open the stream {stream_name}"))?;
    let consumer = stream
        .create_consumer(pull::OrderedConfig {
            filter_subject: names.dead_status(),
            deliver_policy: DeliverPolicy::All,
            ..Default::default()
        })
        .await
        .context("cannot read the dead letters")?;
    let mut pending = consumer.cached_info().num_pending;
    let mut messages = consumer.messages().await?;
    let (mut replayed, mut kept) = (0, 0);
    while pending > 0 {
        let msg = tokio::time::timeout(READ_TIMEOUT, messages.next())
            .await
            .context("the dead letters stopped coming")?
            .context("the dead letters ended early")?
            .map_err(|e| anyhow::anyhow!("cannot read a dead letter: {e}"))?;
        let info = msg.info().map_err(|e| anyhow::anyhow!("{e}"))?;
        let seq = info.stream_sequence;
        pending = info.pending;
        let replay = match replay_of(names, msg.headers.as_ref(), &msg.payload, only) {
            Ok(Some(replay)) => replay,
            Ok(None) => continue,
            Err(why) => {
                println!("kept dead letter #{seq}: {why}");
                kept += 1;
                continue;
            }
        };
        let e = &replay.event;
        println!(
            "{} #{seq}: {} of batch {} (attempt {}), dead-lettered for: {}",
            if dry_run { "would replay" } else { "replaying" },
            e.status,
            e.batch_id,
            e.attempt,
            replay.reason
        );
        if dry_run {
            replayed += 1;
            continue;
        }
        bus.publish_bytes(
            replay.subject.clone(),
            None,
            replay.headers,
            msg.payload.clone(),
        )
        .await
        .with_context(|| format!("cannot publish on {}", replay.subject))?;
        // Published first: a crash in between replays it twice, which records nothing new.
        stream
            .delete_message(seq)
            .await
            .with_context(|| format!("replayed, but dead letter #{seq} was not removed"))?;
        replayed += 1;
    }
    Ok((replayed, kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiqets_contract::BatchStatus;

    fn dead(names: &Names, id: &str) -> (HeaderMap, Vec<u8>) {
        let event = StatusEvent::new(BatchId::parse(id).unwrap(), "n", BatchStatus::Merging, 2);
        let mut h = HeaderMap::new();
        h.insert("traceparent", "00-abc-def-01");
        h.insert(NATS_MESSAGE_ID, "x.status.merging.2");
        h.insert("Tiqets-Dead-Reason", "the database refused it");
        h.insert("Tiqets-Dead-Subject", names.status(id).as_str());
        h.insert("Tiqets-Dead-Stream-Seq", "7");
        h.insert("Tiqets-Dead-Deliveries", "1");
        (h, serde_json::to_vec(&event).unwrap())
    }

    #[test]
    fn a_dead_status_event_goes_back_to_its_subject_without_the_dead_headers_or_its_id() {
        let names = Names::new("t");
        let (h, payload) = dead(&names, "b1");
        let r = replay_of(&names, Some(&h), &payload, None)
            .unwrap()
            .unwrap();
        assert_eq!(r.subject, "t.status.b1");
        assert_eq!(r.event.status, BatchStatus::Merging);
        assert_eq!(r.event.attempt, 2);
        assert_eq!(r.reason, "the database refused it");
        assert_eq!(
            r.headers.get("traceparent").unwrap().as_str(),
            "00-abc-def-01"
        );
        for name in DEAD_HEADERS {
            assert!(r.headers.get(name).is_none(), "{name}");
        }
        assert!(r.headers.get(NATS_MESSAGE_ID).is_none());
    }

    #[test]
    fn another_batch_is_passed_over_and_a_broken_letter_kept() {
        let names = Names::new("t");
        let (h, payload) = dead(&names, "b1");
        let other = BatchId::parse("b2").unwrap();
        assert!(replay_of(&names, Some(&h), &payload, Some(&other))
            .unwrap()
            .is_none());
        let mine = BatchId::parse("b1").unwrap();
        assert!(replay_of(&names, Some(&h), &payload, Some(&mine))
            .unwrap()
            .is_some());
        let why = replay_of(&names, Some(&h), b"{", None).unwrap_err();
        assert!(why.contains("not a status event"), "{why}");
        let why = replay_of(&names, None, &payload, None).unwrap_err();
        assert!(why.contains("Tiqets-Dead-Subject"), "{why}");
        // A letter whose subject is not its event's status subject is not sent anywhere.
        let mut wrong = h.clone();
        wrong.insert("Tiqets-Dead-Subject", "t.work.persist");
        let why = replay_of(&names, Some(&wrong), &payload, None).unwrap_err();
        assert!(why.contains("not the status subject"), "{why}");
    }
}
