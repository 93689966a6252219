//! A batch merged in partitions (`docs/architecture.md`, "The partitioned merge"), so that
//! no step holds more than a part of it, and several workers can share it.
//!
//! The rules are those of [`crate::merge()`], applied where they can be decided locally:
//!
//! 1. **Split.** Each valid order row goes to partition `of_order(order_id)`, each valid
//!    barcode row to partition `of_barcode(barcode)`, in file order ([`codec`]).
//! 2. **Barcode step, one per partition** ([`barcode_step`]). Every row of a barcode is in
//!    its partition, so rule 2 (first row wins) and rule 3 (unused) are decided there. The
//!    kept sold barcodes go on to the partition of their order.
//! 3. **Order step, one per partition** ([`order_step`]). Every row of an order, and every
//!    kept barcode sold to it, is in its partition: rules 1, 4 and 5, and the partition's
//!    output rows sorted by customer then order (rule 6).
//! 4. **Combine** ([`combine`]). The partitions' sorted runs are merged into the three
//!    result files, with the batch's tickets per customer (rule 7) and the issue limit
//!    applied across partitions: each step itemised the first issues of each code by line
//!    in its part, so the first of the whole file are among them.
//!
//! The output is byte for byte what [`crate::process()`] writes, for any number of
//! partitions: [`local::process_partitioned`] runs the steps in one process, and the
//! reference-model property test holds it to that.

pub mod codec;
pub mod combine;
pub mod local;
mod steps;

#[cfg(test)]
mod tests;

pub use combine::{
    combine_issues, combine_processed, combine_unused, Issues, Processed, TopCustomers,
};
pub use local::{process_partitioned, Partitioned};
pub use steps::{barcode_step, order_step, StepIssues};

/// How a batch is cut into partitions. A row's partition depends only on its key, by a
/// hash fixed here (a change of it between versions would mix two plans in one batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    parts: u32,
}

impl Plan {
    /// The most partitions a batch is cut into.
    pub const MAX_PARTS: u32 = 1024;

    /// A plan of `parts` partitions (1 to [`Plan::MAX_PARTS`]).
    pub fn new(parts: u32) -> Plan {
        assert!(
            (1..=Plan::MAX_PARTS).contains(&parts),
            "{parts} partitions is out of range"
        );
        Plan { parts }
    }

    pub fn parts(self) -> u32 {
        self.parts
    }

    /// The partition of an order (and of the barcodes sold to it, in the order step).
    pub fn of_order(self, order_id: u64) -> u32 {
        (mix(order_id) % u64::from(self.parts)) as u32
    }

    /// The partition of a barcode's rows in the barcode step.
    pub fn of_barcode(self, barcode: &[u8]) -> u32 {
        // FNV-1a, then mixed: stable across platforms and versions.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in barcode {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        (mix(h) % u64::from(self.parts)) as u32
    }
}

/// The splitmix64 finaliser: consecutive ids spread evenly over the partitions.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
