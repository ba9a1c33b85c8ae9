//! Configuration: Spin variables → a validated [`Config`], re-read on every request.
//!
//! Spin creates a fresh instance per request, so there is nothing to cache; reading ~20
//! variables is cheap. Every error names the variable and says how to fix it; the gateway turns
//! it into a 500 `server_error` whose log line carries the message. Defaults are the safe
//! choice: authentication on, no provider (so every protected request fails closed until one
//! is configured), audience always checked, no token passthrough.
//!
//! The variable names and defaults live in [`crate::variables`].

use core::fmt;

use crate::jwks_cache::CachePolicy;
use crate::ports::Variables;
use crate::provider::{Provider, ProviderKind};
use crate::url::{self, HostAllowList, SecureUrlError, Url};
use crate::variables::*;


/// A configuration fault: which variable, and what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigError {
    /// The offending variable.
    pub variable: &'static str,
    /// What is wrong and how to fix it.
    pub problem: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.variable)?;
        f.write_str(": ")?;
        f.write_str(self.problem)
    }
}

impl std::error::Error for ConfigError {}

fn err(variable: &'static str, problem: &'static str) -> ConfigError {
    ConfigError { variable, problem }
}

/// Cross-origin policy for browser-based MCP clients (Fetch standard, CORS protocol).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cors {
    /// No CORS headers at all.
    Disabled,
    /// `Access-Control-Allow-Origin: *`.
    AnyOrigin,
    /// Echo the request's `Origin` when it is one of these (serialized origins).
    Origins(Vec<String>),
}

/// The validated configuration of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `auth_enabled`.
    pub enabled: bool,
    /// `auth_gateway_url`.
    pub gateway: Url,
    /// `auth_trace_header`, lowercased.
    pub trace_header: String,
    /// `auth_resource_url` as configured (trimmed), if set.
    pub resource_url: Option<String>,
    /// The parsed `auth_resource_url`.
    pub resource: Option<Url>,
    /// Active providers (empty when auth is disabled).
    pub providers: Vec<Provider>,
    /// `auth_cors_allowed_origins`.
    pub cors: Cors,
    /// `auth_leeway_secs`.
    pub leeway_secs: u64,
    /// JWKS cache policy.
    pub cache: CachePolicy,
    /// `auth_forward_authorization`.
    pub forward_authorization: bool,
    /// `auth_gateway_timeout_secs`, in milliseconds.
    pub gateway_timeout_ms: u64,
    /// `auth_provider_timeout_secs`, in milliseconds.
    pub provider_timeout_ms: u64,
    /// `auth_max_body_bytes`.
    pub max_body_bytes: usize,
}

/// The trimmed value of a variable; undefined reads as empty.
fn read(vars: &impl Variables, name: &str) -> String {
    vars.variable(name)
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

/// Parses a boolean variable (`true/false`, `1/0`, `yes/no`, `on/off`, any case).
fn parse_bool(
    vars: &impl Variables,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    let v = read(vars, name);
    if v.is_empty() {
        return Ok(default);
    }
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(err(name, "must be true or false")),
    }
}

/// Parses a whole number of seconds in `min..=max`.
fn parse_secs(
    vars: &impl Variables,
    name: &'static str,
    default: u64,
    (min, max): (u64, u64),
    problem: &'static str,
) -> Result<u64, ConfigError> {
    let v = read(vars, name);
    if v.is_empty() {
        return Ok(default);
    }
    if v.len() > 12 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(name, problem));
    }
    match v.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(err(name, problem)),
    }
}

/// Splits a list on commas and whitespace, dropping empty items and duplicates.
pub fn split_list(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in value.split(|c: char| c == ',' || c.is_ascii_whitespace()) {
        if !item.is_empty() && !out.iter().any(|o| o == item) {
            out.push(item.to_string());
        }
    }
    out
}

/// RFC 9110 §5.6.2 `tchar`.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// RFC 6749 §3.3 `scope-token`: `%x21 / %x23-5B / %x5D-7E`.
fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

fn secure_url(value: &str, name: &'static str, problem: &'static str) -> Result<Url, ConfigError> {
    url::parse_secure(value).map_err(|e| match e {
        SecureUrlError::NotHttps => err(
            name,
            "must use https (http is allowed only for localhost / 127.0.0.1 / [::1])",
        ),
        SecureUrlError::Url(_) => err(name, problem),
    })
}

/// Reads an optional advertised endpoint (never fetched, so not host-restricted).
fn endpoint(vars: &impl Variables, name: &'static str) -> Result<Option<String>, ConfigError> {
    let v = read(vars, name);
    if v.is_empty() {
        return Ok(None);
    }
    secure_url(
        &v,
        name,
        "must be an absolute https URL, e.g. https://auth.example.com/authorize",
    )?;
    Ok(Some(v))
}

impl Config {
    /// Reads and validates every variable.
    pub fn load(vars: &impl Variables) -> Result<Config, ConfigError> {
        let enabled = parse_bool(vars, ENABLED, true)?;

        let gateway_raw = read(vars, GATEWAY_URL);
        let gateway_raw = if gateway_raw.is_empty() {
            DEFAULT_GATEWAY_URL.to_string()
        } else {
            gateway_raw
        };
        let gateway = match Url::parse(&gateway_raw) {
            Ok(u) if u.query().is_none() => u,
            _ => {
                return Err(err(
                    GATEWAY_URL,
                    "must be an absolute http(s) URL without query, e.g. http://ftl-mcp-gateway.spin.internal/mcp-internal",
                ))
            }
        };

        let trace_header = read(vars, TRACE_HEADER);
        let trace_header = if trace_header.is_empty() {
            DEFAULT_TRACE_HEADER.to_string()
        } else {
            trace_header
        }
        .to_ascii_lowercase();
        if trace_header.len() > 64
            || !trace_header.bytes().all(is_tchar)
            || trace_header.starts_with("x-auth-")
            || matches!(
                trace_header.as_str(),
                "authorization"
                    | "host"
                    | "content-length"
                    | "content-type"
                    | "transfer-encoding"
                    | "connection"
                    | "te"
                    | "upgrade"
                    | "cookie"
                    | "mcp-session-id"
            )
        {
            return Err(err(
                TRACE_HEADER,
                "must be a header name (letters, digits, '-'; at most 64) that is not reserved, e.g. X-Trace-Id",
            ));
        }

        let resource_url = read(vars, RESOURCE_URL);
        let (resource_url, resource) = if resource_url.is_empty() {
            (None, None)
        } else {
            let problem = "must be the absolute https URL of this MCP endpoint without query, e.g. https://mcp.example.com/mcp";
            let u = secure_url(&resource_url, RESOURCE_URL, problem)?;
            if u.query().is_some() {
                return Err(err(RESOURCE_URL, problem));
            }
            (Some(resource_url), Some(u))
        };

        let cors = parse_cors(vars)?;
        let leeway_secs = parse_secs(
            vars,
            LEEWAY,
            60,
            (0, 600),
            "must be a whole number of seconds from 0 to 600",
        )?;
        let ttl_secs = parse_secs(
            vars,
            JWKS_TTL,
            300,
            (1, 86_400),
            "must be a whole number of seconds from 1 to 86400",
        )?;
        let cooldown_secs = parse_secs(
            vars,
            JWKS_COOLDOWN,
            30,
            (0, 3600),
            "must be a whole number of seconds from 0 to 3600",
        )?;
        if cooldown_secs > ttl_secs {
            return Err(err(
                JWKS_COOLDOWN,
                "must not exceed auth_jwks_cache_ttl_secs",
            ));
        }
        let stale_secs = parse_secs(
            vars,
            JWKS_STALE,
            3600,
            (0, 604_800),
            "must be a whole number of seconds from 0 to 604800",
        )?;
        let forward_authorization = parse_bool(vars, FORWARD_AUTHORIZATION, false)?;
        let gateway_timeout_secs = parse_secs(
            vars,
            GATEWAY_TIMEOUT,
            300,
            (1, 3600),
            "must be a whole number of seconds from 1 to 3600",
        )?;
        let provider_timeout_secs = parse_secs(
            vars,
            PROVIDER_TIMEOUT,
            5,
            (1, 60),
            "must be a whole number of seconds from 1 to 60",
        )?;
        let max_body_bytes = parse_secs(
            vars,
            MAX_BODY_BYTES,
            crate::auth_context::MAX_PARSE_BYTES as u64,
            (1024, 16 * 1024 * 1024),
            "must be a whole number of bytes from 1024 to 16777216",
        )?;
        let max_body_bytes = usize::try_from(max_body_bytes).map_err(|_| {
            err(
                MAX_BODY_BYTES,
                "must be a whole number of bytes from 1024 to 16777216",
            )
        })?;

        let providers = if enabled {
            load_providers(vars, resource_url.as_deref())?
        } else {
            Vec::new()
        };

        Ok(Config {
            enabled,
            gateway,
            trace_header,
            resource_url,
            resource,
            providers,
            cors,
            leeway_secs,
            cache: CachePolicy {
                ttl_secs,
                cooldown_secs,
                stale_secs,
            },
            forward_authorization,
            gateway_timeout_ms: gateway_timeout_secs * 1000,
            provider_timeout_ms: provider_timeout_secs * 1000,
            max_body_bytes,
        })
    }

    /// Scopes advertised in metadata: every provider's required scopes, deduplicated in order.
    pub fn scopes_supported(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in &self.providers {
            for s in &p.required_scopes {
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
        }
        out
    }
}

fn parse_cors(vars: &impl Variables) -> Result<Cors, ConfigError> {
    let raw = match vars.variable(CORS_ORIGINS) {
        None => return Ok(Cors::AnyOrigin),
        Some(v) => v.trim().to_string(),
    };
    if raw.is_empty() {
        return Ok(Cors::Disabled);
    }
    if raw == "*" {
        return Ok(Cors::AnyOrigin);
    }
    let mut origins = Vec::new();
    for item in split_list(&raw) {
        match Url::parse(&item) {
            Ok(u) if u.path() == "/" && u.query().is_none() && !item.ends_with('/') => origins.push(u.origin()),
            _ => {
                return Err(err(
                    CORS_ORIGINS,
                    "must be *, empty, or comma-separated origins such as https://app.example.com (no path)",
                ))
            }
        }
    }
    Ok(Cors::Origins(origins))
}

fn load_providers(
    vars: &impl Variables,
    resource_url: Option<&str>,
) -> Result<Vec<Provider>, ConfigError> {
    let mut providers: Vec<Provider> = Vec::new();
    for slot in PROVIDER_SLOTS.iter() {
        if let Some(p) = load_provider(vars, slot, resource_url)? {
            if providers.iter().any(|q| q.issuer == p.issuer) {
                return Err(err(
                    slot.issuer,
                    "this issuer is already configured by another provider slot",
                ));
            }
            providers.push(p);
        }
    }
    if providers.is_empty() {
        let first = &PROVIDER_SLOTS[0];
        return Err(err(
            first.issuer,
            "no identity provider is configured: set auth_provider_type and auth_provider_issuer (or auth_enabled=false to disable authentication)",
        ));
    }
    Ok(providers)
}

fn load_provider(
    vars: &impl Variables,
    slot: &'static ProviderVars,
    resource_url: Option<&str>,
) -> Result<Option<Provider>, ConfigError> {
    let kind_raw = read(vars, slot.kind);
    let issuer_raw = read(vars, slot.issuer);
    if kind_raw.is_empty() && issuer_raw.is_empty() {
        return Ok(None);
    }
    let kind = match kind_raw.to_ascii_lowercase().as_str() {
        "authkit" => ProviderKind::AuthKit,
        "oidc" => ProviderKind::Oidc,
        _ => return Err(err(slot.kind, "must be authkit or oidc")),
    };
    if issuer_raw.is_empty() {
        return Err(err(
            slot.issuer,
            "is required when the provider type is set, e.g. https://your-tenant.authkit.app",
        ));
    }

    let issuer_problem = "must be the provider's issuer URL, e.g. https://your-tenant.authkit.app";
    let issuer = match kind {
        ProviderKind::AuthKit => {
            // AuthKit issuers are origins: accept `tenant.authkit.app` and a trailing slash.
            let with_scheme = if issuer_raw.contains("://") {
                issuer_raw.clone()
            } else {
                let mut s = String::from("https://");
                s.push_str(&issuer_raw);
                s
            };
            with_scheme.trim_end_matches('/').to_string()
        }
        // OIDC issuers are compared byte for byte (OpenID Connect Discovery §4.3): no rewriting.
        ProviderKind::Oidc => issuer_raw.clone(),
    };
    let issuer_url = secure_url(&issuer, slot.issuer, issuer_problem)?;
    if issuer_url.query().is_some() {
        return Err(err(slot.issuer, "must not have a query (RFC 8414 §2)"));
    }

    let mut allowed = vec![issuer_url.host().to_string()];
    let domains_raw = read(vars, slot.allowed_domains);
    for d in split_list(&domains_raw) {
        let d = d.to_ascii_lowercase();
        let host = d.strip_prefix("*.").unwrap_or(&d);
        let valid = !host.is_empty()
            && host.contains('.')
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
            || url::is_loopback_host(host);
        if !valid {
            return Err(err(
                slot.allowed_domains,
                "must be comma-separated host names, e.g. authkit.app, *.auth0.com",
            ));
        }
        if !allowed.contains(&d) {
            allowed.push(d);
        }
    }
    let allowed_hosts = HostAllowList::new(allowed);

    let jwks_raw = read(vars, slot.jwks_uri);
    let jwks_uri = if jwks_raw.is_empty() {
        match kind {
            ProviderKind::AuthKit => {
                let mut s = issuer.clone();
                s.push_str("/oauth2/jwks");
                Some(secure_url(&s, slot.issuer, issuer_problem)?)
            }
            ProviderKind::Oidc => None,
        }
    } else {
        Some(secure_url(
            &jwks_raw,
            slot.jwks_uri,
            "must be an absolute https URL, e.g. https://auth.example.com/.well-known/jwks.json",
        )?)
    };
    if let Some(j) = &jwks_uri {
        if !allowed_hosts.allows(j.host()) {
            return Err(err(
                slot.jwks_uri,
                "host is neither the issuer's nor listed in the provider's allowed_domains variable",
            ));
        }
    }

    let mut audiences = split_list(&read(vars, slot.audience));
    if audiences
        .iter()
        .any(|a| a.bytes().any(|b| !(0x21..=0x7E).contains(&b)))
    {
        return Err(err(
            slot.audience,
            "must be printable values separated by commas",
        ));
    }
    if audiences.is_empty() {
        match resource_url {
            Some(r) => audiences.push(r.to_string()),
            None => {
                return Err(err(
                    slot.audience,
                    "no expected audience: set it (comma-separated) or set auth_resource_url; MCP servers must validate the token audience (RFC 8707)",
                ))
            }
        }
    }

    let required_scopes = split_list(&read(vars, slot.required_scopes));
    if !required_scopes.iter().all(|s| is_scope_token(s)) {
        return Err(err(
            slot.required_scopes,
            "must be scope names separated by spaces or commas (RFC 6749 §3.3)",
        ));
    }

    let name_raw = read(vars, slot.name);
    let name = if name_raw.is_empty() {
        kind.as_str().to_string()
    } else {
        name_raw
    };
    if name.len() > 64 || !name.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
        return Err(err(
            slot.name,
            "must be at most 64 printable ASCII characters",
        ));
    }

    Ok(Some(Provider {
        vars: slot,
        kind,
        name,
        issuer,
        audiences,
        jwks_uri,
        authorize_endpoint: endpoint(vars, slot.authorize_endpoint)?,
        token_endpoint: endpoint(vars, slot.token_endpoint)?,
        userinfo_endpoint: endpoint(vars, slot.userinfo_endpoint)?,
        allowed_hosts,
        required_scopes,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Vars(HashMap<&'static str, &'static str>);
    impl Variables for Vars {
        fn variable(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| v.to_string())
        }
    }
    fn vars(pairs: &[(&'static str, &'static str)]) -> Vars {
        Vars(pairs.iter().copied().collect())
    }
    fn authkit() -> Vec<(&'static str, &'static str)> {
        vec![
            ("auth_provider_type", "authkit"),
            ("auth_provider_issuer", "tenant.authkit.app/"),
            ("auth_resource_url", "https://mcp.example.com/mcp"),
        ]
    }

    #[test]
    fn defaults_fail_closed_without_provider() {
        let e = Config::load(&vars(&[])).unwrap_err();
        assert_eq!(e.variable, "auth_provider_issuer");
        assert!(e
            .to_string()
            .starts_with("auth_provider_issuer: no identity provider"));
    }

    #[test]
    fn disabled_needs_no_provider() {
        let c = Config::load(&vars(&[("auth_enabled", "false")])).unwrap();
        assert!(!c.enabled);
        assert!(c.providers.is_empty());
        assert_eq!(c.gateway.to_string(), DEFAULT_GATEWAY_URL);
        assert_eq!(c.trace_header, "x-trace-id");
        assert_eq!(c.cors, Cors::AnyOrigin);
        assert_eq!(
            c.cache,
            CachePolicy {
                ttl_secs: 300,
                cooldown_secs: 30,
                stale_secs: 3600
            }
        );
        assert!(!c.forward_authorization);
        assert_eq!(c.gateway_timeout_ms, 300_000);
        assert_eq!(c.provider_timeout_ms, 5000);
    }

    #[test]
    fn authkit_derivations() {
        let c = Config::load(&vars(&authkit())).unwrap();
        let p = &c.providers[0];
        assert_eq!(p.issuer, "https://tenant.authkit.app");
        assert_eq!(
            p.jwks_uri.as_ref().unwrap().to_string(),
            "https://tenant.authkit.app/oauth2/jwks"
        );
        assert_eq!(p.audiences, vec!["https://mcp.example.com/mcp".to_string()]);
        assert_eq!(p.name, "authkit");
    }

    #[test]
    fn audience_is_required_somewhere() {
        let e = Config::load(&vars(&[
            ("auth_provider_type", "authkit"),
            ("auth_provider_issuer", "https://t.authkit.app"),
        ]))
        .unwrap_err();
        assert_eq!(e.variable, "auth_provider_audience");
        let c = Config::load(&vars(&[
            ("auth_provider_type", "authkit"),
            ("auth_provider_issuer", "https://t.authkit.app"),
            ("auth_provider_audience", "a, b c"),
        ]))
        .unwrap();
        assert_eq!(c.providers[0].audiences, vec!["a", "b", "c"]);
    }

    #[test]
    fn errors_name_the_variable() {
        let cases: &[(&[(&'static str, &'static str)], &str)] = &[
            (&[("auth_enabled", "maybe")], "auth_enabled"),
            (
                &[("auth_enabled", "false"), ("auth_gateway_url", "ftp://x")],
                "auth_gateway_url",
            ),
            (
                &[
                    ("auth_enabled", "false"),
                    ("auth_gateway_url", "http://g/x?q=1"),
                ],
                "auth_gateway_url",
            ),
            (
                &[
                    ("auth_enabled", "false"),
                    ("auth_trace_header", "bad header"),
                ],
                "auth_trace_header",
            ),
            (
                &[
                    ("auth_enabled", "false"),
                    ("auth_trace_header", "Authorization"),
                ],
                "auth_trace_header",
            ),
            (
                &[("auth_enabled", "false"), ("auth_leeway_secs", "-1")],
                "auth_leeway_secs",
            ),
            (
                &[("auth_enabled", "false"), ("auth_leeway_secs", "601")],
                "auth_leeway_secs",
            ),
            (
                &[("auth_enabled", "false"), ("auth_jwks_cache_ttl_secs", "0")],
                "auth_jwks_cache_ttl_secs",
            ),
            (
                &[
                    ("auth_enabled", "false"),
                    ("auth_jwks_cache_ttl_secs", "10"),
                ],
                "auth_jwks_refetch_cooldown_secs",
            ),
            (
                &[
                    ("auth_enabled", "false"),
                    ("auth_cors_allowed_origins", "https://a.com/path"),
                ],
                "auth_cors_allowed_origins",
            ),
            (
                &[
                    ("auth_enabled", "false"),
                    ("auth_resource_url", "http://mcp.example.com/mcp"),
                ],
                "auth_resource_url",
            ),
            (
                &[
                    ("auth_provider_type", "saml"),
                    ("auth_provider_issuer", "https://x"),
                ],
                "auth_provider_type",
            ),
            (&[("auth_provider_type", "oidc")], "auth_provider_issuer"),
            (
                &[("auth_provider_issuer", "https://x.com")],
                "auth_provider_type",
            ),
            (
                &[
                    ("auth_provider_type", "oidc"),
                    ("auth_provider_issuer", "http://idp.example.com"),
                    ("auth_provider_audience", "a"),
                ],
                "auth_provider_issuer",
            ),
            (
                &[
                    ("auth_provider_type", "oidc"),
                    ("auth_provider_issuer", "https://idp.example.com"),
                    ("auth_provider_audience", "a"),
                    ("auth_provider_jwks_uri", "https://evil.com/jwks"),
                ],
                "auth_provider_jwks_uri",
            ),
            (
                &[
                    ("auth_provider_type", "oidc"),
                    ("auth_provider_issuer", "https://idp.example.com"),
                    ("auth_provider_audience", "a"),
                    ("auth_provider_allowed_domains", "not a/domain"),
                ],
                "auth_provider_allowed_domains",
            ),
            (
                &[
                    ("auth_provider_type", "oidc"),
                    ("auth_provider_issuer", "https://idp.example.com"),
                    ("auth_provider_audience", "a"),
                    ("auth_provider_required_scopes", "a\"b"),
                ],
                "auth_provider_required_scopes",
            ),
            (
                &[
                    ("auth_provider_type", "oidc"),
                    ("auth_provider_issuer", "https://idp.example.com"),
                    ("auth_provider_audience", "a"),
                    (
                        "auth_provider_token_endpoint",
                        "http://idp.example.com/token",
                    ),
                ],
                "auth_provider_token_endpoint",
            ),
            (
                &[
                    ("auth_provider_type", "oidc"),
                    ("auth_provider_issuer", "https://i.example.com"),
                    ("auth_provider_audience", "a"),
                    ("auth_provider2_type", "oidc"),
                    ("auth_provider2_issuer", "https://i.example.com"),
                    ("auth_provider2_audience", "a"),
                ],
                "auth_provider2_issuer",
            ),
        ];
        for (pairs, variable) in cases {
            let e = Config::load(&vars(pairs)).unwrap_err();
            assert_eq!(&e.variable, variable, "{pairs:?} → {e}");
        }
    }

    #[test]
    fn allowed_domains_admit_jwks_host() {
        let c = Config::load(&vars(&[
            ("auth_provider_type", "oidc"),
            ("auth_provider_issuer", "https://accounts.google.com"),
            ("auth_provider_audience", "client-id"),
            (
                "auth_provider_jwks_uri",
                "https://www.googleapis.com/oauth2/v3/certs",
            ),
            ("auth_provider_allowed_domains", "googleapis.com"),
        ]))
        .unwrap();
        assert!(c.providers[0].allowed_hosts.allows("www.googleapis.com"));
        assert!(c.providers[0].allowed_hosts.allows("accounts.google.com"));
    }

    #[test]
    fn cors_forms() {
        let base = [("auth_enabled", "false")];
        let mut v = base.to_vec();
        v.push(("auth_cors_allowed_origins", ""));
        assert_eq!(Config::load(&vars(&v)).unwrap().cors, Cors::Disabled);
        let mut v = base.to_vec();
        v.push((
            "auth_cors_allowed_origins",
            "https://A.example.com, http://localhost:6274",
        ));
        assert_eq!(
            Config::load(&vars(&v)).unwrap().cors,
            Cors::Origins(vec![
                "https://a.example.com".into(),
                "http://localhost:6274".into()
            ])
        );
    }

    #[test]
    fn variables_table_has_unique_names_and_covers_slots() {
        for (i, (name, _, _)) in VARIABLES.iter().enumerate() {
            assert!(name.starts_with("auth_"));
            assert!(
                !VARIABLES.iter().skip(i + 1).any(|(n, _, _)| n == name),
                "{name} twice"
            );
        }
        for slot in PROVIDER_SLOTS.iter() {
            for n in [
                slot.kind,
                slot.name,
                slot.issuer,
                slot.audience,
                slot.jwks_uri,
                slot.authorize_endpoint,
                slot.token_endpoint,
                slot.userinfo_endpoint,
                slot.allowed_domains,
                slot.required_scopes,
            ] {
                assert!(VARIABLES.iter().any(|(v, _, _)| *v == n), "{n} missing");
            }
        }
    }
}
