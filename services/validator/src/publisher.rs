//! Publishing a file's chunks with a window of unacknowledged publishes.
//!
//! Waiting for each acknowledgement before the next publish would make a large file cost a
//! round trip per chunk; instead up to `window` publishes are in flight, and
//! [`ChunkPublisher::flush`] waits for the rest. Every chunk carries the trace context and
//! its `Nats-Msg-Id` (`{batch}.{file}.{seq}.{attempt}`).

use crate::cutter::Cut;
use crate::error::ValidateError;
use async_nats::header::NATS_MESSAGE_ID;
use async_nats::jetstream::context::PublishAckFuture;
use std::collections::VecDeque;
use tiqets_bus::propagation::traced_headers;
use tiqets_bus::Bus;
use tiqets_contract::BatchRef;
use tiqets_domain::FileKind;

/// Publishes one file's chunks to `{ns}.rows.{batch}.{attempt}.{file}`.
pub struct ChunkPublisher {
    bus: Bus,
    subject: String,
    batch: BatchRef,
    file: FileKind,
    window: usize,
    in_flight: VecDeque<(u32, PublishAckFuture)>,
    published: u32,
}

impl ChunkPublisher {
    pub fn new(bus: Bus, batch: &BatchRef, file: FileKind, window: usize) -> ChunkPublisher {
        let subject = bus
            .names()
            .rows(batch.batch_id.as_str(), batch.attempt, file);
        ChunkPublisher {
            bus,
            subject,
            batch: batch.clone(),
            file,
            window: window.max(1),
            in_flight: VecDeque::new(),
            published: 0,
        }
    }

    /// Sends a chunk; waits only when the window is full.
    pub async fn send(&mut self, cut: Cut) -> Result<(), ValidateError> {
        while self.in_flight.len() >= self.window {
            self.settle_oldest().await?;
        }
        let id = self.bus.names().rows_msg_id(
            self.batch.batch_id.as_str(),
            self.file,
            cut.seq,
            self.batch.attempt,
        );
        let mut headers = traced_headers();
        headers.insert(NATS_MESSAGE_ID, id.as_str());
        let ack = self
            .bus
            .jetstream()
            .publish_with_headers(self.subject.clone(), headers, cut.bytes.into())
            .await
            .map_err(|e| self.error(cut.seq, e))?;
        self.in_flight.push_back((cut.seq, ack));
        Ok(())
    }

    /// Waits until every chunk sent so far is stored.
    pub async fn flush(&mut self) -> Result<(), ValidateError> {
        while !self.in_flight.is_empty() {
            self.settle_oldest().await?;
        }
        Ok(())
    }

    /// Chunks stored so far (duplicates JetStream dropped included).
    pub fn published(&self) -> u32 {
        self.published
    }

    async fn settle_oldest(&mut self) -> Result<(), ValidateError> {
        let Some((seq, ack)) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let ack = ack.await.map_err(|e| self.error(seq, e))?;
        if ack.duplicate {
            tracing::debug!(seq, subject = %self.subject, "chunk already stored");
        }
        self.published += 1;
        Ok(())
    }

    fn error(&self, seq: u32, e: impl std::fmt::Display) -> ValidateError {
        ValidateError::Publish {
            subject: self.subject.clone(),
            seq,
            message: e.to_string(),
        }
    }
}
