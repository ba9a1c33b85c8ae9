//! Repeated member names (RFC 8259 §4), found in O(n log n) for any input.

use crate::map::Pair;

/// Finds repeated names among `entries` in O(n log n) and returns whether there were any.
/// With `keep_last`, each repeated name is left once, at its first position, with its last
/// value (as JavaScript's `JSON.parse` and Python's `json.loads` read it); without, `entries`
/// is left unchanged and the caller refuses the object.
pub(crate) fn dedup(entries: &mut Vec<Pair>, keep_last: bool) -> bool {
    let n = entries.len();
    // Small objects (nearly all of them): compare pairwise, without allocating.
    if n < 2
        || (n <= 8
            && entries
                .iter()
                .enumerate()
                .all(|(i, (k, _))| entries.iter().skip(i + 1).all(|(o, _)| o != k)))
    {
        return false;
    }
    // Sorted by (hash, name), equal names become adjacent runs; in a run, the smallest
    // position is the first occurrence and the largest the last. The hash makes nearly every
    // comparison one integer comparison (names often share long prefixes: URLs); equal hashes
    // fall back to the names, so crafted collisions cost comparisons, never correctness.
    let mut order: Vec<Key<'_>> = entries
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (fnv1a(k.as_bytes()), k.as_bytes(), i))
        .collect();
    heapsort(&mut order);
    let mut moves = Vec::new();
    let mut dropped = Vec::new();
    for run in order.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)).filter(|run| run.len() > 1) {
        if !keep_last {
            return true;
        }
        let positions = run.iter().map(|&(_, _, i)| i);
        let first = positions.clone().min().unwrap_or(0);
        moves.push((first, positions.clone().max().unwrap_or(0)));
        dropped.extend(positions.filter(|&i| i != first));
    }
    drop(order);
    if moves.is_empty() {
        return false;
    }
    for (first, last) in moves {
        let value = entries.get_mut(last).map(|(_, v)| core::mem::take(v));
        if let (Some(value), Some((_, slot))) = (value, entries.get_mut(first)) {
            *slot = value;
        }
    }
    let mut keep = vec![true; n];
    for i in dropped {
        if let Some(k) = keep.get_mut(i) {
            *k = false;
        }
    }
    let mut i = 0;
    entries.retain(|_| {
        i += 1;
        keep.get(i - 1).copied().unwrap_or(true)
    });
    true
}

/// A member as sorted by [`dedup`]: name hash, name, position.
type Key<'a> = (u64, &'a [u8], usize);

/// FNV-1a, 64 bits: a few instructions per byte, and good enough to spread distinct names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Sorts by (hash, name): an in-place heapsort, O(n log n) comparisons whatever the input,
/// no allocation, no recursion, and a few hundred bytes of wasm (core's `sort_unstable` costs
/// ~3.5 KB per instantiation).
fn heapsort(v: &mut [Key<'_>]) {
    fn less(v: &[Key<'_>], i: usize, j: usize) -> bool {
        match (v.get(i), v.get(j)) {
            (Some(a), Some(b)) => a.0 < b.0 || (a.0 == b.0 && a.1 < b.1),
            _ => false,
        }
    }
    fn sift_down(v: &mut [Key<'_>], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                break;
            }
            if child + 1 < end && less(v, child, child + 1) {
                child += 1;
            }
            if !less(v, root, child) {
                break;
            }
            v.swap(root, child);
            root = child;
        }
    }
    let n = v.len();
    for start in (0..n / 2).rev() {
        sift_down(v, start, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    fn entries(names: &[&str]) -> Vec<Pair> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| ((*n).to_owned(), Value::from(i)))
            .collect()
    }

    #[test]
    fn repeated_names_keep_first_position_and_last_value() {
        let mut e = entries(&["a", "b", "a", "c", "b", "a"]);
        assert!(dedup(&mut e, true));
        assert_eq!(e, entries(&["a", "b", "c"]).into_iter().zip([5, 4, 3])
            .map(|((k, _), v)| (k, Value::from(v))).collect::<Vec<_>>());
        let mut e = entries(&["x", "y", "z"]);
        assert!(!dedup(&mut e, true));
        assert_eq!(e.len(), 3);
    }

    #[test]
    fn heapsort_sorts_any_order() {
        let names: Vec<String> = (0..500).map(|i| format!("{}", (i * 7919) % 263)).collect();
        // Constant hashes: every comparison falls back to the names.
        let mut v: Vec<Key<'_>> = names.iter().enumerate().map(|(i, n)| (7, n.as_bytes(), i)).collect();
        heapsort(&mut v);
        assert!(v.windows(2).all(|w| w[0].1 <= w[1].1));
        let mut small: Vec<Key<'_>> = vec![(2, b"a", 0), (1, b"b", 1)];
        heapsort(&mut small);
        assert_eq!(small, [(1, &b"b"[..], 1), (2, &b"a"[..], 0)]);
        heapsort(&mut []);
    }

    #[test]
    fn refusing_mode_leaves_members_alone() {
        let names: Vec<String> = (0..20).map(|i| format!("k{}", i % 19)).collect();
        let mut e = entries(&names.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(dedup(&mut e, false));
        assert_eq!(e.len(), 20);
    }
}
