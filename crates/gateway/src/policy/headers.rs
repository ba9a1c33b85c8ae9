//! The `Mcp-Method` / `Mcp-Name` request headers of MCP 2026-07-28 checked against the body
//! (basic/transports/streamable-http §Request Metadata, §Value Encoding, §Server Validation):
//! the body is the truth; a header that disagrees, is repeated, or is malformed is refused
//! with 400 and JSON-RPC error `-32020` (`HeaderMismatch`).

use std::borrow::Cow;

use super::mcp_request::McpMessage;

/// JSON-RPC error code of a header/body mismatch (`HeaderMismatch`, MCP 2026-07-28
/// basic/transports/streamable-http §Server Validation); sent with HTTP 400.
pub const HEADER_MISMATCH_CODE: i64 = -32020;

/// Why the `Mcp-Method` / `Mcp-Name` headers are refused: 400 with JSON-RPC error
/// [`HEADER_MISMATCH_CODE`] (MCP 2026-07-28 basic/transports/streamable-http §Server
/// Validation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderMismatch {
    /// `Mcp-Method` differs from the body's `method`.
    Method,
    /// `Mcp-Name` (decoded) differs from `params.name` / `params.uri`.
    Name,
    /// `Mcp-Name` on a message whose method has no name.
    UnexpectedName,
    /// `Mcp-Method` missing from a request that requires it.
    MissingMethod,
    /// `Mcp-Name` missing from a `tools/call`, `resources/read` or `prompts/get` request
    /// that requires it.
    MissingName,
    /// A header given more than once.
    Repeated,
    /// Characters outside visible ASCII, space and tab, or a `=?base64?…?=` value that is not
    /// canonical padded base64 (RFC 4648 §4).
    InvalidValue,
}

impl HeaderMismatch {
    /// The JSON-RPC error message (fixed: header values are never echoed).
    pub fn message(self) -> &'static str {
        match self {
            HeaderMismatch::Method => "Header mismatch: Mcp-Method does not match the request body",
            HeaderMismatch::Name => "Header mismatch: Mcp-Name does not match the request body",
            HeaderMismatch::UnexpectedName => {
                "Header mismatch: Mcp-Name on a method without a name"
            }
            HeaderMismatch::MissingMethod => "Header mismatch: Mcp-Method header is required",
            HeaderMismatch::MissingName => "Header mismatch: Mcp-Name header is required",
            HeaderMismatch::Repeated => "Header mismatch: Mcp-Method or Mcp-Name repeated",
            HeaderMismatch::InvalidValue => "Header mismatch: invalid Mcp-Method or Mcp-Name value",
        }
    }

    /// A fixed reason for the log line.
    pub fn reason(self) -> &'static str {
        match self {
            HeaderMismatch::Method => "mcp_method_mismatch",
            HeaderMismatch::Name => "mcp_name_mismatch",
            HeaderMismatch::UnexpectedName => "mcp_name_unexpected",
            HeaderMismatch::MissingMethod => "mcp_method_missing",
            HeaderMismatch::MissingName => "mcp_name_missing",
            HeaderMismatch::Repeated => "mcp_header_repeated",
            HeaderMismatch::InvalidValue => "mcp_header_invalid",
        }
    }
}

/// Whether `MCP-Protocol-Version` names a revision that requires `Mcp-Method` (and `Mcp-Name`
/// where it applies) on every request: 2026-07-28 and later (versions are `YYYY-MM-DD`, so
/// they order as strings).
pub fn headers_required(protocol_version: Option<&str>) -> bool {
    protocol_version.is_some_and(|v| {
        let v = v.trim_ascii();
        v.len() == 10 && v.bytes().all(|b| b.is_ascii_digit() || b == b'-') && v >= "2026-07-28"
    })
}

/// The single value of header `name` (case-insensitive, RFC 9110 §5.1), trimmed of optional
/// whitespace (§5.5), checked to be visible ASCII, space or tab.
fn single_header<'h>(
    headers: &'h [(String, Vec<u8>)],
    name: &str,
) -> Result<Option<&'h [u8]>, HeaderMismatch> {
    let mut found = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    let Some((_, value)) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() {
        return Err(HeaderMismatch::Repeated);
    }
    let value = value.trim_ascii();
    if !value
        .iter()
        .all(|&b| b == b'\t' || (0x20..=0x7e).contains(&b))
    {
        return Err(HeaderMismatch::InvalidValue);
    }
    Ok(Some(value))
}

/// Standard base64 (RFC 4648 §4), padded, canonical (zero trailing bits); `None` otherwise.
fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let pad = text.iter().rev().take_while(|&&c| c == b'=').count();
    let body = text.get(..text.len().checked_sub(pad).filter(|_| pad <= 2)?)?;
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in body {
        let sextet = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (acc == 0).then_some(out)
}

/// An `Mcp-Name` value as the body would spell it: decoded when in the sentinel form
/// `=?base64?{Base64EncodedValue}?=` (markers lowercase and exact; MCP 2026-07-28
/// basic/transports/streamable-http §Value Encoding), else as sent.
fn decode_name(value: &[u8]) -> Result<Cow<'_, [u8]>, HeaderMismatch> {
    match value
        .strip_prefix(b"=?base64?")
        .and_then(|v| v.strip_suffix(b"?="))
    {
        Some(encoded) => decode_base64(encoded)
            .map(Cow::Owned)
            .ok_or(HeaderMismatch::InvalidValue),
        None => Ok(Cow::Borrowed(value)),
    }
}

/// Checks `Mcp-Method` and `Mcp-Name` against every message of the body. Present headers
/// must match exactly (values are case-sensitive; `Mcp-Name` decoded first; `Mcp-Method` has
/// no encoded form). With `required` (see [`headers_required`]), a request (a message with an
/// `id`) must carry `Mcp-Method`, and `Mcp-Name` when its method has a name; notifications are
/// exempt (the 2026-07-28 transport defines no header requirements for them).
pub fn check_headers(
    messages: &[McpMessage<'_>],
    headers: &[(String, Vec<u8>)],
    required: bool,
) -> Result<(), HeaderMismatch> {
    let method_header = single_header(headers, "mcp-method")?;
    let name_header = match single_header(headers, "mcp-name")? {
        Some(v) => Some(decode_name(v)?),
        None => None,
    };
    for m in messages {
        let is_request = m.id.is_some() && m.method.is_some();
        match method_header {
            Some(h) if m.method.map(str::as_bytes) != Some(h) => {
                return Err(HeaderMismatch::Method)
            }
            None if required && is_request => return Err(HeaderMismatch::MissingMethod),
            _ => {}
        }
        match (&name_header, m.name) {
            (Some(h), Some(n)) if h.as_ref() != n.as_bytes() => return Err(HeaderMismatch::Name),
            (Some(_), None) => return Err(HeaderMismatch::UnexpectedName),
            (None, Some(_)) if required && is_request => return Err(HeaderMismatch::MissingName),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::policy::messages;
    use ::json::{json, Value};

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    fn call(name: &'static str) -> [McpMessage<'static>; 1] {
        [McpMessage {
            id: Some(&Value::Null),
            method: Some("tools/call"),
            name: Some(name),
        }]
    }

    #[test]
    fn base64_is_strict_standard_padded() {
        assert_eq!(
            decode_base64(b"SGVsbG8sIOS4lueVjA==").unwrap(),
            "Hello, 世界".as_bytes()
        );
        assert_eq!(
            decode_base64(b"PT9iYXNlNjQ/bGl0ZXJhbD89").unwrap(),
            b"=?base64?literal?="
        );
        assert_eq!(decode_base64(b"").unwrap(), b"");
        assert_eq!(decode_base64(b"IHBhZGRlZCA=").unwrap(), b" padded ");
        for bad in [
            &b"SGVsbG8"[..],
            b"SGVsbG8=x",
            b"SGVsbA=",
            b"S===",
            b"SGVsbG9=",
            b"SG-sbG8=",
            b"====",
        ] {
            assert_eq!(decode_base64(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn matching_headers_pass() {
        let m = call("get_weather");
        assert_eq!(
            check_headers(
                &m,
                &h(&[("Mcp-Method", "tools/call"), ("mcp-name", " get_weather ")]),
                true
            ),
            Ok(())
        );
        assert_eq!(check_headers(&m, &[], false), Ok(()));
        let m = call("Hello, 世界");
        assert_eq!(
            check_headers(
                &m,
                &h(&[
                    ("Mcp-Method", "tools/call"),
                    ("Mcp-Name", "=?base64?SGVsbG8sIOS4lueVjA==?=")
                ]),
                true
            ),
            Ok(())
        );
        let m = call("=?base64?literal?=");
        assert_eq!(
            check_headers(
                &m,
                &h(&[("Mcp-Name", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=")]),
                false
            ),
            Ok(())
        );
    }

    #[test]
    fn forged_mcp_name_that_disagrees_with_the_body_is_refused() {
        let m = call("delete_all");
        let r = check_headers(
            &m,
            &h(&[("Mcp-Method", "tools/call"), ("Mcp-Name", "read_file")]),
            true,
        );
        assert_eq!(r, Err(HeaderMismatch::Name));
        // Encoded, the same forgery is still caught after decoding.
        let r = check_headers(&m, &h(&[("Mcp-Name", "=?base64?cmVhZF9maWxl?=")]), false);
        assert_eq!(r, Err(HeaderMismatch::Name));
        // Values are case-sensitive; the markers too (an uppercase sentinel is a plain value).
        assert_eq!(
            check_headers(&m, &h(&[("Mcp-Name", "Delete_all")]), false),
            Err(HeaderMismatch::Name)
        );
        assert_eq!(
            check_headers(
                &m,
                &h(&[("Mcp-Name", "=?BASE64?ZGVsZXRlX2FsbA==?=")]),
                false
            ),
            Err(HeaderMismatch::Name)
        );
    }

    #[test]
    fn forged_mcp_method_is_refused() {
        let m = call("x");
        assert_eq!(
            check_headers(&m, &h(&[("Mcp-Method", "tools/list")]), false),
            Err(HeaderMismatch::Method)
        );
        // A response message has no method: any Mcp-Method disagrees.
        let r = [McpMessage {
            id: Some(&Value::Null),
            method: None,
            name: None,
        }];
        assert_eq!(
            check_headers(&r, &h(&[("Mcp-Method", "tools/call")]), false),
            Err(HeaderMismatch::Method)
        );
        let list = [McpMessage {
            id: Some(&Value::Null),
            method: Some("tools/list"),
            name: None,
        }];
        assert_eq!(
            check_headers(&list, &h(&[("Mcp-Name", "x")]), false),
            Err(HeaderMismatch::UnexpectedName)
        );
    }

    #[test]
    fn batch_with_headers_must_agree_on_every_message() {
        let v = json!([{"id":1,"method":"tools/call","params":{"name":"a"}},{"id":2,"method":"tools/call","params":{"name":"b"}}]);
        let m = messages(&v).unwrap();
        assert_eq!(
            check_headers(&m, &h(&[("Mcp-Name", "a")]), false),
            Err(HeaderMismatch::Name)
        );
    }

    #[test]
    fn required_headers_missing_malformed_or_repeated() {
        let m = call("x");
        assert_eq!(
            check_headers(&m, &[], true),
            Err(HeaderMismatch::MissingMethod)
        );
        assert_eq!(
            check_headers(&m, &h(&[("Mcp-Method", "tools/call")]), true),
            Err(HeaderMismatch::MissingName)
        );
        let note = [McpMessage {
            id: None,
            method: Some("notifications/x"),
            name: None,
        }];
        assert_eq!(check_headers(&note, &[], true), Ok(()));
        let r = check_headers(&m, &h(&[("Mcp-Name", "x"), ("MCP-NAME", "x")]), false);
        assert_eq!(r, Err(HeaderMismatch::Repeated));
        for bad in ["=?base64?eA?=", "=?base64?!!!!?=", "x\u{1}"] {
            assert_eq!(
                check_headers(&m, &h(&[("Mcp-Name", bad)]), false),
                Err(HeaderMismatch::InvalidValue),
                "{bad:?}"
            );
        }
        let raw = vec![("Mcp-Name".to_string(), "é".as_bytes().to_vec())];
        assert_eq!(
            check_headers(&m, &raw, false),
            Err(HeaderMismatch::InvalidValue)
        );
    }

    #[test]
    fn protocol_versions_that_require_headers() {
        assert!(headers_required(Some("2026-07-28")) && headers_required(Some("2027-01-01")));
        for v in [
            None,
            Some("2025-11-25"),
            Some("2025-06-18"),
            Some("garbage-long"),
            Some(""),
        ] {
            assert!(!headers_required(v), "{v:?}");
        }
    }
}
