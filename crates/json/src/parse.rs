//! The strict parser: RFC 8259 exactly, with depth and duplicate-name control.
//!
//! Why strict: the documents read here are JOSE headers, claims and keys (RFC 7515 §5.2,
//! RFC 7519 §7.2), provider metadata and MCP request bodies that are forwarded. Every
//! leniency (comments, trailing commas, lone surrogates, repeated names read differently by
//! different parsers) is a parser differential an attacker can use.

use crate::dedup::dedup;
use crate::map::Map;
use crate::number::{self, Number};
use crate::Value;

/// Why a document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Not a JSON text (RFC 8259 §2) in UTF-8 (§8.1): a grammar error, invalid UTF-8, a lone
    /// surrogate escape, a number beyond the f64 range, trailing bytes, or (from
    /// [`parse_object`]) not an object.
    Syntax,
    /// A member name appears twice in one object (with [`Duplicates::Refuse`]); names are
    /// compared after unescaping, so `"alg"` and `"\u0061lg"` are the same.
    Duplicate,
    /// Objects and arrays nest deeper than the caller allows, or than [`MAX_NESTING`].
    TooDeep,
}

/// What the parser does with a member name seen twice in one object (RFC 8259 §4: "names
/// within an object SHOULD be unique"; RFC 7515 §5.2 and RFC 7519 §4 let JOSE refuse them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicates {
    /// Refuse the document ([`Fault::Duplicate`]): every JOSE header, claims set and JWK.
    Refuse,
    /// Keep the last value, in the first one's position (as JavaScript and Python read it),
    /// and report that a name repeated.
    KeepLast,
}

/// The deepest nesting of arrays and objects ever parsed, whatever the caller allows:
/// serde_json's recursion limit (it refuses the 128th level), which also bounds this parser's
/// recursion, so hostile nesting cannot exhaust the (wasm) stack.
pub const MAX_NESTING: usize = 127;

/// Parses `bytes` as one JSON text (RFC 8259 §2: a value with optional whitespace around it)
/// of any type. Arrays and objects nest at most `max_depth` deep (a top-level array or object
/// is depth 1; `0` allows only a scalar), and never deeper than [`MAX_NESTING`]. Repeated
/// member names are treated as `duplicates` says. On success, also whether any name repeated
/// (always `false` with [`Duplicates::Refuse`]).
pub fn parse(bytes: &[u8], max_depth: usize, duplicates: Duplicates) -> Result<(Value, bool), Fault> {
    let mut p = Parser {
        bytes,
        at: 0,
        keep_last: duplicates == Duplicates::KeepLast,
        repeated: false,
    };
    let value = p.value(max_depth.min(MAX_NESTING))?;
    p.skip_whitespace();
    if p.at != bytes.len() {
        return Err(Fault::Syntax);
    }
    Ok((value, p.repeated))
}

/// Parses `bytes` as one JSON object, refusing repeated names and nesting deeper than
/// `max_depth` (the object itself is depth 1): the reading of JOSE headers, claims and keys.
pub fn parse_object(bytes: &[u8], max_depth: usize) -> Result<Map, Fault> {
    match parse(bytes, max_depth, Duplicates::Refuse)? {
        (Value::Object(map), _) => Ok(map),
        _ => Err(Fault::Syntax),
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    keep_last: bool,
    repeated: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Consumes `b` if it is next.
    fn eat(&mut self, b: u8) -> bool {
        let next = self.peek() == Some(b);
        if next {
            self.at += 1;
        }
        next
    }

    fn expect(&mut self, b: u8) -> Result<(), Fault> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(Fault::Syntax)
        }
    }

    /// RFC 8259 §2: space, tab, line feed, carriage return; nothing else.
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Consumes `word` (after its first byte, already seen).
    fn literal(&mut self, word: &[u8], value: Value) -> Result<Value, Fault> {
        let end = self.at + word.len();
        if self.bytes.get(self.at..end) == Some(word) {
            self.at = end;
            Ok(value)
        } else {
            Err(Fault::Syntax)
        }
    }

    /// One value, with whitespace before it; `depth` is how many more levels of arrays and
    /// objects may open.
    fn value(&mut self, depth: usize) -> Result<Value, Fault> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal(b"true", Value::Bool(true)),
            Some(b'f') => self.literal(b"false", Value::Bool(false)),
            Some(b'n') => self.literal(b"null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            _ => Err(Fault::Syntax),
        }
    }

    /// RFC 8259 §5; the depth is checked before anything inside is read.
    fn array(&mut self, depth: usize) -> Result<Value, Fault> {
        let inner = depth.checked_sub(1).ok_or(Fault::TooDeep)?;
        self.at += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.eat(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(inner)?);
            self.skip_whitespace();
            if self.eat(b']') {
                return Ok(Value::Array(items));
            }
            self.expect(b',')?;
        }
    }

    /// RFC 8259 §4; repeated names are found once the object is complete, in O(n log n).
    fn object(&mut self, depth: usize) -> Result<Value, Fault> {
        let inner = depth.checked_sub(1).ok_or(Fault::TooDeep)?;
        self.at += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if !self.eat(b'}') {
            loop {
                self.skip_whitespace();
                if self.peek() != Some(b'"') {
                    return Err(Fault::Syntax);
                }
                let name = self.string()?;
                self.skip_whitespace();
                self.expect(b':')?;
                members.push((name, self.value(inner)?));
                self.skip_whitespace();
                if self.eat(b'}') {
                    break;
                }
                self.expect(b',')?;
            }
        }
        if dedup(&mut members, self.keep_last) {
            if !self.keep_last {
                return Err(Fault::Duplicate);
            }
            self.repeated = true;
        }
        Ok(Value::Object(Map::from_unique(members)))
    }

    /// RFC 8259 §7, at the opening quote. Runs without escapes are validated as UTF-8 and
    /// copied whole; a string without escapes is allocated once, at its exact length.
    fn string(&mut self) -> Result<String, Fault> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let rest = self.bytes.get(self.at..).unwrap_or_default();
            let len = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .ok_or(Fault::Syntax)?;
            // The run ends at an ASCII byte, so it cannot split a valid UTF-8 sequence.
            let run = core::str::from_utf8(rest.get(..len).unwrap_or_default())
                .map_err(|_| Fault::Syntax)?;
            if out.is_empty() && rest.get(len) == Some(&b'"') {
                out = String::from(run);
            } else {
                out.push_str(run);
            }
            self.at += len;
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    out.push(self.escape()?);
                }
                // A control character: §7 requires it escaped.
                _ => return Err(Fault::Syntax),
            }
        }
    }

    /// One escape, after its backslash.
    fn escape(&mut self) -> Result<char, Fault> {
        let b = self.peek().ok_or(Fault::Syntax)?;
        self.at += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                let code = match unit {
                    // A high surrogate must be followed by an escaped low one (§7, §8.2).
                    0xd800..=0xdbff => {
                        if !(self.eat(b'\\') && self.eat(b'u')) {
                            return Err(Fault::Syntax);
                        }
                        let low = self.hex4()?;
                        if !(0xdc00..=0xdfff).contains(&low) {
                            return Err(Fault::Syntax);
                        }
                        0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
                    }
                    // `char::from_u32` refuses a lone low surrogate.
                    _ => unit,
                };
                char::from_u32(code).ok_or(Fault::Syntax)?
            }
            _ => return Err(Fault::Syntax),
        })
    }

    fn hex4(&mut self) -> Result<u32, Fault> {
        let mut unit = 0;
        for _ in 0..4 {
            let digit = char::from(self.peek().ok_or(Fault::Syntax)?)
                .to_digit(16)
                .ok_or(Fault::Syntax)?;
            self.at += 1;
            unit = unit * 16 + digit;
        }
        Ok(unit)
    }

    /// Consumes digits, returning how many.
    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Result<Number, Fault> {
        let start = self.at;
        let negative = self.eat(b'-');
        let int_start = self.at;
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(Fault::Syntax),
        }
        let int_end = self.at;
        let mut integer = true;
        if self.eat(b'.') {
            integer = false;
            if self.digits() == 0 {
                return Err(Fault::Syntax);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            integer = false;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err(Fault::Syntax);
            }
        }
        if integer {
            let digits = self.bytes.get(int_start..int_end).unwrap_or_default();
            if let Some(n) = number::integer(negative, digits) {
                return Ok(n);
            }
        }
        let text = self.bytes.get(start..self.at).unwrap_or_default();
        let text = core::str::from_utf8(text).map_err(|_| Fault::Syntax)?;
        Number::from_text(text).ok_or(Fault::Syntax)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_last_reads_as_serde_json_and_reports_repeats() {
        let (v, repeated) = parse(
            br#"[{"a":1,"a":2},{"b":{"c":1,"\u0063":3}}]"#,
            8,
            Duplicates::KeepLast,
        )
        .unwrap();
        assert!(repeated);
        assert_eq!(v, crate::json!([{"a":2},{"b":{"c":3}}]));
        assert_eq!(
            parse(br#"{"a":[1]}"#, 8, Duplicates::KeepLast).unwrap(),
            (crate::json!({"a":[1]}), false)
        );
        assert_eq!(
            parse(br#"{"a":1,"a":2}"#, 8, Duplicates::Refuse),
            Err(Fault::Duplicate)
        );
    }

    #[test]
    fn duplicates_are_refused_at_any_depth_after_unescaping() {
        assert_eq!(parse_object(br#"{"a":1,"a":2}"#, 8), Err(Fault::Duplicate));
        assert_eq!(parse_object(br#"{"alg":1,"\u0061lg":2}"#, 8), Err(Fault::Duplicate));
        assert_eq!(parse_object(br#"{"x":[{"k":1,"k":1}]}"#, 8), Err(Fault::Duplicate));
    }

    #[test]
    fn parse_object_refuses_non_objects_and_trailing_bytes() {
        for doc in [&b"[]"[..], b"1", b"\"s\"", b"null", b"{} {}", b"{", b"", b"{\"a\":\xff}"] {
            assert_eq!(parse_object(doc, 8), Err(Fault::Syntax), "{doc:?}");
        }
    }

    #[test]
    fn depth_is_bounded_before_recursing() {
        assert!(parse_object(br#"{"a":{"b":[1]}}"#, 3).is_ok());
        assert_eq!(parse_object(br#"{"a":{"b":[1]}}"#, 2), Err(Fault::TooDeep));
        assert_eq!(parse(b"1", 0, Duplicates::Refuse), Ok((crate::json!(1), false)));
        assert_eq!(parse(b"[]", 0, Duplicates::Refuse), Err(Fault::TooDeep));
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse_object(deep.as_bytes(), 16), Err(Fault::TooDeep));
        assert_eq!(parse(deep.as_bytes(), usize::MAX, Duplicates::KeepLast), Err(Fault::TooDeep));
    }
}
