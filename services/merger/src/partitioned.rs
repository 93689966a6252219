//! A batch merged in partitions (`docs/events.md`, "The partitioned merge"): the steps of
//! `tiqets_domain::partition`, each one a [`MergeWork`] of its own on the work queue, so
//! that the merger replicas share the batch, and each step holds one partition.
//!
//! - [`split`](split::split): the start. Reads the validated chunks and writes each valid
//!   row to its partition's object, then sends a barcode step per partition.
//! - [`barcodes`](steps::barcodes), one per partition: rules 2 and 3. The last one to
//!   finish sends an order step per partition.
//! - [`orders`](steps::orders), one per partition: rules 1, 4, 5 and 6. The last one to
//!   finish sends the combine.
//! - [`combine`](combine::combine): the three result files from the partitions' runs, and
//!   the `PersistWork`; then the partitions' objects are deleted ([`store::Parts::delete`]).
//!
//! Every object a step writes is a function of its inputs, stored under a fixed key
//! ([`tiqets_contract::PartObject`]), and a step's `done` object is written after all its
//! others: a step run twice (a redelivery, a replica killed) writes the same bytes again,
//! or finds its `done` and skips to what follows. "The last one to finish" is whichever
//! step finds every `done` of its kind after writing its own (at least one does); the next
//! steps' messages carry fixed `Nats-Msg-Id`s, so JetStream keeps one of each.

mod combine;
mod split;
mod steps;
mod store;

pub use combine::combine;
pub use split::split;
pub use steps::{barcodes, orders};
pub use store::Parts;

use crate::error::MergeError;
use tiqets_contract::MergeWork;
use tiqets_domain::partition::Plan;
use tiqets_domain::FileKind;

/// Peak memory of a merge step per byte of its partition of the input files, at most: a
/// step holds its rows, their sorted copies and the merge's tables. Measured with
/// `bench/pipeline xlarge` (each step logs its peak): the order steps reached 6.3 bytes per
/// byte of their partition (`docs/architecture.md`, "Capacity").
pub const MEMORY_PER_INPUT_BYTE: u64 = 7;

/// Peak memory of a whole merge (the batch's rows in the domain's compact books, as the CLI
/// merges) per byte of the input files, at most, over [`WHOLE_BASE_BYTES`]. Measured with
/// `bench/pipeline`: 324 MiB at most at 1M orders (89 MB of files), 1,416 MB at 5M (468 MB).
/// A batch is merged whole when that fits the budget: it costs a third of the partitioned
/// merge's CPU and no trips through the file bucket.
pub const WHOLE_MEMORY_PER_INPUT_BYTE: u64 = 4;
/// The merger's memory apart from a whole merge's rows: runtime, connection, buffers.
pub const WHOLE_BASE_BYTES: u64 = 64 << 20;

/// The most partitions a batch is cut into: the barcode steps write `parts²` objects.
/// A batch of more than `MAX_PARTS × memory_bytes / MEMORY_PER_INPUT_BYTE` of input (with
/// the default budget, about 4.9 GB of files) is refused ([`MergeError::TooLarge`]) rather
/// than merged over the budget.
pub const MAX_PARTS: u32 = 64;

/// The partitions `work`'s batch is merged in when a step may use `memory_bytes`: one (the
/// whole batch at once) when a whole merge of both files fits ([`WHOLE_MEMORY_PER_INPUT_BYTE`])
/// or they fit one partition; an error when [`MAX_PARTS`] would not hold it.
pub fn plan(work: &MergeWork, memory_bytes: u64) -> Result<Plan, MergeError> {
    let input = work.inputs.get(FileKind::Orders).size + work.inputs.get(FileKind::Barcodes).size;
    plan_for(input, memory_bytes)
}

/// [`plan`] for `input` bytes of files.
fn plan_for(input: u64, memory_bytes: u64) -> Result<Plan, MergeError> {
    let whole = input
        .saturating_mul(WHOLE_MEMORY_PER_INPUT_BYTE)
        .saturating_add(WHOLE_BASE_BYTES);
    if whole <= memory_bytes {
        return Ok(Plan::new(1));
    }
    let per_part = (memory_bytes / MEMORY_PER_INPUT_BYTE).max(1);
    let parts = input.div_ceil(per_part).max(1);
    if parts > u64::from(MAX_PARTS) {
        return Err(MergeError::TooLarge {
            input,
            budget: memory_bytes,
            needed: input.div_ceil(u64::from(MAX_PARTS)) * MEMORY_PER_INPUT_BYTE,
        });
    }
    Ok(Plan::new(parts as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_cut_into_the_partitions_its_budget_needs() {
        let budget = 700;
        assert_eq!(plan_for(100, budget).unwrap().parts(), 1);
        assert_eq!(plan_for(101, budget).unwrap().parts(), 2);
        assert_eq!(plan_for(6400, budget).unwrap().parts(), 64);
    }

    #[test]
    fn a_batch_whose_whole_merge_fits_is_merged_whole() {
        let budget = 512 << 20;
        // 1M orders (89 MB of files) at the default budget: whole, in 420 MiB at most.
        assert_eq!(plan_for(89_000_000, budget).unwrap().parts(), 1);
        let most = (budget - WHOLE_BASE_BYTES) / WHOLE_MEMORY_PER_INPUT_BYTE;
        assert_eq!(plan_for(most, budget).unwrap().parts(), 1);
        // One byte more is cut into partitions of a seventh of the budget.
        let parts = (most + 1).div_ceil(budget / MEMORY_PER_INPUT_BYTE);
        assert_eq!(plan_for(most + 1, budget).unwrap().parts() as u64, parts);
        assert_eq!(parts, 2);
    }

    #[test]
    fn a_batch_beyond_the_most_partitions_is_refused_with_the_budget_it_needs() {
        let err = plan_for(6401, 700).unwrap_err();
        assert!(matches!(
            err,
            MergeError::TooLarge {
                input: 6401,
                budget: 700,
                needed: 707
            }
        ));
        assert!(
            !tiqets_contract::Failure::is_transient(&err),
            "retrying cannot help"
        );
        assert!(
            err.to_string().contains("TIQETS_MERGER_MEMORY_BYTES"),
            "{err}"
        );
    }
}
