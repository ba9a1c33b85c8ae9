//! A JSON object's members (RFC 8259 §4): a `Vec` in insertion order, with unique names.
//!
//! Lookups are linear, which for the small objects of JOSE headers, claims, JWKs and JSON-RPC
//! messages is faster and far smaller in code than a tree or hash map. Attacker-sized objects
//! only go through `dedup` (once per object, O(n log n)) and through whole-map passes
//! (`retain`, iteration), never through a lookup per member.

use core::fmt;

use crate::dedup::dedup;
use crate::Value;

pub(crate) type Pair = (String, Value);

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
