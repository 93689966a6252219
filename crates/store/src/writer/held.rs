//! [`Held`]: a pooled connection that is closed, not returned, unless released.

use deadpool_postgres::{Client, Object};

/// A pooled connection that must not go back to the pool as it is (inside a transaction,
/// or holding a lock) unless [`Held::release`]d: dropped, it is closed.
pub(crate) struct Held(pub(crate) Option<Client>);

impl Held {
    pub(crate) fn client(&self) -> &Client {
        self.0.as_ref().expect("held until released or dropped")
    }

    pub(crate) fn client_mut(&mut self) -> &mut Client {
        self.0.as_mut().expect("held until released or dropped")
    }

    /// Back to the pool: the caller has ended what made it special.
    pub(crate) fn release(mut self) {
        self.0.take();
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            drop(Object::take(client));
        }
    }
}
