//! The allocator of `tiqets`: mimalloc instead of the system's.
//!
//! A batch is a handful of large arrays (rows, sort keys, barcodes), each allocated, filled
//! once and freed while the next is being built. With glibc every one of them is a fresh
//! `mmap`, so a 1M-order batch took about 110,000 page faults and a `munmap` per array: a
//! quarter of the CPU time went to the kernel (bench/results.md). mimalloc serves them from
//! arenas backed by transparent huge pages (one fault per 2 MiB) and hands freed memory to
//! the next array.
//!
//! Freed memory is given back to the system at once ([`PURGE_DELAY`] = 0) instead of after
//! mimalloc's default delay of a second: otherwise every array of a batch would stay
//! resident until the end and the peak would grow by half, for no measurable gain.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (v3 numbering; `libmimalloc-sys` does not name it):
/// milliseconds before freed memory is returned to the system.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets the allocator's options; call first thing in `main`. `MIMALLOC_PURGE_DELAY` in the
/// environment, which mimalloc reads itself, wins.
pub fn configure() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: setting an option is a plain store into mimalloc's option table.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_configured() {
        // mimalloc's documented default purge delay is 1000 ms: a different value would
        // mean the option numbering moved and `configure` sets another option.
        let default = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        assert_eq!(default, 1000);
        configure();
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 0);
    }
}
