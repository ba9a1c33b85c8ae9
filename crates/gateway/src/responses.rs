//! Locally generated responses: errors with `WWW-Authenticate` (RFC 6750 §3), CORS, preflight.

use crate::config::Cors;
use crate::Response;
use crate::log::push_json_string;

/// Request headers a browser client may send (the MCP Streamable HTTP transport's, plus auth).
pub const CORS_ALLOW_HEADERS: &str =
    "Authorization, Content-Type, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID";
/// Response headers a browser client may read.
pub const CORS_EXPOSE_HEADERS: &str = "Mcp-Session-Id, WWW-Authenticate";
/// Methods of the Streamable HTTP transport.
pub const CORS_ALLOW_METHODS: &str = "GET, POST, DELETE, OPTIONS";

/// Appends `value` as an RFC 9110 §5.6.4 `quoted-string`: `"` and `\` are backslash-escaped;
/// characters a quoted-string cannot carry (controls, DEL, non-ASCII) become `?`, so an
/// attacker-influenced value can never break out of the parameter or the header.
pub fn push_quoted_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\t' | ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push('"');
}

/// The parameters of a Bearer challenge (RFC 6750 §3, RFC 9728 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Challenge<'a> {
    /// `error`: `unauthorized` (missing credentials, per this gateway's contract),
    /// `invalid_request`, `invalid_token` or `insufficient_scope`.
    pub error: &'a str,
    /// `error_description`: a fixed, human-readable reason.
    pub description: &'a str,
    /// `scope`: the scopes required (RFC 6750 §3).
    pub scope: Option<&'a str>,
    /// `resource_metadata`: the RFC 9728 metadata URL (RFC 9728 §5.1).
    pub resource_metadata: Option<&'a str>,
}

impl Challenge<'_> {
    /// Renders the `WWW-Authenticate` value. For `insufficient_scope` the scope follows the
    /// error; otherwise it comes last, as a hint (MCP 2025-11-25 scope selection).
    pub fn render(&self) -> String {
        let mut out = String::from("Bearer error=");
        push_quoted_string(&mut out, self.error);
        let scope_first = self.error == "insufficient_scope";
        if scope_first {
            if let Some(s) = self.scope {
                out.push_str(", scope=");
                push_quoted_string(&mut out, s);
            }
        }
        out.push_str(", error_description=");
        push_quoted_string(&mut out, self.description);
        if let Some(r) = self.resource_metadata {
            out.push_str(", resource_metadata=");
            push_quoted_string(&mut out, r);
        }
        if !scope_first {
            if let Some(s) = self.scope {
                out.push_str(", scope=");
                push_quoted_string(&mut out, s);
            }
        }
        out
    }
}

/// `{"error":…,"error_description":…}`.
pub fn error_body(error: &str, description: &str) -> Vec<u8> {
    let mut s = String::with_capacity(64 + description.len());
    s.push_str("{\"error\":");
    push_json_string(&mut s, error);
    s.push_str(",\"error_description\":");
    push_json_string(&mut s, description);
    s.push('}');
    s.into_bytes()
}

/// A JSON error response (not cacheable).
pub fn json_error(status: u16, error: &str, description: &str) -> Response {
    Response {
        status,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("cache-control".into(), "no-store".into()),
        ],
        body: error_body(error, description),
    }
}

/// A JSON error response carrying a Bearer challenge (401, 403, 400 per RFC 6750 §3.1).
pub fn challenge(status: u16, challenge: &Challenge<'_>) -> Response {
    let mut r = json_error(status, challenge.error, challenge.description);
    r.headers
        .push(("www-authenticate".into(), challenge.render()));
    r
}

/// A JSON document response (`200`) that is the same for every request: publicly cacheable.
pub fn json_document(body: Vec<u8>) -> Response {
    Response {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("cache-control".into(), "public, max-age=300".into()),
        ],
        body,
    }
}

/// The request headers a document derived from the request depends on (see
/// [`crate::discovery::request_origin`]).
pub const DERIVED_VARY: &str = "Host, X-Forwarded-Host, X-Forwarded-Proto";

/// A JSON document (`200`) built from the request's `Host`/`X-Forwarded-*` (RFC 9728 metadata
/// without `auth_resource_url`): `private`, so no shared cache stores one client's variant for
/// everyone (web-cache poisoning; several CDNs ignore `Vary`), and `Vary` naming those headers
/// for the caches that may store it (RFC 9111 §4.1).
pub fn json_document_derived(body: Vec<u8>) -> Response {
    Response {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("cache-control".into(), "private, max-age=300".into()),
            ("vary".into(), DERIVED_VARY.into()),
        ],
        body,
    }
}

/// CORS headers for a response to a request with `origin` (Fetch standard §3.2).
pub fn cors_headers(
    cors: &Cors,
    origin: Option<&str>,
    trace_header: &str,
) -> Vec<(String, String)> {
    let mut expose = String::from(CORS_EXPOSE_HEADERS);
    expose.push_str(", ");
    expose.push_str(trace_header);
    match cors {
        Cors::Disabled => Vec::new(),
        Cors::AnyOrigin => vec![
            ("access-control-allow-origin".into(), "*".into()),
            ("access-control-expose-headers".into(), expose),
        ],
        Cors::Origins(list) => {
            let matched =
                origin.and_then(|o| list.iter().find(|allowed| allowed.eq_ignore_ascii_case(o)));
            let mut h = vec![("vary".to_string(), "Origin".to_string())];
            if let Some(o) = matched {
                h.push(("access-control-allow-origin".into(), o.clone()));
                h.push(("access-control-expose-headers".into(), expose));
            }
            h
        }
    }
}

/// `204` answer to a CORS preflight (`OPTIONS`).
pub fn preflight(cors: &Cors, origin: Option<&str>, trace_header: &str) -> Response {
    let mut headers = cors_headers(cors, origin, trace_header);
    if headers
        .iter()
        .any(|(n, _)| n == "access-control-allow-origin")
    {
        let mut allow = String::from(CORS_ALLOW_HEADERS);
        allow.push_str(", ");
        allow.push_str(trace_header);
        headers.push((
            "access-control-allow-methods".into(),
            CORS_ALLOW_METHODS.into(),
        ));
        headers.push(("access-control-allow-headers".into(), allow));
        headers.push(("access-control-max-age".into(), "86400".into()));
    }
    headers.push(("allow".into(), CORS_ALLOW_METHODS.into()));
    Response {
        status: 204,
        headers,
        body: Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quoted_string_escapes() {
        let mut s = String::new();
        push_quoted_string(&mut s, "a\"b\\c\r\nd\u{e9}");
        assert_eq!(s, r#""a\"b\\c??d?""#);
    }

    #[test]
    fn challenge_shapes() {
        let c = Challenge {
            error: "unauthorized",
            description: "Missing authorization header",
            scope: None,
            resource_metadata: Some("https://h/.well-known/oauth-protected-resource"),
        };
        assert_eq!(
            c.render(),
            r#"Bearer error="unauthorized", error_description="Missing authorization header", resource_metadata="https://h/.well-known/oauth-protected-resource""#
        );
        let c = Challenge {
            error: "insufficient_scope",
            description: "d",
            scope: Some("a b"),
            resource_metadata: None,
        };
        assert_eq!(
            c.render(),
            r#"Bearer error="insufficient_scope", scope="a b", error_description="d""#
        );
        let c = Challenge {
            error: "invalid_token",
            description: "d",
            scope: Some("a"),
            resource_metadata: Some("r"),
        };
        assert_eq!(
            c.render(),
            r#"Bearer error="invalid_token", error_description="d", resource_metadata="r", scope="a""#
        );
    }

    #[test]
    fn cors_lists() {
        let cors = Cors::Origins(vec!["https://a.com".into()]);
        let h = cors_headers(&cors, Some("https://a.com"), "x-trace-id");
        assert!(h.contains(&("access-control-allow-origin".into(), "https://a.com".into())));
        let h = cors_headers(&cors, Some("https://evil.com"), "x-trace-id");
        assert_eq!(h, vec![("vary".to_string(), "Origin".to_string())]);
        assert!(cors_headers(&Cors::Disabled, Some("https://a.com"), "x").is_empty());
    }

    #[test]
    fn error_body_is_json() {
        let v: ::json::Value =
            ::json::from_slice(&error_body("invalid_token", "a \"q\"")).unwrap();
        assert_eq!(v["error_description"], "a \"q\"");
    }
}
