//! The output rows' copy into `batch_orders`, summing the tickets per customer on the way
//! (loaded into `batch_customer_tickets` while the orders are indexed). Their barcodes go to
//! `batch_barcodes` after the batch is completed ([`super::SoldCopy`]).

use super::staged::{check_stored, to_i64, Staged};
use crate::error::{Result, StoreError};
use deadpool_postgres::Pool;
use tiqets_contract::BatchId;
use tiqets_domain::output::OrderLine;

/// What the orders copy wrote: for [`BatchWriter::commit`](super::BatchWriter::commit).
#[derive(Debug)]
pub struct OrdersWritten {
    pub(super) rows: u64,
    pub(super) tickets: u64,
    /// Tickets per customer, in customer order.
    pub(super) per_customer: Vec<(i64, i64)>,
}

impl OrdersWritten {
    /// Output rows.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Barcodes of the output rows.
    pub fn tickets(&self) -> u64 {
        self.tickets
    }

    /// Customers with an output row.
    pub fn customers(&self) -> u64 {
        self.per_customer.len() as u64
    }
}

/// The output rows being copied.
pub struct OrdersCopy {
    staged: Staged,
    /// For the tickets per customer, loaded on a connection of their own.
    pool: Pool,
    batch_id: BatchId,
    rows: u64,
    tickets: u64,
    per_customer: Vec<(i64, i64)>,
    last: Option<(i64, i64)>,
}

impl OrdersCopy {
    pub(super) fn new(staged: Staged, pool: Pool, batch_id: BatchId) -> OrdersCopy {
        OrdersCopy {
            staged,
            pool,
            batch_id,
            rows: 0,
            tickets: 0,
            per_customer: Vec::new(),
            last: None,
        }
    }

    /// Adds one output row to the COPY (sent by [`OrdersCopy::send`]); its barcodes are
    /// stored as the list's text. Rows must come in strictly increasing (customer_id,
    /// order_id) order: anything else means the input is corrupt.
    pub fn add(&mut self, row: &OrderLine<'_>) -> Result<()> {
        let (customer_id, order_id) = (row.customer_id, row.order_id);
        let key = (to_i64(customer_id)?, to_i64(order_id)?);
        if self.last.is_some_and(|last| last >= key) {
            return Err(StoreError::Invalid(format!(
                "order {order_id} of customer {customer_id} is out of order or repeated"
            )));
        }
        let n = row.barcodes.len() as i64;
        self.last = Some(key);
        // The rank in output order, for deep pages (see the order position migration).
        let position = to_i64(self.rows + 1)?;
        let w = self.staged.rows();
        w.row(4)
            .int8(key.0)
            .int8(key.1)
            .text(row.barcodes.as_str())
            .int8(position);
        self.rows += 1;
        self.tickets += n as u64;
        match self.per_customer.last_mut() {
            Some((customer, sum)) if *customer == key.0 => *sum += n,
            _ => self.per_customer.push((key.0, n)),
        }
        Ok(())
    }

    /// Sends the rows added so far once they fill a message.
    pub async fn send(&mut self) -> Result<()> {
        self.staged.rows().send().await
    }

    /// [`OrdersCopy::add`], then [`OrdersCopy::send`].
    pub async fn write(&mut self, row: &OrderLine<'_>) -> Result<()> {
        self.add(row)?;
        self.send().await
    }

    /// Ends the COPY, then indexes and commits the staged table while the tickets per
    /// customer (summed as the rows went by) are loaded on another connection.
    pub async fn finish(self) -> Result<OrdersWritten> {
        let OrdersCopy {
            mut staged,
            pool,
            batch_id,
            rows,
            tickets,
            per_customer,
            ..
        } = self;
        let stored = staged.end_copy().await?;
        check_stored("orders", stored, rows)?;
        let load_tickets = async {
            let columns = "customer_id, tickets";
            let mut t = Staged::open(&pool, &batch_id, "batch_customer_tickets", columns).await?;
            for &(customer_id, n) in &per_customer {
                let w = t.rows();
                w.row(2).int8(customer_id).int8(n);
                w.send().await?;
            }
            let stored = t.finish().await?;
            check_stored("customer tickets", stored, per_customer.len() as u64)
        };
        tokio::try_join!(staged.seal(), load_tickets)?;
        Ok(OrdersWritten {
            rows,
            tickets,
            per_customer,
        })
    }
}
