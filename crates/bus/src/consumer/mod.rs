//! The consumer loop: pull a message, hand it to a [`Handler`], and map the [`Outcome`] to
//! the acknowledgement.
//!
//! - [`Outcome::Ack`] → ack.
//! - [`Outcome::Retry`] → nak with a growing delay; on the last delivery worked on (the one
//!   before `max_deliver`) it is treated as fatal.
//! - A delivery numbered `max_deliver` is not handed to the handler: every delivery before
//!   it was interrupted (killed, OOM, stalled past the ack wait), so the work is poisoned.
//!   It is dead-lettered as fatal, with a reason saying how often it was interrupted, and
//!   the typed [`run_work`] publishes `failed` for its batch.
//! - [`Outcome::Fatal`] → a copy goes to the dead-letter subject (original headers plus
//!   `Tiqets-Dead-*`), [`Handler::dead`] runs (the typed [`run_work`] publishes `failed`
//!   there), and the message is terminated.
//!
//! While a handler runs, an in-progress ack is sent every
//! [`ConsumerOptions::progress_every`] (a quarter of the ack wait, [`crate::Pacing`]).
//! Messages are fetched one batch at a time (one message by default), so a replica never
//! hoards work another could do. On shutdown the loop stops fetching, lets the running
//! handler finish within `drain_timeout`, and otherwise releases the message (nak without
//! delay) so another replica takes it at once. A fetch or connection error never ends the
//! loop: it is logged, the namespace's streams and consumers are ensured again, and the loop
//! retries with back-off.
//!
//! The loop records the metrics of [`crate::metrics`] (messages by outcome, failures,
//! redeliveries, handling time, rows, and the consumer's lag) for every consumer service.
//!
//! # Layout
//! - `outcome.rs`: [`Outcome`], what a handler made of a message.
//! - `delivery.rs`: [`Delivery`], one delivered message and its delivery count.
//! - `handler.rs`: [`Handler`], what the loop hands each message to.
//! - `options.rs`: [`ConsumerOptions`], where the loop reads and its delays.
//! - `run.rs`: [`run_consumer`], the loop itself (fetch, span, in-progress acks, drain).
//! - `settle.rs`: the outcome mapped to ack / nak / dead letter, and carried out.
//! - `dead_letter.rs`: the copy on the dead-letter subject and its headers.
//! - `backoff.rs`: the wait after a fetch or connection error.
//! - `typed.rs`: [`WorkHandler`], [`run_work`] and [`run_work_with`], for one kind of work.
//! - `stage.rs`: [`serve_stage`], a stateless stage service from connect to shutdown.

mod backoff;
pub mod dead_letter;
mod delivery;
mod handler;
mod options;
mod outcome;
mod run;
mod settle;
mod stage;
mod typed;

pub use delivery::Delivery;
pub use handler::Handler;
pub use options::ConsumerOptions;
pub use outcome::Outcome;
pub use run::run_consumer;
pub use stage::serve_stage;
pub use typed::{run_work, run_work_with, WorkHandler};
