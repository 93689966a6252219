//! One comparison of two async streams: the domain's merge runs on a blocking thread, its
//! inputs fed in chunks through bounded channels, its changes handed back in chunks. At
//! most a few chunks of each are in memory at once.

use super::{ChangeRow, Sink};
use crate::error::{Result, StoreError};
use futures::{Stream, StreamExt};
use std::pin::pin;
use tiqets_domain::diff::{Summary, Unsorted};
use tokio::sync::mpsc;

/// Items per chunk.
const CHUNK: usize = 2048;
/// Chunks in flight per channel.
const DEPTH: usize = 4;

/// An iterator over the chunks a channel receives, for the blocking thread.
fn blocking_items<T>(mut rx: mpsc::Receiver<Vec<T>>) -> impl Iterator<Item = T> {
    std::iter::from_fn(move || rx.blocking_recv()).flatten()
}

/// Sends `stream`'s items in chunks; stops quietly when the merge is gone (it failed or
/// ended: its own result says which).
async fn feed<T>(stream: impl Stream<Item = Result<T>>, tx: mpsc::Sender<Vec<T>>) -> Result<()> {
    let mut stream = pin!(stream);
    let mut chunk = Vec::with_capacity(CHUNK);
    while let Some(item) = stream.next().await {
        chunk.push(item?);
        if chunk.len() == CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            if tx.send(full).await.is_err() {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        let _ = tx.send(chunk).await;
    }
    Ok(())
}

/// Runs `compare` over `old` and `new`, handing the changes to `sink` a chunk at a time
/// (on this task).
pub(super) async fn run<T, C>(
    old: impl Stream<Item = Result<T>>,
    new: impl Stream<Item = Result<T>>,
    sink: &mut Sink<'_>,
    compare: C,
) -> Result<Summary>
where
    T: Send + 'static,
    C: FnOnce(
            Box<dyn Iterator<Item = T> + Send>,
            Box<dyn Iterator<Item = T> + Send>,
            &mut Summary,
            &mut dyn FnMut(ChangeRow),
        ) -> std::result::Result<(), Unsorted>
        + Send
        + 'static,
{
    let (old_tx, old_rx) = mpsc::channel(DEPTH);
    let (new_tx, new_rx) = mpsc::channel(DEPTH);
    let (out_tx, mut out_rx) = mpsc::channel::<Vec<ChangeRow>>(DEPTH);
    let merge = tokio::task::spawn_blocking(move || {
        let mut summary = Summary::default();
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut gone = false;
        let mut each = |row: ChangeRow| {
            if gone {
                return;
            }
            chunk.push(row);
            if chunk.len() == CHUNK {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                gone = out_tx.blocking_send(full).is_err();
            }
        };
        let old = Box::new(blocking_items(old_rx));
        let new = Box::new(blocking_items(new_rx));
        let compared = compare(old, new, &mut summary, &mut each);
        if !chunk.is_empty() {
            let _ = out_tx.blocking_send(chunk);
        }
        compared.map(|()| summary)
    });
    let drain = async {
        while let Some(rows) = out_rx.recv().await {
            sink.put(rows).await?;
        }
        Ok::<_, StoreError>(())
    };
    tokio::try_join!(feed(old, old_tx), feed(new, new_tx), drain)?;
    let compared = merge
        .await
        .map_err(|e| StoreError::Invalid(format!("the comparison stopped: {e}")))?;
    compared.map_err(|e| StoreError::Invalid(format!("comparing two batches: {e}")))
}
