//! Creating the namespace's streams, consumers and bucket: idempotent, and safe when several
//! replicas start at once (a create that loses the race finds the winner's).
//!
//! Works with NATS 2.9: one filter subject per consumer, no per-message TTL. The byte limits
//! a deployment gives each stream and the bucket are [`ByteLimits`] (`limits.rs`).

use crate::client::Bus;
use crate::error::BusError;
use crate::pacing::Pacing;
use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy};
use async_nats::jetstream::object_store;
use async_nats::jetstream::stream::{self, DiscardPolicy, RetentionPolicy, StorageType};
use std::time::Duration;
use tiqets_contract::{Names, Stage};

mod limits;

pub use limits::ByteLimits;

/// How long the status recorder's consumer waits for an ack before redelivering (the work
/// consumers' ack wait is a setting, [`Pacing`]).
pub const STATUS_ACK_WAIT: Duration = Duration::from_secs(30);
/// Deliveries of a status event: unlimited (`-1`). The recorder waits out a PostgreSQL
/// outage holding the event it is on while the events fetched with it are redelivered
/// every ack wait, so a limit would drop events for having waited; recording is idempotent,
/// and an event that cannot be recorded (undecodable) is dead-lettered at once.
pub const STATUS_MAX_DELIVER: i64 = -1;
/// The duplicate window of the work, rows and status streams: a re-published message with
/// the same `Nats-Msg-Id` within it is dropped.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(30 * 60);

const DAY: Duration = Duration::from_secs(24 * 3600);

/// How long the file bucket keeps an object (a batch's input files and result objects):
/// far past any redelivery of the work that reads them (ack wait × deliveries is minutes),
/// after which they are only a copy (results are in PostgreSQL and the output folder, the
/// input files in the archive folder). A pair published again after that is stored again.
pub const FILES_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

/// The stream configurations of a namespace.
pub fn stream_configs(names: &Names) -> Vec<stream::Config> {
    vec![
        stream::Config {
            name: names.work_stream(),
            description: Some("Tiqets work queue: one message per unit of work".into()),
            subjects: vec![names.work_subjects()],
            retention: RetentionPolicy::WorkQueue,
            storage: StorageType::File,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        },
        stream::Config {
            name: names.rows_stream(),
            description: Some("Tiqets validated row chunks".into()),
            subjects: vec![names.rows_subjects()],
            retention: RetentionPolicy::Limits,
            storage: StorageType::File,
            max_age: DAY,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        },
        stream::Config {
            name: names.status_stream(),
            description: Some("Tiqets batch status events and notices".into()),
            subjects: names.status_subjects(),
            retention: RetentionPolicy::Limits,
            storage: StorageType::File,
            // The last status of a batch decides whether a repeated pair is processed again,
            // so status is kept without an age limit, bounded per batch.
            max_messages_per_subject: 1000,
            duplicate_window: DUPLICATE_WINDOW,
            discard: DiscardPolicy::Old,
            ..Default::default()
        },
        stream::Config {
            name: names.dead_stream(),
            description: Some("Tiqets dead letters: work that exhausted its deliveries".into()),
            subjects: vec![names.dead_subjects()],
            retention: RetentionPolicy::Limits,
            storage: StorageType::File,
            max_age: 30 * DAY,
            ..Default::default()
        },
    ]
}

/// The durable pull consumer of a stage on the work stream, paced by `pacing`.
pub fn work_consumer_config(names: &Names, stage: Stage, pacing: Pacing) -> pull::Config {
    pull::Config {
        durable_name: Some(stage.consumer().to_string()),
        description: Some(format!("Tiqets {} stage", stage.as_str())),
        filter_subject: names.work(stage),
        ack_policy: AckPolicy::Explicit,
        deliver_policy: DeliverPolicy::All,
        ack_wait: pacing.ack_wait,
        max_deliver: pacing.max_deliver as i64,
        ..Default::default()
    }
}

/// The persister's durable consumer of status events.
pub fn status_consumer_config(names: &Names) -> pull::Config {
    pull::Config {
        durable_name: Some(names.status_consumer().to_string()),
        description: Some("Tiqets status recorder".into()),
        filter_subject: names.status_all(),
        ack_policy: AckPolicy::Explicit,
        deliver_policy: DeliverPolicy::All,
        ack_wait: STATUS_ACK_WAIT,
        max_deliver: STATUS_MAX_DELIVER,
        ..Default::default()
    }
}

/// Makes sure every stream, consumer and the file bucket of the namespace exist (one
/// replica each when created here).
pub async fn ensure(bus: &Bus) -> Result<(), BusError> {
    ensure_replicated(bus, 1).await
}

/// [`ensure`] with `replicas` copies of every stream and of the bucket on a JetStream
/// cluster (`tiqets-admin setup-nats --replicas 3`). An existing stream with fewer replicas is
/// raised to `replicas`; one with more is left as it is.
pub async fn ensure_replicated(bus: &Bus, replicas: usize) -> Result<(), BusError> {
    ensure_with(bus, replicas, None).await
}

/// [`ensure_replicated`], and with `limits` every stream and the bucket get their byte
/// limit, existing ones too (`tiqets-admin setup-nats`). Without, the byte limits of existing
/// streams are left as they are and new ones have none: services creating what is missing
/// on a server without users (development, tests) reserve no storage.
pub async fn ensure_with(
    bus: &Bus,
    replicas: usize,
    limits: Option<&ByteLimits>,
) -> Result<(), BusError> {
    let names = bus.names();
    let replicas = replicas.max(1);
    for config in stream_configs(names) {
        let config = stream::Config {
            num_replicas: replicas,
            ..config
        };
        let config = match limits {
            Some(l) => l.apply(names, config),
            None => config,
        };
        ensure_stream(bus, config.clone()).await?;
        if limits.is_some() {
            set_byte_limit(bus, &config.name, config.max_bytes, config.discard).await?;
        }
    }
    for stage in Stage::ALL {
        ensure_consumer(
            bus,
            &names.work_stream(),
            work_consumer_config(names, stage, bus.pacing()),
        )
        .await?;
    }
    ensure_consumer(bus, &names.status_stream(), status_consumer_config(names)).await?;
    ensure_files_bucket(bus, replicas, limits.map(|l| l.files)).await
}

/// Gives an existing stream `max_bytes` and `discard` when it has others.
async fn set_byte_limit(
    bus: &Bus,
    name: &str,
    max_bytes: i64,
    discard: DiscardPolicy,
) -> Result<(), BusError> {
    let js = bus.jetstream();
    let mut stream = js
        .get_stream(name)
        .await
        .map_err(|e| BusError::setup("stream", name, e))?;
    let info = stream
        .info()
        .await
        .map_err(|e| BusError::setup("stream", name, e))?;
    if info.config.max_bytes == max_bytes && info.config.discard == discard {
        return Ok(());
    }
    let config = stream::Config {
        max_bytes,
        discard,
        ..info.config.clone()
    };
    js.update_stream(config)
        .await
        .map_err(|e| BusError::setup("stream", name, e))?;
    tracing::info!(stream = %name, max_bytes, "stream byte limit set");
    Ok(())
}

/// Creates a stream unless it exists (an existing one is left as it is).
pub async fn ensure_stream(bus: &Bus, config: stream::Config) -> Result<(), BusError> {
    let js = bus.jetstream();
    let name = config.name.clone();
    for attempt in 0..3 {
        match js.get_or_create_stream(config.clone()).await {
            Ok(mut existing) => {
                return raise_replicas(bus, &mut existing, config.num_replicas).await
            }
            // Another replica created it between our lookup and our create: look again.
            Err(e) if attempt < 2 => {
                tracing::debug!(stream = %name, error = %e, "stream create raced, retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(BusError::setup("stream", &name, e)),
        }
    }
    unreachable!("the last attempt returns")
}

/// Raises `stream` to `replicas` copies when it has fewer.
async fn raise_replicas(
    bus: &Bus,
    stream: &mut stream::Stream,
    replicas: usize,
) -> Result<(), BusError> {
    let info = stream
        .info()
        .await
        .map_err(|e| BusError::setup("stream", "info", e))?;
    if info.config.num_replicas >= replicas {
        return Ok(());
    }
    let name = info.config.name.clone();
    let config = stream::Config {
        num_replicas: replicas,
        ..info.config.clone()
    };
    bus.jetstream()
        .update_stream(config)
        .await
        .map_err(|e| BusError::setup("stream", &name, e))?;
    tracing::info!(stream = %name, replicas, "stream replicas raised");
    Ok(())
}

/// Creates a durable pull consumer unless it exists; an existing one whose ack wait or
/// delivery limit differ from `config`'s gets them (the [`Pacing`] settings changed). Only
/// the setup user may change consumers: for a service's own user that is refused, which is
/// logged, not fatal (`tiqets-admin setup-nats` applies it).
pub async fn ensure_consumer(
    bus: &Bus,
    stream_name: &str,
    config: pull::Config,
) -> Result<(), BusError> {
    let name = config.durable_name.clone().unwrap_or_default();
    let stream = bus
        .jetstream()
        .get_stream_no_info(stream_name)
        .await
        .map_err(|e| BusError::setup("stream", stream_name, e))?;
    for attempt in 0..3 {
        match stream
            .get_or_create_consumer::<pull::Config>(&name, config.clone())
            .await
        {
            Ok(mut existing) => {
                repace(&stream, &mut existing, &config).await;
                return Ok(());
            }
            Err(e) if attempt < 2 => {
                tracing::debug!(consumer = %name, error = %e, "consumer create raced, retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(BusError::setup("consumer", &name, e)),
        }
    }
    unreachable!("the last attempt returns")
}

/// Gives `existing` the ack wait and delivery limit of `wanted` when they differ.
async fn repace(
    stream: &stream::Stream<()>,
    existing: &mut async_nats::jetstream::consumer::Consumer<pull::Config>,
    wanted: &pull::Config,
) {
    let info = match existing.info().await {
        Ok(info) => info.config.clone(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read a consumer's configuration");
            return;
        }
    };
    if info.ack_wait == wanted.ack_wait && info.max_deliver == wanted.max_deliver {
        return;
    }
    let name = wanted.durable_name.clone().unwrap_or_default();
    let config = async_nats::jetstream::consumer::Config {
        ack_wait: wanted.ack_wait,
        max_deliver: wanted.max_deliver,
        ..info
    };
    // NATS 2.9 updates a durable consumer by creating it again with its editable fields
    // changed (ack wait and delivery limit are).
    match stream.create_consumer(config).await {
        Ok(_) => tracing::info!(
            consumer = %name,
            ack_wait_s = wanted.ack_wait.as_secs(),
            max_deliver = wanted.max_deliver,
            "consumer pacing changed"
        ),
        Err(e) => {
            tracing::warn!(consumer = %name, error = %e, "cannot change the consumer's pacing")
        }
    }
}

/// Creates the file bucket (with `replicas` copies, objects kept [`FILES_MAX_AGE`], at most
/// `max_bytes` when given) unless it exists; an existing one with fewer replicas is raised,
/// one created without an age limit gets it, and with `max_bytes` it gets that limit.
pub async fn ensure_files_bucket(
    bus: &Bus,
    replicas: usize,
    max_bytes: Option<i64>,
) -> Result<(), BusError> {
    let js = bus.jetstream();
    let bucket = bus.names().files_bucket();
    for attempt in 0..3 {
        if js.get_object_store(&bucket).await.is_ok() {
            let name = format!("OBJ_{bucket}");
            let mut stream = js
                .get_stream(&name)
                .await
                .map_err(|e| BusError::setup("stream", &name, e))?;
            limit_files_age(bus, &mut stream).await;
            raise_replicas(bus, &mut stream, replicas).await?;
            if let Some(max) = max_bytes {
                set_byte_limit(bus, &name, max, DiscardPolicy::New).await?;
            }
            return Ok(());
        }
        let created = js
            .create_object_store(object_store::Config {
                bucket: bucket.clone(),
                description: Some("Tiqets input files and results".into()),
                storage: StorageType::File,
                num_replicas: replicas.max(1),
                max_age: FILES_MAX_AGE,
                max_bytes: max_bytes.unwrap_or(-1),
                ..Default::default()
            })
            .await;
        match created {
            Ok(_) => {
                if let Some(max) = max_bytes {
                    let name = format!("OBJ_{bucket}");
                    set_byte_limit(bus, &name, max, DiscardPolicy::New).await?;
                }
                return Ok(());
            }
            Err(e) if attempt < 2 => {
                tracing::debug!(%bucket, error = %e, "bucket create raced, retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(BusError::setup("object store", &bucket, e)),
        }
    }
    unreachable!("the last attempt returns")
}

/// Gives a file bucket created without an age limit (by an earlier version) its
/// [`FILES_MAX_AGE`]. Only the setup user may change streams: for the services' own users
/// this is refused, which is logged, not fatal (`tiqets-admin setup-nats` applies it).
async fn limit_files_age(bus: &Bus, stream: &mut stream::Stream) {
    let config = match stream.info().await {
        Ok(info) if info.config.max_age.is_zero() => info.config.clone(),
        Ok(_) => return,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the file bucket's configuration");
            return;
        }
    };
    let name = config.name.clone();
    let limited = stream::Config {
        max_age: FILES_MAX_AGE,
        ..config
    };
    match bus.jetstream().update_stream(limited).await {
        Ok(_) => {
            tracing::info!(stream = %name, max_age_s = FILES_MAX_AGE.as_secs(), "file bucket age limit set")
        }
        Err(e) => {
            tracing::warn!(stream = %name, error = %e, "the file bucket keeps objects forever; `tiqets-admin setup-nats` sets its age limit")
        }
    }
}

/// Deletes every stream, consumer and the bucket of the namespace (tests, teardown).
pub async fn delete_all(bus: &Bus) -> Result<(), BusError> {
    let js = bus.jetstream();
    let names = bus.names();
    for config in stream_configs(names) {
        let _ = js.delete_stream(&config.name).await;
    }
    let _ = js.delete_object_store(names.files_bucket()).await;
    Ok(())
}

#[cfg(test)]
mod tests;
