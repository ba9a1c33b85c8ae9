//! OAuth discovery documents: RFC 9728 protected resource metadata and RFC 8414 authorization
//! server metadata, at their well-known URIs and the path-suffixed forms (RFC 9728 §3.1,
//! RFC 8414 §3.1), as the MCP authorization specification (2025-06-18, 2025-11-25) requires.

use ::json::{Map, Value};

use crate::config::Config;
use crate::log::RequestLog;
use crate::ports::{HttpClient, KeyValue, Random};
use crate::provider::{MetadataUnavailable, Provider};
use crate::url::{self, Url};
use crate::RequestHead;

/// RFC 9728 §3: well-known suffix of protected resource metadata.
pub const PROTECTED_RESOURCE_PATH: &str = "/.well-known/oauth-protected-resource";
/// RFC 8414 §3: well-known suffix of authorization server metadata.
pub const AUTHORIZATION_SERVER_PATH: &str = "/.well-known/oauth-authorization-server";

/// What a request path addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// Protected resource metadata; the path suffix after the well-known name (may be empty).
    ProtectedResource(&'a str),
    /// Authorization server metadata; the path suffix (may be empty).
    AuthorizationServer(&'a str),
    /// Anything else: the protected MCP endpoint.
    Mcp,
}

/// Classifies a request path (without query).
pub fn classify(path: &str) -> Route<'_> {
    for (prefix, protected) in [
        (PROTECTED_RESOURCE_PATH, true),
        (AUTHORIZATION_SERVER_PATH, false),
    ] {
        if let Some(rest) = path.strip_prefix(prefix) {
            if rest.is_empty() || rest.starts_with('/') {
                return if protected {
                    Route::ProtectedResource(rest)
                } else {
                    Route::AuthorizationServer(rest)
                };
            }
        }
    }
    Route::Mcp
}

fn first_list_item(value: &str) -> &str {
    value.split(',').next().unwrap_or("").trim()
}

/// The origin the client used, from `X-Forwarded-Host`/`Host`/the request authority and
/// `X-Forwarded-Proto`/the request scheme. `None` when the host is not a valid authority.
///
/// Used **only** for URLs in discovery documents and challenges, never for the expected
/// audience: those headers are client-controlled (see [`crate::variables::RESOURCE_URL`]).
/// A document built from them is served `private` with `Vary` naming them
/// ([`crate::responses::json_document_derived`]), so no shared cache hands one client's
/// variant to another (review F7). `auth_trust_forwarded_headers` does not apply here: it
/// governs what reaches the upstream, and a client misleading itself harms no one else.
pub fn request_origin(req: &RequestHead) -> Option<String> {
    let host = req
        .header("x-forwarded-host")
        .map(first_list_item)
        .filter(|h| !h.is_empty())
        .or_else(|| req.header("host").map(str::trim))
        .or(req.authority.as_deref())?;
    let (host, port) = url::split_authority(host).ok()?;
    let proto = req
        .header("x-forwarded-proto")
        .map(|p| first_list_item(p).to_ascii_lowercase())
        .filter(|p| p == "http" || p == "https")
        .or_else(|| {
            req.scheme
                .as_deref()
                .map(str::to_ascii_lowercase)
                .filter(|s| s == "http" || s == "https")
        })
        .unwrap_or_else(|| {
            if url::is_loopback_host(&host) {
                "http".into()
            } else {
                "https".into()
            }
        });
    let mut s = proto;
    s.push_str("://");
    s.push_str(&host);
    if let Some(p) = port {
        let default = if s.starts_with("https") { 443 } else { 80 };
        if p != default {
            s.push(':');
            s.push_str(&p.to_string());
        }
    }
    Some(s)
}

fn is_path_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b)
}

/// The `resource_metadata` URL for challenges (RFC 9728 §5.1): the well-known URI of the
/// configured resource (path inserted after the host, §3.1), or the root well-known URI of
/// the request's origin.
pub fn resource_metadata_url(config: &Config, req: &RequestHead) -> Option<String> {
    match &config.resource {
        Some(resource) => {
            let mut s = resource.origin();
            s.push_str(PROTECTED_RESOURCE_PATH);
            let path = resource.path().trim_end_matches('/');
            s.push_str(path);
            Some(s)
        }
        None => {
            let mut s = request_origin(req)?;
            s.push_str(PROTECTED_RESOURCE_PATH);
            Some(s)
        }
    }
}

/// The RFC 9728 §2 document. `resource` is `auth_resource_url` when configured; otherwise the
/// request's origin plus the path suffix (so the document at `/.well-known/oauth-protected-
/// resource/mcp` names `<origin>/mcp`, as §3.3 requires). `None`: the host header is invalid.
// Not inlined: Cranelift's compile work grows faster than a function's size, and
// LLVM would fold this into the request handler (scripts/size-report measures it).
#[inline(never)]
pub fn protected_resource_document(
    config: &Config,
    req: &RequestHead,
    suffix: &str,
) -> Option<Vec<u8>> {
    let resource = match &config.resource_url {
        Some(r) => r.clone(),
        None => {
            let mut r = request_origin(req)?;
            let suffix = suffix.trim_end_matches('/');
            if !suffix.bytes().all(is_path_char) {
                return None;
            }
            r.push_str(suffix);
            r
        }
    };
    let mut doc = Map::new();
    doc.insert("resource".into(), Value::String(resource));
    doc.insert(
        "authorization_servers".into(),
        Value::Array(
            config
                .providers
                .iter()
                .map(|p| Value::String(p.issuer.clone()))
                .collect(),
        ),
    );
    doc.insert(
        "bearer_methods_supported".into(),
        Value::Array(vec![Value::String("header".into())]),
    );
    let scopes = config.scopes_supported();
    if !scopes.is_empty() {
        doc.insert(
            "scopes_supported".into(),
            Value::Array(scopes.into_iter().map(Value::String).collect()),
        );
    }
    ::json::to_vec(&Value::Object(doc)).ok()
}

/// The provider an authorization-server metadata request is about: the one whose issuer path
/// equals the suffix (RFC 8414 §3.1 path insertion), else the first.
pub fn provider_for_suffix<'a>(providers: &'a [Provider], suffix: &str) -> Option<&'a Provider> {
    let suffix = suffix.trim_end_matches('/');
    if !suffix.is_empty() {
        let by_path = providers.iter().find(|p| {
            Url::parse(&p.issuer).is_ok_and(|u| {
                let path = u.path().trim_end_matches('/');
                !path.is_empty() && path == suffix
            })
        });
        if by_path.is_some() {
            return by_path;
        }
    }
    providers.first()
}

/// The RFC 8414 §2 document for the provider the suffix selects.
pub fn authorization_server_document<P: KeyValue + HttpClient + Random>(
    ports: &P,
    config: &Config,
    suffix: &str,
    now: u64,
    log: &mut RequestLog,
) -> Result<Vec<u8>, MetadataUnavailable> {
    let provider = provider_for_suffix(&config.providers, suffix).ok_or(MetadataUnavailable {
        retry_after_secs: 1,
    })?;
    log.set_provider(&provider.name);
    let doc = provider.authorization_server_metadata(
        ports,
        &config.cache,
        config.provider_timeout_ms,
        now,
        &provider.required_scopes,
        log,
    )?;
    Ok(::json::to_vec(&Value::Object(doc)).unwrap_or_default())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn head(headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: "GET".into(),
            scheme: Some("http".into()),
            authority: Some("fallback.example:8080".into()),
            path_and_query: "/".into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
                .collect(),
        }
    }

    #[test]
    fn classify_paths() {
        assert_eq!(
            classify("/.well-known/oauth-protected-resource"),
            Route::ProtectedResource("")
        );
        assert_eq!(
            classify("/.well-known/oauth-protected-resource/mcp"),
            Route::ProtectedResource("/mcp")
        );
        assert_eq!(
            classify("/.well-known/oauth-authorization-server/x"),
            Route::AuthorizationServer("/x")
        );
        assert_eq!(
            classify("/.well-known/oauth-protected-resourcex"),
            Route::Mcp
        );
        assert_eq!(classify("/mcp"), Route::Mcp);
    }

    #[test]
    fn origin_sources() {
        assert_eq!(
            request_origin(&head(&[("host", "a.example")])).unwrap(),
            "http://a.example"
        );
        assert_eq!(
            request_origin(&head(&[
                ("host", "a.example"),
                ("x-forwarded-host", "b.example, c"),
                ("x-forwarded-proto", "HTTPS")
            ]))
            .unwrap(),
            "https://b.example"
        );
        assert_eq!(
            request_origin(&head(&[])).unwrap(),
            "http://fallback.example:8080"
        );
        assert_eq!(request_origin(&head(&[("host", "evil\"host")])), None);
        assert_eq!(
            request_origin(&head(&[
                ("host", "a.example:443"),
                ("x-forwarded-proto", "https")
            ]))
            .unwrap(),
            "https://a.example"
        );
    }
}
