//! The request rules of [`super`]: which client headers are dropped, which query parameters,
//! and whether a body's encoding can be vouched for. Pure functions over the request head.

use crate::RequestHead;

/// Hop-by-hop header fields (RFC 9110 §7.6.1 and the de-facto ones).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "proxy-connection",
    "keep-alive",
    "te",
    "transfer-encoding",
    "upgrade",
    "trailer",
    "proxy-authorization",
    "proxy-authenticate",
];

/// Client proxy headers dropped unless `auth_trust_forwarded_headers` (besides every
/// `x-forwarded-*`): RFC 7239 `Forwarded` and the de-facto client-address headers.
pub const PROXY_HEADERS: &[&str] = &[
    "forwarded",
    "x-real-ip",
    "true-client-ip",
    "x-client-ip",
    "x-cluster-client-ip",
    "cf-connecting-ip",
    "fastly-client-ip",
    "client-ip",
];

/// Whether `lower` is a client proxy header (see [`PROXY_HEADERS`]).
pub(super) fn is_proxy_header(lower: &str) -> bool {
    lower.starts_with("x-forwarded-") || PROXY_HEADERS.contains(&lower)
}

/// Whether one `&`-separated query item is the RFC 6750 §2.3 `access_token` parameter, in any
/// spelling a server's decoder reads as that name (percent-encoded, any ASCII case, or
/// `;`-separated as older form decoders split).
pub(super) fn is_access_token_param(item: &str) -> bool {
    item.split(';').any(|part| {
        let name = part.split('=').next().unwrap_or("");
        let mut decoded = Vec::with_capacity(name.len());
        let mut bytes = name.bytes();
        while let Some(b) = bytes.next() {
            let hex = |c: u8| char::from(c).to_digit(16);
            if b == b'%' {
                let mut rest = bytes.clone();
                if let (Some(h), Some(l)) = (rest.next().and_then(hex), rest.next().and_then(hex)) {
                    decoded.push((h * 16 + l) as u8);
                    bytes = rest;
                    continue;
                }
            }
            decoded.push(b);
        }
        decoded.eq_ignore_ascii_case(b"access_token")
    })
}

pub(super) fn connection_tokens(req: &RequestHead) -> Vec<String> {
    req.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
        .filter_map(|(_, v)| core::str::from_utf8(v).ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Why a request body with these headers would be read differently upstream: a content coding
/// (a server may inflate `gzip`) or a non-UTF-8 `charset` (servers decode by it: the TypeScript
/// MCP SDK hands it to iconv, which knows UTF-7 and UTF-16). `None` when the body is plain UTF-8.
pub(super) fn unsupported_body(req: &RequestHead) -> Option<&'static str> {
    for (name, value) in &req.headers {
        let lower = value.to_ascii_lowercase();
        if name.eq_ignore_ascii_case("content-encoding")
            && lower
                .split(|&b| b == b',')
                .any(|c| !matches!(c.trim_ascii(), b"" | b"identity"))
        {
            return Some("request_content_encoding_unsupported");
        }
        if name.eq_ignore_ascii_case("content-type") && lower.windows(7).any(|w| w == b"charset") {
            // Every parameter naming a charset must say UTF-8, plainly.
            let plain = lower.split(|&b| b == b';').skip(1).all(|param| {
                if !param.windows(7).any(|w| w == b"charset") {
                    return true;
                }
                let Some(eq) = param.iter().position(|&b| b == b'=') else {
                    return false;
                };
                let (key, value) = param.split_at(eq);
                let value = value.get(1..).unwrap_or_default().trim_ascii();
                let value = value
                    .strip_prefix(b"\"")
                    .and_then(|v| v.strip_suffix(b"\""))
                    .unwrap_or(value);
                key.trim_ascii() == b"charset" && matches!(value, b"utf-8" | b"utf8")
            });
            if !plain {
                return Some("request_charset_unsupported");
            }
        }
    }
    None
}

pub(super) fn is_hop_by_hop(name: &str, tokens: &[String]) -> bool {
    HOP_BY_HOP.contains(&name) || tokens.iter().any(|t| t == name)
}

/// Header values this gateway sets must be valid field values (RFC 9110 §5.5): no controls.
pub(super) fn valid_field_value(v: &str) -> bool {
    v.bytes().all(|b| b == b'\t' || b >= 0x20) && !v.bytes().any(|b| b == 0x7f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_token_query_parameter_spellings() {
        for item in [
            "access_token=x",
            "ACCESS_TOKEN=x",
            "access%5Ftoken=x",
            "access%5ftoken",
            "a=1;access_token=x",
        ] {
            assert!(is_access_token_param(item), "{item}");
        }
        for item in [
            "access_token_hint=x",
            "token=x",
            "x=access_token",
            "%zz",
            "%",
        ] {
            assert!(!is_access_token_param(item), "{item}");
        }
    }
}
