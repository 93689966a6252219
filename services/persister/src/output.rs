//! `TIQETS_OUTPUT_DIR/{batch_id}/`: the output files, written to temporary names and
//! renamed into place together once complete, so a reader never sees half a file.

use crate::error::PersistError;
use std::path::{Path, PathBuf};
use tokio::fs::File;

/// The output files of one batch being written.
pub struct OutputFiles {
    dir: PathBuf,
    /// (temporary path, final path) of every file handed out.
    pending: Vec<(PathBuf, PathBuf)>,
}

impl OutputFiles {
    /// Makes sure `{output_dir}/{batch_id}/` exists.
    pub async fn create(output_dir: &Path, batch_id: &str) -> Result<OutputFiles, PersistError> {
        let dir = output_dir.join(batch_id);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|source| PersistError::Output {
                path: dir.clone(),
                source,
            })?;
        Ok(OutputFiles {
            dir,
            pending: Vec::new(),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new temporary file that [`OutputFiles::publish`] renames to `name`.
    pub async fn file(&mut self, name: &str) -> Result<(PathBuf, File), PersistError> {
        let temp = self
            .dir
            .join(format!(".{name}.{:08x}.tmp", rand::random::<u32>()));
        let file = File::create(&temp)
            .await
            .map_err(|source| PersistError::Output {
                path: temp.clone(),
                source,
            })?;
        self.pending.push((temp.clone(), self.dir.join(name)));
        Ok((temp, file))
    }

    /// Renames every file into place and makes the renames durable.
    pub async fn publish(mut self) -> Result<(), PersistError> {
        for (temp, path) in std::mem::take(&mut self.pending) {
            tokio::fs::rename(&temp, &path)
                .await
                .map_err(|source| PersistError::Output { path, source })?;
        }
        let dir = self.dir.clone();
        let synced = async { File::open(&dir).await?.sync_all().await }.await;
        synced.map_err(|source| PersistError::Output { path: dir, source })
    }

    /// Whether `name` is in place.
    pub async fn exists(output_dir: &Path, batch_id: &str, name: &str) -> bool {
        tokio::fs::try_exists(output_dir.join(batch_id).join(name))
            .await
            .unwrap_or(false)
    }
}

impl Drop for OutputFiles {
    fn drop(&mut self) {
        // Not published: leave no temporary files behind.
        for (temp, _) in &self.pending {
            let _ = std::fs::remove_file(temp);
        }
    }
}
