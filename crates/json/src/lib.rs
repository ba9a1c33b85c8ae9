//! Strict, small JSON (RFC 8259) for mcp-authorizer, spelled like the subset of `serde_json` the
//! project uses, so that `serde_json::` can become `json::` at the call sites.
//!
//! Why not serde_json: in the wasm module, serde_json, serde, float formatting and the
//! `BTreeMap<String, Value>` instances cost ~31 KB; the project only ever needs one `Value` tree.
//! This crate has no dependencies and no generic serialisation:
//!
//! - [`parse`] reads exactly the RFC 8259 grammar, validates UTF-8 (§8.1), refuses lone
//!   surrogates, numbers outside the f64 range (as serde_json does), nesting beyond a bound, and
//!   either refuses or normalises repeated member names ([`Duplicates`]) in O(n log n).
//! - [`to_vec`] / [`to_string`] write compact JSON byte for byte as serde_json escapes strings;
//!   numbers are written as their source lexeme (no float formatting code).
//! - [`Map`] is a `Vec` of members in insertion order (serde_json's default map is sorted:
//!   written objects therefore keep the order they were built or read in).
//!
//! Differences from serde_json that a caller may notice are listed on the items concerned.

// Untrusted input must never panic: these lints hold for all non-test code.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod convert;
mod dedup;
mod macros;
pub mod map;
mod number;
mod parse;
mod value;
mod write;

pub use convert::ToValue;
pub use map::Map;
pub use number::Number;
pub use parse::{parse, parse_object, Duplicates, Fault, MAX_NESTING};
pub use value::{Index, Value};
pub use write::{write_string, write_value, WriteJson};

use core::convert::Infallible;

/// What [`from_slice`] and [`from_str`] can produce: [`Value`], or [`Map`] for a document that
/// must be an object (so that serde_json's `from_slice::<Value>(..)` spelling compiles).
pub trait FromValue: Sized {
    /// `value` as `Self`, or [`Fault::Syntax`] when it is the wrong JSON type.
    fn from_value(value: Value) -> Result<Self, Fault>;
}

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Value, Fault> {
        Ok(value)
    }
}

impl FromValue for Map {
    fn from_value(value: Value) -> Result<Map, Fault> {
        match value {
            Value::Object(map) => Ok(map),
            _ => Err(Fault::Syntax),
        }
    }
}

/// Parses one JSON text (RFC 8259 §2) as serde_json's `from_slice::<Value>` would: nesting up
/// to [`MAX_NESTING`], the last of repeated member names kept (in the first one's position).
pub fn from_slice<T: FromValue>(bytes: &[u8]) -> Result<T, Fault> {
    parse(bytes, MAX_NESTING, Duplicates::KeepLast).and_then(|(value, _)| T::from_value(value))
}

/// As [`from_slice`], for text.
pub fn from_str<T: FromValue>(text: &str) -> Result<T, Fault> {
    from_slice(text.as_bytes())
}

/// `value` as compact JSON bytes (no whitespace), strings escaped as serde_json escapes them.
///
/// Cannot fail: the `Result` only keeps serde_json's call sites (`.ok()`,
/// `.unwrap_or_default()`, `.map_err(..)`) compiling unchanged.
pub fn to_vec<T: WriteJson + ?Sized>(value: &T) -> Result<Vec<u8>, Infallible> {
    to_string(value).map(String::into_bytes)
}

/// `value` as compact JSON text; see [`to_vec`].
pub fn to_string<T: WriteJson + ?Sized>(value: &T) -> Result<String, Infallible> {
    let mut out = String::new();
    value.write_json(&mut out);
    Ok(out)
}
