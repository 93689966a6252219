//! Deleting batches: on request (`{ns}.admin.delete`, from the api's `DELETE
//! /api/batches/{id}` or `tiqets-admin delete-batch`), and by the retention settings after
//! each completed batch. The persister owns a batch's storage: its rows in PostgreSQL
//! (dropped with `tiqets_store::drop_batch`, under the batch's lock, in one transaction:
//! a reader sees the whole batch or none of it), its output folder and its objects in the
//! file bucket. Each deletion is
//! announced by a `deleted` notice, which the api replicas read to forget their cached
//! answers about the batch.

use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};
use tiqets_bus::{Bus, RowsOf};
use tiqets_contract::{
    BatchId, BatchStatus, DeleteReply, DeleteRequest, Freed, Notice, NoticeKind, ResultFile,
};
use tiqets_domain::FileKind;
use tiqets_store::{queries, Pool, StoreError};
use tokio_util::sync::CancellationToken;

/// How many ended batches, and for how long, are kept (None: no limit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// `TIQETS_RETENTION_KEEP_BATCHES`: the newest N ended batches.
    pub keep_batches: Option<u32>,
    /// `TIQETS_RETENTION_KEEP_DAYS`: batches that ended in the last D days.
    pub keep_days: Option<u32>,
}

impl Retention {
    /// Of `ended` (newest first, with when each ended), those to delete at `now`.
    pub fn expired<'a>(
        &self,
        ended: &'a [(String, OffsetDateTime)],
        now: OffsetDateTime,
    ) -> Vec<&'a str> {
        ended
            .iter()
            .enumerate()
            .filter(|(rank, (_, at))| {
                let too_many = self.keep_batches.is_some_and(|n| *rank >= n as usize);
                let too_old = self
                    .keep_days
                    .is_some_and(|d| now - *at > Duration::days(i64::from(d)));
                too_many || too_old
            })
            .map(|(_, (id, _))| id.as_str())
            .collect()
    }
}

/// Deletes batches. Cheap to clone.
#[derive(Clone)]
pub struct Remover {
    bus: Bus,
    pool: Pool,
    output_dir: PathBuf,
}

impl Remover {
    pub fn new(bus: Bus, pool: Pool, output_dir: impl Into<PathBuf>) -> Remover {
        Remover {
            bus,
            pool,
            output_dir: output_dir.into(),
        }
    }

    /// Deletes `id`: refused while it is in flight, and for the current batch unless
    /// `force`.
    pub async fn delete(&self, id: &BatchId, force: bool) -> DeleteReply {
        match self.try_delete(id, force).await {
            Ok(reply) => reply,
            Err(e) => {
                tracing::warn!(batch_id = %id, error = %e, "deleting a batch failed");
                DeleteReply::Failed {
                    message: format!("deleting batch {id} failed: {e}; try again"),
                }
            }
        }
    }

    async fn try_delete(&self, id: &BatchId, force: bool) -> Result<DeleteReply, StoreError> {
        let Some(batch) = queries::batch(&self.pool, id.as_str()).await? else {
            return Ok(DeleteReply::NotFound {
                message: format!("no batch with id {id}"),
            });
        };
        if !matches!(batch.status, BatchStatus::Completed | BatchStatus::Failed) {
            return Ok(DeleteReply::InUse {
                message: format!(
                    "batch {id} is {}: it can be deleted once it has completed or failed",
                    batch.status
                ),
            });
        }
        let current = queries::current_batch(&self.pool).await?;
        if !force && current.is_some_and(|c| c.id == batch.id) {
            return Ok(DeleteReply::InUse {
                message: format!(
                    "batch {id} is the current batch (the last completed): delete it with \
                     force=true, and the batch completed before it becomes current"
                ),
            });
        }
        let Some((rows, database_bytes)) =
            tiqets_store::drop_batch(&self.pool, id.as_str()).await?
        else {
            return Ok(DeleteReply::NotFound {
                message: format!("no batch with id {id}"),
            });
        };
        let file_bytes = remove_folder(&self.output_dir.join(id.as_str())).await;
        let object_bytes = self.remove_objects(id).await;
        if let Err(e) = self.bus.purge_rows(id.as_str(), RowsOf::Batch).await {
            // Its chunks go with the rows stream's age limit.
            tracing::warn!(batch_id = %id, error = %e, "the batch's row chunks were not dropped");
        }
        let freed = Freed {
            rows,
            database_bytes,
            file_bytes,
            object_bytes,
        };
        tracing::info!(batch_id = %id, rows, database_bytes, file_bytes, object_bytes, "batch deleted");
        let notice = Notice {
            batch_id: id.clone(),
            name: batch.name.clone(),
            at: OffsetDateTime::now_utc(),
            kind: NoticeKind::Deleted { freed },
            message: format!("batch {id} was deleted"),
        };
        if let Err(e) = self.bus.publish_notice(&notice, None).await {
            // The api replicas then keep cached answers of the batch until they restart;
            // its reads answer 404 from the database.
            tracing::warn!(batch_id = %id, error = %e, "the deleted notice was not published");
        }
        Ok(DeleteReply::Deleted { freed })
    }

    /// Removes the batch's input and result objects from the file bucket (those not expired
    /// yet); returns their bytes. A failure is logged: the bucket's age limit removes them
    /// anyway.
    async fn remove_objects(&self, id: &BatchId) -> u64 {
        let names = self.bus.names();
        let keys = [FileKind::Orders, FileKind::Barcodes]
            .map(|f| names.input_key(id.as_str(), f))
            .into_iter()
            .chain(ResultFile::ALL.map(|f| names.result_key(id.as_str(), f)));
        let files = match self.bus.files().await {
            Ok(files) => files,
            Err(e) => {
                tracing::warn!(batch_id = %id, error = %e, "the batch's objects were not removed");
                return 0;
            }
        };
        let mut bytes = 0;
        for key in keys {
            let Ok(info) = files.info(&key).await else {
                continue;
            };
            if info.deleted {
                continue;
            }
            match files.delete(&key).await {
                Ok(()) => bytes += info.size as u64,
                Err(e) => {
                    tracing::warn!(batch_id = %id, key, error = %e, "an object was not removed")
                }
            }
        }
        bytes
    }

    /// Deletes the ended batches `policy` does not keep (never the current one). Returns
    /// the ids deleted.
    pub async fn prune(&self, policy: &Retention) -> Result<Vec<String>, StoreError> {
        if *policy == Retention::default() {
            return Ok(Vec::new());
        }
        let ended = queries::ended_batches(&self.pool).await?;
        let mut deleted = Vec::new();
        for id in policy.expired(&ended, OffsetDateTime::now_utc()) {
            let Ok(id) = BatchId::parse(id) else { continue };
            match self.delete(&id, false).await {
                DeleteReply::Deleted { .. } => deleted.push(id.to_string()),
                DeleteReply::InUse { .. } | DeleteReply::NotFound { .. } => {}
                DeleteReply::Failed { message } => {
                    return Err(StoreError::Invalid(message));
                }
            }
        }
        Ok(deleted)
    }

    /// Answers delete requests on `{ns}.admin.delete` (a queue group: one persister
    /// replica answers each) until `shutdown`.
    pub async fn serve(self, shutdown: CancellationToken) {
        let subject = self.bus.names().admin_delete();
        let bus = self.bus.clone();
        crate::requests::serve(
            &bus,
            subject,
            shutdown,
            |request: Result<DeleteRequest, String>| {
                let remover = self.clone();
                async move {
                    match request {
                        Ok(req) => remover.delete(&req.batch_id, req.force).await,
                        Err(e) => DeleteReply::Failed {
                            message: format!("not a delete request: {e}"),
                        },
                    }
                }
            },
        )
        .await
    }
}

/// Removes a batch's output folder; returns the bytes of the files in it (0 when there is
/// none).
async fn remove_folder(dir: &Path) -> u64 {
    let mut bytes = 0;
    if let Ok(mut entries) = tokio::fs::read_dir(dir).await {
        while let Ok(Some(entry)) = entries.next_entry().await {
            if let Ok(meta) = entry.metadata().await {
                bytes += meta.len();
            }
        }
    }
    match tokio::fs::remove_dir_all(dir).await {
        Ok(()) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "an output folder was not removed");
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_keeps_the_newest_n_and_the_last_d_days() {
        let now = time::macros::datetime!(2026-12-06 12:00 UTC);
        let ended: Vec<(String, OffsetDateTime)> = (0..5)
            .map(|i| (format!("b{i}"), now - Duration::days(i * 3)))
            .collect();
        let ids = |r: Retention| r.expired(&ended, now);
        assert!(ids(Retention::default()).is_empty());
        let n = |k| Retention {
            keep_batches: Some(k),
            keep_days: None,
        };
        assert_eq!(ids(n(2)), ["b2", "b3", "b4"]);
        let d = Retention {
            keep_batches: None,
            keep_days: Some(7),
        };
        assert_eq!(ids(d), ["b3", "b4"]);
        let both = Retention {
            keep_batches: Some(4),
            keep_days: Some(7),
        };
        assert_eq!(ids(both), ["b3", "b4"]);
    }
}
