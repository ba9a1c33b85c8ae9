//! The JSON value tree (RFC 8259 §3), with serde_json's variant and method names.

use core::fmt;

use crate::{Map, Number};

/// Any JSON value (RFC 8259 §3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (§6).
    Number(Number),
    /// A string (§7), unescaped.
    String(String),
    /// An array (§5).
    Array(Vec<Value>),
    /// An object (§4).
    Object(Map),
}

/// What `value["missing"]` refers to.
pub(crate) static NULL: Value = Value::Null;

impl Value {
    /// Member `name` of an object; `None` for a missing member or a non-object.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.as_object()?.get(name)
    }

    /// Member `name` of an object, mutably.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.as_object_mut()?.get_mut(name)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// See [`Number::as_u64`].
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    /// See [`Number::as_i64`].
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// See [`Number::as_f64`] (links the float parser).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number()?.as_f64()
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The elements, mutably, if this is an array.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The members, mutably, if this is an object.
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is `true` or `false`.
    pub fn is_boolean(&self) -> bool {
        matches!(self, Value::Bool(_))
    }

    /// Whether this is a number.
    pub fn is_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    /// Whether this is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    /// Whether this is an array.
    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// Takes the value out, leaving `null`.
    pub fn take(&mut self) -> Value {
        core::mem::take(self)
    }
}

/// Compact JSON text, as [`crate::to_string`] (serde_json's `Display`).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        crate::write_value(&mut s, self);
        f.write_str(&s)
    }
}

/// What a [`Value`] can be indexed by, as in serde_json: a member name (`str`, `String`, or a
/// reference to one) or an array position (`usize`).
pub trait Index: index::Sealed {
    #[doc(hidden)]
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value>;
    #[doc(hidden)]
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value;
}

mod index {
    pub trait Sealed {}
    impl Sealed for str {}
    impl Sealed for String {}
    impl Sealed for usize {}
    impl<T: ?Sized + Sealed> Sealed for &T {}
}

impl Index for str {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.get(self)
    }

    /// A missing member is inserted as `null`; a value that is not an object first becomes an
    /// empty one (serde_json does that for `null` and panics otherwise).
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        match v {
            Value::Object(map) => &mut map[self],
            other => {
                *other = Value::Object(Map::new());
                self.index_or_insert(other)
            }
        }
    }
}

impl Index for String {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        self.as_str().index_into(v)
    }

    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        self.as_str().index_or_insert(v)
    }
}

impl Index for usize {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_array()?.get(*self)
    }

    /// A value that is not an array first becomes an empty one, and a short array is padded
    /// with `null` (serde_json panics in both cases).
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        match v {
            Value::Array(items) => {
                if items.len() <= *self {
                    items.resize(*self + 1, Value::Null);
                }
                match items.get_mut(*self) {
                    Some(item) => item,
                    // Unreachable after the resize; a detached slot keeps this total.
                    None => Box::leak(Box::new(Value::Null)),
                }
            }
            other => {
                *other = Value::Array(Vec::new());
                self.index_or_insert(other)
            }
        }
    }
}

impl<T: ?Sized + Index> Index for &T {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        (**self).index_into(v)
    }

    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        (**self).index_or_insert(v)
    }
}

/// `v["name"]`, `v[0]`: the member or element, or `null` when absent or `v` has no such part
/// (as serde_json).
impl<I: Index> core::ops::Index<I> for Value {
    type Output = Value;

    fn index(&self, i: I) -> &Value {
        i.index_into(self).unwrap_or(&NULL)
    }
}

/// `v["name"] = …`, `v[0] = …`: see [`Index`]'s implementations (never panics).
impl<I: Index> core::ops::IndexMut<I> for Value {
    fn index_mut(&mut self, i: I) -> &mut Value {
        i.index_or_insert(self)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(s.clone())
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Object(m)
    }
}

impl From<&Value> for Value {
    fn from(v: &Value) -> Value {
        v.clone()
    }
}

impl From<()> for Value {
    fn from((): ()) -> Value {
        Value::Null
    }
}

/// An array of the converted elements.
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

/// `null` for `None`.
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// A float; `null` for NaN and infinities (serde_json's). Links float formatting: for tests.
impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

impl FromIterator<Value> for Value {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Value {
        Value::Array(iter.into_iter().collect())
    }
}

impl FromIterator<(String, Value)> for Value {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Value {
        Value::Object(iter.into_iter().collect())
    }
}

macro_rules! integers {
    ($($t:ty)*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                Value::Number(Number::from(n))
            }
        }

        /// Equal when this is an integer number of that value.
        impl PartialEq<$t> for Value {
            fn eq(&self, other: &$t) -> bool {
                self.as_number().is_some_and(|n| *n == Number::from(*other))
            }
        }
    )*};
}
integers!(u8 u16 u32 u64 usize i8 i16 i32 i64 isize);

/// Equal when this is that string.
impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

/// Equal when this is that string.
impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

/// Equal when this is that string.
impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}

/// Equal when this is that boolean.
impl PartialEq<bool> for Value {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

/// Equal when `other` is this string.
impl PartialEq<Value> for &str {
    fn eq(&self, other: &Value) -> bool {
        other.as_str() == Some(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_and_comparisons_match_serde_json_spelling() {
        let v = crate::json!({"s": "x", "n": 7, "neg": -3, "b": true, "a": [1, null], "o": {}});
        assert_eq!(v["s"], "x");
        assert_eq!(v["n"], 7);
        assert_eq!(v["n"].as_u64(), Some(7));
        assert_eq!(v["neg"].as_i64(), Some(-3));
        assert_eq!(v["neg"].as_u64(), None);
        assert_eq!(v["b"], true);
        assert!(v["a"][1].is_null() && v["a"][9].is_null() && v["s"][0].is_null());
        assert!(v["o"].is_object() && v["a"].is_array() && v["s"].is_string());
        assert_eq!(v.get("missing"), None);
        assert_eq!(v["a"].as_array().map(Vec::len), Some(2));
        assert_eq!("x", v["s"]);
        assert_eq!(Value::from(Some("y")), "y");
        assert_eq!(Value::from(None::<bool>), Value::Null);
        assert_eq!(Value::from(vec!["a", "b"]), crate::json!(["a", "b"]));
        assert_eq!(Value::from(f64::NAN), Value::Null);
        assert_eq!(v.to_string(), r#"{"s":"x","n":7,"neg":-3,"b":true,"a":[1,null],"o":{}}"#);
        let collected: Value = [Value::from(1u8)].into_iter().collect();
        assert_eq!(collected, crate::json!([1]));
        let key = String::from("s");
        assert_eq!(v[&key], "x");
        assert_eq!(v[&&key[..]], "x");
    }

    #[test]
    fn index_assignment_inserts_and_never_panics() {
        let mut v = Value::Null;
        v["a"] = Value::from(1);
        v["a"] = Value::from(2);
        v["b"]["c"] = Value::from(true);
        assert_eq!(crate::to_string(&v).unwrap(), r#"{"a":2,"b":{"c":true}}"#);
        // Where serde_json panics: a string indexed by name, an array indexed past its end.
        let mut s = Value::from("x");
        s["k"] = Value::Null;
        assert_eq!(s, crate::json!({"k": null}));
        let mut a = crate::json!([1]);
        a[2] = Value::from(3);
        assert_eq!(a, crate::json!([1, null, 3]));
        let mut m = Map::new();
        m["x"] = Value::from(1);
        assert_eq!(crate::to_vec(&m).unwrap(), br#"{"x":1}"#);
        assert_eq!(crate::from_slice::<Map>(br#"{"x":1}"#), Ok(m));
        assert_eq!(crate::from_slice::<Map>(b"[1]"), Err(crate::Fault::Syntax));
    }
}
