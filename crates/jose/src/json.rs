//! Strict JSON: an object at the top, no duplicate member names at any depth, bounded nesting.
//!
//! A JSON library that silently keeps the last of two equal member names turns a JOSE header
//! or claims set into a parser-differential attack (RFC 7515 §5.2 step 4 and RFC 7519 §4 allow
//! refusing it): one library reads the first `alg`, another the second. The parse is the
//! project's own strict RFC 8259 parser (`crates/json`), which refuses a repeated name and
//! bounds nesting before it descends, so hostile input can exhaust neither the (wasm) stack
//! nor the duplicate check (O(n log n) per object).
//!
//! The gateway parses MCP request bodies with the same walk in its other mode
//! ([`Duplicates::KeepLast`]): the last value kept, with any repeated name reported, so that it
//! can forward a normalised body instead of one that parsers upstream could read differently.

use ::json::{Map, Value};

pub use ::json::{Duplicates, Fault};

/// Parses `bytes` as one JSON object, rejecting duplicate names and nesting deeper than
/// `max_depth` (the top-level object is depth 1).
pub(crate) fn parse_object(bytes: &[u8], max_depth: usize) -> Result<Map<String, Value>, Fault> {
    ::json::parse_object(bytes, max_depth)
}

/// Parses `bytes` as one JSON value of any type, nesting at most `max_depth` deep (and never
/// more than [`::json::MAX_NESTING`]), treating repeated names as `duplicates` says. On
/// success, also whether any name repeated (always `false` with [`Duplicates::Refuse`]).
pub fn parse_value(
    bytes: &[u8],
    max_depth: usize,
    duplicates: Duplicates,
) -> Result<(Value, bool), Fault> {
    ::json::parse(bytes, max_depth, duplicates)
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
        assert_eq!(v, ::json::json!([{"a":2},{"b":{"c":3}}]));
        assert_eq!(
            parse_value(br#"{"a":[1]}"#, 8, Duplicates::KeepLast).unwrap(),
            (::json::json!({"a":[1]}), false)
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
