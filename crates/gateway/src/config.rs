//! Configuration: Spin variables → a validated [`Config`], re-read on every request.
//!
//! Spin creates a fresh instance per request, so there is nothing to cache; reading ~20
//! variables is cheap. Every error names the variable and says how to fix it; the gateway turns
//! it into a 500 `server_error` whose log line carries the message. Defaults are the safe
//! choice: authentication on, no provider (so every protected request fails closed until one
//! is configured), audience always checked, no token passthrough.
//!
//! A variable that exists but cannot be *read* (the variables provider failed) is an error
//! naming it, never its default: for policy variables the default is the permissive choice
//! (no required scopes, CORS `*`), so an outage must not widen access.
//!
//! The variable names and defaults live in [`crate::variables`]; provider slots are loaded by
//! [`providers`].

use core::fmt;

use crate::jwks_cache::CachePolicy;
use crate::kv_record::RecordKey;
use crate::ports::Variables;
use crate::provider::Provider;
use crate::url::{self, SecureUrlError, Url};
use crate::variables::*;

mod providers;
#[cfg(test)]
mod tests;

/// Default of `auth_max_inspect_bytes`: bodies that must be parsed (see
/// [`crate::auth_context::must_inspect`]) are refused above this size. Parsing peaks at ~110×
/// the body's size, so this bounds a request's parse to ~28 MiB; real `initialize` bodies are
/// under 4 KiB.
pub const DEFAULT_MAX_INSPECT_BYTES: usize = 256 * 1024;

/// A configuration fault: which variable, and what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigError {
    /// The offending variable.
    pub variable: &'static str,
    /// What is wrong and how to fix it.
    pub problem: &'static str,
    /// The character that makes the value invalid, when one does (a scope list's `"`, `\\`,
    /// control or non-ASCII character): the log's `config_detail` names it, since the value
    /// itself is not logged and a stray quote or a non-breaking space is invisible in a manifest.
    pub offending: Option<char>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.variable)?;
        f.write_str(": ")?;
        f.write_str(self.problem)?;
        match self.offending {
            // A visible ASCII character is shown as itself, anything else (a control character,
            // a non-breaking space) by its code point alone: char's `Debug` escaping would link
            // core's Unicode tables into the module (4 KB) for this one message.
            Some(c) if c.is_ascii_graphic() => {
                write!(f, "; '{c}' (U+{:04X}) is not allowed", u32::from(c))
            }
            Some(c) => write!(f, "; U+{:04X} is not allowed", u32::from(c)),
            None => Ok(()),
        }
    }
}

impl std::error::Error for ConfigError {}

fn err(variable: &'static str, problem: &'static str) -> ConfigError {
    ConfigError {
        variable,
        problem,
        offending: None,
    }
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
    /// `auth_max_inspect_bytes`, at most `max_body_bytes`.
    pub max_inspect_bytes: usize,
    /// `auth_trust_forwarded_headers`: pass client `Forwarded`/`X-Forwarded-*`/`X-Real-IP` on.
    pub trust_forwarded_headers: bool,
    /// `auth_policy`, as written (parsed per use by [`crate::policy::Policy::parse`]; the
    /// gateway checks it before anything else, so a bad policy fails every request).
    pub policy: String,
    /// `auth_scope_implies`, as written ([`crate::policy::ScopeHierarchy::parse`]).
    pub scope_implies: String,
}

/// The error for a variable that exists but cannot be read.
fn unreadable(name: &'static str) -> ConfigError {
    err(
        name,
        "could not be read (the variables provider failed); refusing to fall back to the default",
    )
}

/// The trimmed value of a variable, `None` when undefined; a read error names the variable.
fn read_defined(vars: &impl Variables, name: &'static str) -> Result<Option<String>, ConfigError> {
    match vars.variable(name) {
        Ok(v) => Ok(v.map(|v| v.trim().to_string())),
        Err(_) => Err(unreadable(name)),
    }
}

/// The trimmed value of a variable; undefined reads as empty, a read error is an error.
fn read(vars: &impl Variables, name: &'static str) -> Result<String, ConfigError> {
    Ok(read_defined(vars, name)?.unwrap_or_default())
}

/// Parses a boolean variable (`true/false`, `1/0`, `yes/no`, `on/off`, any case).
fn parse_bool(
    vars: &impl Variables,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    let v = read(vars, name)?;
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
    let v = read(vars, name)?;
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

/// One RFC 6749 §3.3 `scope-token` character: `%x21 / %x23-5B / %x5D-7E` (printable ASCII but
/// space, `"` and `\\`).
pub(crate) fn is_scope_char(c: char) -> bool {
    c == '!' || ('#'..='[').contains(&c) || (']'..='~').contains(&c)
}

pub(crate) fn secure_url(value: &str, name: &'static str, problem: &'static str) -> Result<Url, ConfigError> {
    url::parse_secure(value).map_err(|e| match e {
        SecureUrlError::NotHttps => err(
            name,
            "must use https (http is allowed only for localhost / 127.0.0.1 / [::1])",
        ),
        SecureUrlError::Url(_) => err(name, problem),
    })
}

/// Reads an optional advertised endpoint (never fetched, so not host-restricted).
pub(crate) fn endpoint(
    vars: &impl Variables,
    name: &'static str,
) -> Result<Option<String>, ConfigError> {
    let v = read(vars, name)?;
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

/// `auth_kv_record_key`: empty means unauthenticated records; a value that is set must be a
/// usable secret (a weak one fails closed, it is never silently ignored).
fn parse_record_key(vars: &impl Variables) -> Result<Option<RecordKey>, ConfigError> {
    let v = read(vars, KV_RECORD_KEY)?;
    if v.is_empty() {
        return Ok(None);
    }
    RecordKey::from_secret(&v).map(Some).map_err(|_| {
        err(
            KV_RECORD_KEY,
            "must be 32 to 1024 printable ASCII characters without spaces, e.g. the output of `openssl rand -base64 32`",
        )
    })
}

impl Config {
    /// Reads and validates every variable.
    // Not inlined: Cranelift's compile work grows faster than a function's size, and
    // LLVM would fold this into the request handler (scripts/size-report measures it).
    #[inline(never)]
    pub fn load(vars: &impl Variables) -> Result<Config, ConfigError> {
        let enabled = parse_bool(vars, ENABLED, true)?;

        let gateway_raw = read(vars, GATEWAY_URL)?;
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

        let trace_header = read(vars, TRACE_HEADER)?;
        let trace_header = if trace_header.is_empty() {
            DEFAULT_TRACE_HEADER.to_string()
        } else {
            trace_header
        }
        .to_ascii_lowercase();
        if trace_header.len() > 64
            || !trace_header.bytes().all(is_tchar)
            || trace_header.replace('_', "-").starts_with("x-auth-")
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

        let resource_url = read(vars, RESOURCE_URL)?;
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
        let record_key = parse_record_key(vars)?;
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

        let max_inspect_bytes = parse_secs(
            vars,
            MAX_INSPECT_BYTES,
            DEFAULT_MAX_INSPECT_BYTES as u64,
            (1024, 16 * 1024 * 1024),
            "must be a whole number of bytes from 1024 to 16777216",
        )?;
        // A larger inspect limit than the body cap means the body cap.
        let max_inspect_bytes = usize::try_from(max_inspect_bytes)
            .unwrap_or(usize::MAX)
            .min(max_body_bytes);
        let trust_forwarded_headers = parse_bool(vars, TRUST_FORWARDED_HEADERS, false)?;
        let policy = read(vars, POLICY)?;
        let scope_implies = read(vars, SCOPE_IMPLIES)?;

        let providers = if enabled {
            providers::load_providers(vars, resource_url.as_deref())?
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
                record_key,
            },
            forward_authorization,
            gateway_timeout_ms: gateway_timeout_secs * 1000,
            provider_timeout_ms: provider_timeout_secs * 1000,
            max_body_bytes,
            max_inspect_bytes,
            trust_forwarded_headers,
            policy,
            scope_implies,
        })
    }

    /// The server-wide scopes: every provider's required scopes, deduplicated in order. A 401
    /// challenge names these (issue 10: the policy's scopes are asked for by the 403 of the
    /// operation that needs them, so a client's first authorization stays least-privileged).
    pub fn required_scopes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in self.providers.iter().flat_map(|p| p.required_scopes.iter()) {
            if s != "offline_access" && !out.contains(s) {
                out.push(s.clone());
            }
        }
        out
    }

    /// Scopes advertised in metadata (RFC 9728 `scopes_supported`): every provider's required
    /// scopes, then the per-tool policy's, deduplicated in order, never `offline_access`.
    pub fn scopes_supported(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |s: &str| {
            // MCP 2026-07-28 authorization: never advertise `offline_access`.
            if s != "offline_access" && !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        };
        for p in &self.providers {
            for s in &p.required_scopes {
                add(s);
            }
        }
        // The per-tool policy's scopes too (a policy that does not parse has already failed
        // the request; here it adds nothing).
        if let Ok(policy) = crate::policy::Policy::parse(POLICY, &self.policy) {
            for s in policy.scopes() {
                add(s);
            }
        }
        out
    }
}

fn parse_cors(vars: &impl Variables) -> Result<Cors, ConfigError> {
    // Undefined means the default (`*`); empty explicitly disables CORS; unreadable fails.
    let Some(raw) = read_defined(vars, CORS_ORIGINS)? else {
        return Ok(Cors::AnyOrigin);
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
