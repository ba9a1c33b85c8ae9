//! A JSON object's members (RFC 8259 §4): a `Vec` in insertion order, with unique names.
//!
//! Lookups are linear, which for the small objects of JOSE headers, claims, JWKs and JSON-RPC
//! messages is faster and far smaller in code than a tree or hash map. Attacker-sized objects
//! only go through [`dedup`] (once per object, O(n log n)) and through whole-map passes
//! (`retain`, iteration), never through a lookup per member.

use core::fmt;

use crate::Value;

type Pair = (String, Value);

/// A JSON object: members in insertion order, each name at most once.
///
/// Spelled `Map<String, Value>` as in serde_json (the parameters exist for that spelling; only
/// `Map<String, Value>` has methods). Unlike serde_json's default (sorted) map, iteration and
/// written JSON follow insertion (or document) order. Equality ignores order.
#[derive(Clone, Default)]
pub struct Map<K = String, V = Value> {
    entries: Vec<(K, V)>,
}

/// Iterator over `(&name, &value)`, in order.
pub type Iter<'a> = core::iter::Map<core::slice::Iter<'a, Pair>, fn(&'a Pair) -> (&'a String, &'a Value)>;
/// Iterator over `(&name, &mut value)`, in order.
pub type IterMut<'a> =
    core::iter::Map<core::slice::IterMut<'a, Pair>, fn(&'a mut Pair) -> (&'a String, &'a mut Value)>;
/// Owning iterator over `(name, value)`, in order.
pub type IntoIter = std::vec::IntoIter<Pair>;

fn by_ref(pair: &Pair) -> (&String, &Value) {
    (&pair.0, &pair.1)
}

fn by_mut(pair: &mut Pair) -> (&String, &mut Value) {
    (&pair.0, &mut pair.1)
}

impl Map {
    /// An empty map.
    pub fn new() -> Map {
        Map {
            entries: Vec::new(),
        }
    }

    /// An empty map with room for `n` members.
    pub fn with_capacity(n: usize) -> Map {
        Map {
            entries: Vec::with_capacity(n),
        }
    }

    /// Members that are already unique (the parser's, after [`dedup`]).
    pub(crate) fn from_unique(entries: Vec<Pair>) -> Map {
        Map { entries }
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every member.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == name)
    }

    /// The value of member `name` (names compare as unescaped text, byte for byte).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The value of member `name`, mutably.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Whether member `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Sets member `name`, returning the value it replaces. A new name goes last; a present one
    /// keeps its place.
    pub fn insert(&mut self, name: String, value: Value) -> Option<Value> {
        match self.get_mut(&name) {
            Some(slot) => Some(core::mem::replace(slot, value)),
            None => {
                self.entries.push((name, value));
                None
            }
        }
    }

    /// Removes member `name` (the others keep their order), returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.position(name)?;
        Some(self.entries.remove(at).1)
    }

    /// Keeps only the members for which `keep` returns true, in order.
    pub fn retain<F: FnMut(&String, &mut Value) -> bool>(&mut self, mut keep: F) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// The member slot for `name`, present or not (one search for a look-up-then-insert).
    pub fn entry<S: Into<String>>(&mut self, name: S) -> Entry<'_> {
        let name = name.into();
        match self.position(&name) {
            Some(at) => match self.entries.get_mut(at) {
                Some(slot) => Entry::Occupied(OccupiedEntry { slot }),
                // Unreachable (`at` was just found). Borrowing `self.entries` again here is
                // what the borrow checker refuses, so the impossible case gets a detached slot.
                None => Entry::Occupied(OccupiedEntry {
                    slot: Box::leak(Box::new((name, Value::Null))),
                }),
            },
            None => Entry::Vacant(VacantEntry {
                entries: &mut self.entries,
                name,
            }),
        }
    }

    /// `(&name, &value)` in order.
    pub fn iter(&self) -> Iter<'_> {
        let f: fn(&Pair) -> (&String, &Value) = by_ref;
        self.entries.iter().map(f)
    }

    /// `(&name, &mut value)` in order.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        let f: fn(&mut Pair) -> (&String, &mut Value) = by_mut;
        self.entries.iter_mut().map(f)
    }

    /// The names, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values, in order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values, mutably, in order.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

/// One member slot of a [`Map`], from [`Map::entry`].
pub enum Entry<'a> {
    /// The name is absent.
    Vacant(VacantEntry<'a>),
    /// The name is present.
    Occupied(OccupiedEntry<'a>),
}

/// An absent member, ready to be inserted.
pub struct VacantEntry<'a> {
    entries: &'a mut Vec<Pair>,
    name: String,
}

/// A present member.
pub struct OccupiedEntry<'a> {
    slot: &'a mut Pair,
}

impl<'a> Entry<'a> {
    /// The member's name.
    pub fn key(&self) -> &String {
        match self {
            Entry::Vacant(e) => &e.name,
            Entry::Occupied(e) => &e.slot.0,
        }
    }

    /// The value, inserting `default` if the member is absent.
    pub fn or_insert(self, default: Value) -> &'a mut Value {
        match self {
            Entry::Vacant(e) => e.insert(default),
            Entry::Occupied(e) => e.into_mut(),
        }
    }

    /// The value, inserting `default()` if the member is absent.
    pub fn or_insert_with<F: FnOnce() -> Value>(self, default: F) -> &'a mut Value {
        match self {
            Entry::Vacant(e) => e.insert(default()),
            Entry::Occupied(e) => e.into_mut(),
        }
    }
}

impl<'a> VacantEntry<'a> {
    /// The member's name.
    pub fn key(&self) -> &String {
        &self.name
    }

    /// Inserts the member (last in order) and returns its value.
    pub fn insert(self, value: Value) -> &'a mut Value {
        &mut self.entries.push_mut((self.name, value)).1
    }
}

impl<'a> OccupiedEntry<'a> {
    /// The member's name.
    pub fn key(&self) -> &String {
        &self.slot.0
    }

    /// The member's value.
    pub fn get(&self) -> &Value {
        &self.slot.1
    }

    /// The member's value, mutably.
    pub fn get_mut(&mut self) -> &mut Value {
        &mut self.slot.1
    }

    /// The member's value, for the entry's lifetime.
    pub fn into_mut(self) -> &'a mut Value {
        &mut self.slot.1
    }

    /// Replaces the value (the member keeps its place), returning the old one.
    pub fn insert(&mut self, value: Value) -> Value {
        core::mem::replace(&mut self.slot.1, value)
    }
}

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

/// Equal when both have the same names with equal values, in any order (as serde_json's maps).
impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        if self.len() != other.len() {
            return false;
        }
        fn sorted(m: &Map) -> Vec<&Pair> {
            let mut v: Vec<&Pair> = m.entries.iter().collect();
            v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            v
        }
        sorted(self) == sorted(other)
    }
}

impl Eq for Map {}

/// `{"name": value, …}`, as serde_json's `Debug`.
impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Member `name`, or `null` when absent (serde_json panics there; this crate never panics).
impl core::ops::Index<&str> for Map {
    type Output = Value;

    fn index(&self, name: &str) -> &Value {
        self.get(name).unwrap_or(&crate::value::NULL)
    }
}

/// Member `name` for assignment, inserted as `null` (last) when missing (serde_json panics
/// there; this crate never panics).
impl core::ops::IndexMut<&str> for Map {
    fn index_mut(&mut self, name: &str) -> &mut Value {
        self.entry(name).or_insert(Value::Null)
    }
}

/// Collects members; a repeated name keeps its first position and its last value, as
/// [`Map::insert`] would (in O(n log n)).
impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Map {
        let mut entries: Vec<Pair> = iter.into_iter().collect();
        dedup(&mut entries, true);
        Map { entries }
    }
}

/// Inserts members as [`Map::insert`] would (in O(n log n)).
impl Extend<(String, Value)> for Map {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        self.entries.extend(iter);
        dedup(&mut self.entries, true);
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = IterMut<'a>;

    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn map_operations_keep_insertion_order() {
        let mut m = Map::new();
        assert_eq!(m.insert("b".into(), Value::from(1)), None);
        m.insert("a".into(), Value::from(2));
        assert_eq!(m.insert("b".into(), Value::from(3)), Some(Value::from(1)));
        assert_eq!(m.keys().map(String::as_str).collect::<Vec<_>>(), ["b", "a"]);
        *m.entry("c").or_insert_with(|| Value::Null) = Value::from(true);
        m.entry("a").or_insert(Value::Null);
        assert_eq!(m["a"], 2);
        assert_eq!(m["c"], true);
        assert!(m["missing"].is_null());
        if let Entry::Occupied(mut e) = m.entry("c") {
            assert_eq!(e.insert(Value::from(false)), true);
        }
        assert_eq!(m.remove("b"), Some(Value::from(3)));
        m.retain(|k, _| k != "a");
        assert_eq!(m.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["c"]);
        let m2: Map = [("c".to_owned(), Value::from(false))].into_iter().collect();
        assert_eq!(m, m2);
        let mut m3: Map = [("x".to_owned(), Value::from(1)), ("y".to_owned(), Value::from(2))]
            .into_iter()
            .collect();
        let m4: Map = [("y".to_owned(), Value::from(2)), ("x".to_owned(), Value::from(1))]
            .into_iter()
            .collect();
        assert_eq!(m3, m4);
        m3.extend([("x".to_owned(), Value::from(9))]);
        assert_eq!(m3.len(), 2);
        assert_eq!(m3.values().next(), Some(&Value::from(9)));
    }
}
