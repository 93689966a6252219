//! A stable LSD radix sort by a `u64` key whose scratch space the caller provides.
//!
//! The merge sorts tens of millions of rows; a sort that allocates its own scratch takes as
//! much new memory again as it sorts, and new memory is faulted in page by page. Here the
//! caller can hand in memory it no longer needs (the barcode rows once they are split into
//! the parts to sort), already resident.

/// Sorts `v` by `key`, stably, 8 bits at a time, skipping the bytes in which all keys
/// agree. `scratch` must be at least as long as `v`; its contents are overwritten.
pub(super) fn sort_by_key<T: Copy>(v: &mut [T], scratch: &mut [T], key: impl Fn(&T) -> u64) {
    let n = v.len();
    let scratch = &mut scratch[..n];
    let mut counts = [[0usize; 256]; 8];
    for x in v.iter() {
        let k = key(x);
        for (digit, c) in counts.iter_mut().enumerate() {
            c[((k >> (8 * digit)) & 0xff) as usize] += 1;
        }
    }
    let mut sorted_in_v = true;
    for (digit, c) in counts.iter_mut().enumerate() {
        if c.contains(&n) {
            continue; // every key has the same byte here
        }
        let mut sum = 0;
        for slot in c.iter_mut() {
            (*slot, sum) = (sum, sum + *slot);
        }
        let shift = 8 * digit;
        if sorted_in_v {
            scatter(v, scratch, c, |x| ((key(x) >> shift) & 0xff) as usize);
        } else {
            scatter(scratch, v, c, |x| ((key(x) >> shift) & 0xff) as usize);
        }
        sorted_in_v = !sorted_in_v;
    }
    if !sorted_in_v {
        v.copy_from_slice(scratch);
    }
}

/// Like [`sort_by_key`], with scratch space of its own.
pub(crate) fn sort_by_key_alloc<T: Copy>(v: &mut [T], key: impl Fn(&T) -> u64) {
    if v.len() < 2 {
        return;
    }
    let mut scratch = v.to_vec();
    sort_by_key(v, &mut scratch, key);
}

/// Moves each element of `src` to `dst[next[bucket]]`, in order.
#[inline]
fn scatter<T: Copy>(
    src: &[T],
    dst: &mut [T],
    next: &mut [usize; 256],
    bucket: impl Fn(&T) -> usize,
) {
    for x in src {
        let b = bucket(x);
        dst[next[b]] = *x;
        next[b] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_like_the_standard_sort() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for (n, spread) in [
            (0, 1),
            (1, 1),
            (2, 7),
            (1000, 13),
            (50_000, 1 << 40),
            (50_000, u64::MAX),
        ] {
            let items: Vec<(u64, usize)> = (0..n)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (if spread == u64::MAX { x } else { x % spread }, i)
                })
                .collect();
            let mut expected = items.clone();
            expected.sort_by_key(|p| p.0); // stable
            let mut got = items.clone();
            sort_by_key_alloc(&mut got, |p| p.0);
            assert_eq!(got, expected, "n = {n}, spread = {spread}");
            // With a longer scratch that holds other data.
            let mut got = items.clone();
            let mut scratch = vec![(7, 7); n + 5];
            sort_by_key(&mut got, &mut scratch, |p| p.0);
            assert_eq!(got, expected, "n = {n}, spread = {spread}, own scratch");
        }
    }
}
