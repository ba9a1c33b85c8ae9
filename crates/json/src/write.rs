//! Compact JSON text (RFC 8259), escaped exactly as serde_json escapes it.

use crate::{Map, Value};

/// Appends `value` as compact JSON: no whitespace, members in map order, numbers as their
/// text. Strings are escaped as by [`write_string`].
///
/// Recurses once per nesting level: values from [`crate::parse`] nest at most
/// [`crate::MAX_NESTING`] deep (a value built by code is the caller's to bound, as with
/// serde_json).
pub fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => n.write(out),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => write_map(out, map),
    }
}

fn write_map(out: &mut String, map: &Map) {
    out.push('{');
    for (i, (name, item)) in map.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, name);
        out.push(':');
        write_value(out, item);
    }
    out.push('}');
}

/// What [`crate::to_vec`] and [`crate::to_string`] write: a [`Value`] or a [`Map`] (serde_json
/// takes any `Serialize`; these are the two the project writes).
pub trait WriteJson {
    /// Appends compact JSON, as [`write_value`].
    fn write_json(&self, out: &mut String);
}

impl WriteJson for Value {
    fn write_json(&self, out: &mut String) {
        write_value(out, self);
    }
}

impl WriteJson for Map {
    fn write_json(&self, out: &mut String) {
        write_map(out, self);
    }
}

impl<T: WriteJson + ?Sized> WriteJson for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

/// Appends `s` as a JSON string (RFC 8259 §7) the way serde_json writes it: `"` and `\`
/// escaped, U+0008/0009/000A/000C/000D as `\b \t \n \f \r`, other control characters as
/// `\u00xx` (lowercase hex), everything else (including `/`, DEL and non-ASCII) as is.
pub fn write_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x09 => b't',
            0x0a => b'n',
            0x0c => b'f',
            0x0d => b'r',
            0..=0x1f => b'u',
            _ => continue,
        };
        // `i` is at an ASCII byte, so both ends of the run are character boundaries.
        out.push_str(s.get(run..i).unwrap_or_default());
        run = i + 1;
        out.push('\\');
        out.push(char::from(short));
        if short == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("00");
            for nibble in [b >> 4, b & 0xf] {
                out.push(char::from(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')));
            }
        }
    }
    out.push_str(s.get(run..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_byte_for_byte_as_serde_json_escapes_them() {
        let all: String = (0u32..0x80).filter_map(char::from_u32).chain("é€😀/".chars()).collect();
        let mut ours = String::new();
        write_string(&mut ours, &all);
        assert_eq!(ours, serde_json::to_string(&all).unwrap());
    }
}
