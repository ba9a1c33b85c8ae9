//! Strict JSON: an object at the top, no duplicate member names at any depth, bounded nesting.
//!
//! `serde_json` silently keeps the last of two equal member names. In a JOSE header or claims
//! set that is a parser-differential attack (RFC 7515 §5.2 step 4 and RFC 7519 §4 allow refusing it):
//! one library reads the first `alg`, another the second. This module builds a
//! `serde_json::Value` through a small visitor that refuses a repeated name and counts depth, so
//! hostile nesting is refused before it can exhaust the (wasm) stack.
//!
//! The gateway parses MCP request bodies with the same walk in its other mode
//! ([`Duplicates::KeepLast`]): serde_json's reading, with any repeated name reported, so that it
//! can forward a normalised body instead of one that parsers upstream could read differently.

use core::cell::Cell;
use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// Why a document was refused; the caller maps it to its own [`Error`](super::Error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Not UTF-8 JSON, or not an object at the top, or trailing bytes.
    Syntax,
    /// A member name appears twice in one object.
    Duplicate,
    /// Objects and arrays nest deeper than allowed.
    TooDeep,
}

/// What the walk does with a member name seen twice in one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicates {
    /// Refuse the document ([`Fault::Duplicate`]): every JOSE header, claims set and JWK.
    Refuse,
    /// Keep the last value, as serde_json does, and report that a name repeated.
    KeepLast,
}

/// Parses `bytes` as one JSON object, rejecting duplicate names and nesting deeper than
/// `max_depth` (the top-level object is depth 1).
pub(crate) fn parse_object(bytes: &[u8], max_depth: usize) -> Result<Map<String, Value>, Fault> {
    match parse_value(bytes, max_depth, Duplicates::Refuse) {
        Ok((Value::Object(map), _)) => Ok(map),
        Ok(_) => Err(Fault::Syntax),
        Err(fault) => Err(fault),
    }
}

/// Parses `bytes` as one JSON value of any type, nesting at most `max_depth` deep (serde_json's
/// own limit of 128 applies too), treating repeated names as `duplicates` says. On success, also
/// whether any name repeated (always `false` with [`Duplicates::Refuse`]).
pub fn parse_value(
    bytes: &[u8],
    max_depth: usize,
    duplicates: Duplicates,
) -> Result<(Value, bool), Fault> {
    // serde's error type cannot carry our reason, so the visitor records it on the side.
    let fault = Cell::new(None);
    let repeated = Cell::new(false);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let seed = Strict {
        depth_left: max_depth,
        duplicates,
        repeated: &repeated,
        fault: &fault,
    };
    match seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v)) {
        Ok(value) => Ok((value, repeated.get())),
        Err(_) => Err(fault.get().unwrap_or(Fault::Syntax)),
    }
}

/// One level of the walk: how much depth remains, the duplicate policy, and where to report a
/// repeated name or a precise fault.
#[derive(Clone, Copy)]
struct Strict<'f> {
    depth_left: usize,
    duplicates: Duplicates,
    repeated: &'f Cell<bool>,
    fault: &'f Cell<Option<Fault>>,
}

impl<'f> Strict<'f> {
    /// The seed for the children of an object or array, or a fault if they would be too deep.
    fn descend<E: de::Error>(self) -> Result<Strict<'f>, E> {
        match self.depth_left.checked_sub(1) {
            Some(depth_left) => Ok(Strict { depth_left, ..self }),
            None => Err(self.fail(Fault::TooDeep)),
        }
    }

    fn fail<E: de::Error>(self, fault: Fault) -> E {
        self.fault.set(Some(fault));
        E::custom("")
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON cannot spell NaN or infinity, so `from_f64` always succeeds here.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let child = self.descend()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(child)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let child = self.descend()?;
        let mut map = Map::new();
        // Names are compared after unescaping, so "alg" and "\u0061lg" are the same member.
        while let Some(name) = access.next_key::<String>()? {
            // One map search per member: the vacant slot is filled once the value is parsed.
            match map.entry(name) {
                Entry::Vacant(slot) => {
                    slot.insert(access.next_value_seed(child)?);
                }
                Entry::Occupied(mut slot) => {
                    if self.duplicates == Duplicates::Refuse {
                        return Err(self.fail(Fault::Duplicate));
                    }
                    self.repeated.set(true);
                    slot.insert(access.next_value_seed(child)?);
                }
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_objects() {
        let m = parse_object(br#"{"a":1,"b":[true,null,"x",{"c":-2.5}]}"#, 4).unwrap();
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn keep_last_reads_as_serde_json_and_reports_repeats() {
        let (v, repeated) = parse_value(
            br#"[{"a":1,"a":2},{"b":{"c":1,"\u0063":3}}]"#,
            8,
            Duplicates::KeepLast,
        )
        .unwrap();
        assert!(repeated);
        assert_eq!(v, serde_json::json!([{"a":2},{"b":{"c":3}}]));
        assert_eq!(
            parse_value(br#"{"a":[1]}"#, 8, Duplicates::KeepLast).unwrap(),
            (serde_json::json!({"a":[1]}), false)
        );
        assert_eq!(
            parse_value(br#"{"a":1,"a":2}"#, 8, Duplicates::Refuse),
            Err(Fault::Duplicate)
        );
    }

    #[test]
    fn rejects_duplicates_at_any_depth() {
        assert_eq!(parse_object(br#"{"a":1,"a":2}"#, 8), Err(Fault::Duplicate));
        assert_eq!(
            parse_object(br#"{"alg":1,"\u0061lg":2}"#, 8),
            Err(Fault::Duplicate)
        );
        assert_eq!(
            parse_object(br#"{"x":[{"k":1,"k":1}]}"#, 8),
            Err(Fault::Duplicate)
        );
    }

    #[test]
    fn rejects_non_objects_and_trailing_bytes() {
        for doc in [
            &b"[]"[..],
            b"1",
            b"\"s\"",
            b"null",
            b"{} {}",
            b"{",
            b"",
            b"{\"a\":\xff}",
        ] {
            assert_eq!(parse_object(doc, 8), Err(Fault::Syntax), "{doc:?}");
        }
    }

    #[test]
    fn bounds_depth() {
        assert!(parse_object(br#"{"a":{"b":[1]}}"#, 3).is_ok());
        assert_eq!(parse_object(br#"{"a":{"b":[1]}}"#, 2), Err(Fault::TooDeep));
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse_object(deep.as_bytes(), 16), Err(Fault::TooDeep));
    }
}
