//! Identity providers: AuthKit and generic OpenID Connect, issuer routing, discovery.
//!
//! * `authkit` (WorkOS AuthKit): the issuer is an origin; the JWK Set is `{issuer}/oauth2/jwks`
//!   and the OAuth endpoints are derived from the issuer.
//! * `oidc`: an explicit `jwks_uri`, or one discovered from
//!   `{issuer}/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4), cached in KV.
//!   The discovered document must name exactly the configured issuer (§4.3), and its `jwks_uri`
//!   must pass the same host allow-list as a configured one.
//!
//! Several providers may be configured at once (slots `auth_provider_*`, `auth_provider2_*`,
//! `auth_provider3_*`). A token's unverified `iss` picks the provider **before any key is
//! touched** ([`route`]); the signature and the `iss` claim are then verified against that
//! provider alone.

use ::json::{Map, Value};

use crate::jwks_cache::{self, fetch_document, CachePolicy};
use crate::kv_cache::{self, Lease, Slot};
use crate::kv_record::Record;
use crate::log::RequestLog;
use crate::ports::{HttpClient, KeyValue, Random};
use crate::url::{self, HostAllowList, Url};
use crate::variables::ProviderVars;

/// The provider families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// WorkOS AuthKit.
    AuthKit,
    /// Any OpenID Connect / OAuth 2.0 authorization server.
    Oidc,
}

impl ProviderKind {
    /// The configuration spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            ProviderKind::AuthKit => "authkit",
            ProviderKind::Oidc => "oidc",
        }
    }
}

/// One configured provider (one variable slot), validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// The slot's variable names, for error messages.
    pub vars: &'static ProviderVars,
    /// The family.
    pub kind: ProviderKind,
    /// Display name.
    pub name: String,
    /// The exact `iss` value.
    pub issuer: String,
    /// Accepted audiences (never empty: RFC 8707 audience validation is always on).
    pub audiences: Vec<String>,
    /// The JWK Set URL when known from configuration (always for AuthKit).
    pub jwks_uri: Option<Url>,
    /// Configured authorization endpoint.
    pub authorize_endpoint: Option<String>,
    /// Configured token endpoint.
    pub token_endpoint: Option<String>,
    /// Configured userinfo endpoint.
    pub userinfo_endpoint: Option<String>,
    /// Hosts that JWKS and discovery fetches may reach: the issuer's plus `allowed_domains`.
    pub allowed_hosts: HostAllowList,
    /// Scopes every token must carry.
    pub required_scopes: Vec<String>,
    /// Require `typ: at+jwt` (RFC 9068 §4).
    pub require_at_jwt: bool,
    /// Accept tokens that are recognisably OpenID Connect ID tokens.
    pub accept_id_tokens: bool,
    /// Forward `email` even when `email_verified` is not `true`.
    pub trust_email: bool,
}

/// Picks the provider whose issuer equals the token's unverified `iss` exactly.
pub fn route<'a>(providers: &'a [Provider], iss: Option<&str>) -> Option<&'a Provider> {
    let iss = iss?;
    providers.iter().find(|p| p.issuer == iss)
}

/// KV key prefix of discovery records.
pub const DISCOVERY_PREFIX: &str = "ftl-authz/oidc/";

/// Validity of the discovered-metadata cache record; discovery documents change rarely.
const METADATA_POLICY_TTL: u64 = 3600;
const METADATA_POLICY_STALE: u64 = 86_400;

/// Members of a discovery document republished in RFC 8414 metadata (strings or string arrays).
const COPIED_MEMBERS: &[&str] = &[
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "registration_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "response_types_supported",
    "response_modes_supported",
    "grant_types_supported",
    "code_challenge_methods_supported",
    "token_endpoint_auth_methods_supported",
    "scopes_supported",
];

/// Why provider metadata is unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetadataUnavailable {
    /// Seconds until the next discovery fetch is allowed.
    pub retry_after_secs: u64,
}

impl Provider {
    fn discovery_url(&self) -> Option<Url> {
        let mut s = self.issuer.trim_end_matches('/').to_string();
        s.push_str("/.well-known/openid-configuration");
        url::parse_secure(&s).ok()
    }

    /// The OpenID discovery document (filtered to what this component uses), from KV or fetched.
    /// The `jwks_uri` member has passed the allow-list.
    pub fn discovered<P: KeyValue + HttpClient + Random>(
        &self,
        ports: &P,
        policy: &CachePolicy,
        timeout_ms: u64,
        now: u64,
        log: &mut RequestLog,
    ) -> Result<Map<String, Value>, MetadataUnavailable> {
        let policy = CachePolicy {
            ttl_secs: METADATA_POLICY_TTL.max(policy.ttl_secs),
            stale_secs: METADATA_POLICY_STALE,
            ..*policy
        };
        let slot = Slot::new(DISCOVERY_PREFIX, &self.issuer, policy.record_key.as_ref());
        let Ok(record) = kv_cache::load(ports, &slot, log) else {
            // F3: a failing store cannot bound fetches across instances: fail closed.
            return Err(MetadataUnavailable {
                retry_after_secs: policy.cooldown_secs.max(1),
            });
        };
        let cached = record
            .as_ref()
            .filter(|r| !r.payload.is_empty())
            .and_then(|r| json_object(&r.payload));
        let decision = jwks_cache::plan(record.as_ref(), cached.is_some(), false, &policy, now);
        let mut attempted_at = record.as_ref().map_or(0, |r| r.attempted_at);
        let mut retry_after_secs = None;
        if decision.fetch {
            match kv_cache::take_lease(ports, &slot, &policy, now, kv_cache::nonce(ports), log) {
                Lease::Acquired => {
                    log.count_fetch();
                    let fetched = match self.discovery_url() {
                        Some(u) => fetch_document(ports, &u, &self.allowed_hosts, timeout_ms)
                            .map_err(|e| e.as_str())
                            .and_then(|body| self.filter_discovery(&body)),
                        None => Err("discovery_url_invalid"),
                    };
                    match fetched {
                        Ok(doc) => {
                            let fresh = Record {
                                fetched_at: now,
                                attempted_at: now,
                                source: self.issuer.clone(),
                                payload: ::json::to_vec(&Value::Object(doc.clone()))
                                    .unwrap_or_default(),
                            };
                            kv_cache::save(ports, &slot, &fresh, log);
                            return Ok(doc);
                        }
                        Err(reason) => {
                            log.warn("discovery_fetch_failed");
                            log.detail(reason);
                            attempted_at = now;
                        }
                    }
                }
                Lease::Held { attempted_at: t } => {
                    retry_after_secs =
                        Some(kv_cache::retry_after_held(t, &policy, timeout_ms, now));
                }
                Lease::StoreFailed => retry_after_secs = Some(policy.cooldown_secs.max(1)),
            }
        }
        match cached {
            Some(doc) if decision.usable => {
                if decision.expired {
                    log.warn("discovery_stale");
                }
                Ok(doc)
            }
            _ => Err(MetadataUnavailable {
                retry_after_secs: retry_after_secs
                    .unwrap_or_else(|| kv_cache::retry_after(attempted_at, &policy, now)),
            }),
        }
    }

    /// Validates a discovery document and keeps only the members this component uses.
    fn filter_discovery(&self, body: &[u8]) -> Result<Map<String, Value>, &'static str> {
        let doc = json_object(body).ok_or("discovery_not_json")?;
        // OpenID Connect Discovery §4.3 / RFC 8414 §3.3: the issuer must match exactly.
        if doc.get("issuer").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err("discovery_issuer_mismatch");
        }
        let jwks = doc
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or("discovery_no_jwks_uri")?;
        let jwks_url = url::parse_secure(jwks).map_err(|_| "discovery_jwks_uri_invalid")?;
        if !self.allowed_hosts.allows_url(&jwks_url) {
            return Err("discovery_jwks_host_not_allowed");
        }
        let mut out = Map::new();
        out.insert("issuer".into(), Value::String(self.issuer.clone()));
        out.insert("jwks_uri".into(), Value::String(jwks_url.serialized()));
        for name in COPIED_MEMBERS {
            if let Some(v) = doc.get(name) {
                let ok = match v {
                    Value::String(s) => s.len() <= 2048,
                    Value::Array(items) => {
                        items.len() <= 64
                            && items
                                .iter()
                                .all(|i| i.as_str().is_some_and(|s| s.len() <= 256))
                    }
                    _ => false,
                };
                if ok {
                    out.insert((*name).to_string(), v.clone());
                }
            }
        }
        Ok(out)
    }

    /// The JWK Set URL: configured, derived (AuthKit), or discovered (OIDC).
    pub fn resolve_jwks_uri<P: KeyValue + HttpClient + Random>(
        &self,
        ports: &P,
        policy: &CachePolicy,
        timeout_ms: u64,
        now: u64,
        log: &mut RequestLog,
    ) -> Result<Url, MetadataUnavailable> {
        if let Some(u) = &self.jwks_uri {
            return Ok(u.clone());
        }
        let doc = self.discovered(ports, policy, timeout_ms, now, log)?;
        // `filter_discovery` stored a validated URL; re-parse defensively.
        doc.get("jwks_uri")
            .and_then(Value::as_str)
            .and_then(|s| url::parse_secure(s).ok())
            .filter(|u| self.allowed_hosts.allows_url(u))
            .ok_or(MetadataUnavailable {
                retry_after_secs: policy.cooldown_secs.max(1),
            })
    }

    /// RFC 8414 §2 authorization server metadata for this provider. AuthKit: derived from the
    /// issuer. OIDC: configured endpoints, completed from discovery when any is missing.
    pub fn authorization_server_metadata<P: KeyValue + HttpClient + Random>(
        &self,
        ports: &P,
        policy: &CachePolicy,
        timeout_ms: u64,
        now: u64,
        scopes: &[String],
        log: &mut RequestLog,
    ) -> Result<Map<String, Value>, MetadataUnavailable> {
        let mut m = Map::new();
        m.insert("issuer".into(), Value::String(self.issuer.clone()));
        match self.kind {
            ProviderKind::AuthKit => {
                let derive = |suffix: &str| {
                    let mut s = self.issuer.clone();
                    s.push_str(suffix);
                    Value::String(s)
                };
                let pick = |configured: &Option<String>, suffix: &str| match configured {
                    Some(c) => Value::String(c.clone()),
                    None => derive(suffix),
                };
                m.insert(
                    "authorization_endpoint".into(),
                    pick(&self.authorize_endpoint, "/oauth2/authorize"),
                );
                m.insert(
                    "token_endpoint".into(),
                    pick(&self.token_endpoint, "/oauth2/token"),
                );
                m.insert(
                    "userinfo_endpoint".into(),
                    pick(&self.userinfo_endpoint, "/oauth2/userinfo"),
                );
                if let Some(j) = &self.jwks_uri {
                    m.insert("jwks_uri".into(), Value::String(j.serialized()));
                }
                m.insert("registration_endpoint".into(), derive("/oauth2/register"));
                m.insert(
                    "introspection_endpoint".into(),
                    derive("/oauth2/introspection"),
                );
                m.insert("revocation_endpoint".into(), derive("/oauth2/revoke"));
                m.insert("response_types_supported".into(), strings(&["code"]));
                m.insert("response_modes_supported".into(), strings(&["query"]));
                m.insert(
                    "grant_types_supported".into(),
                    strings(&["authorization_code", "refresh_token"]),
                );
                m.insert(
                    "code_challenge_methods_supported".into(),
                    strings(&["S256"]),
                );
                m.insert(
                    "token_endpoint_auth_methods_supported".into(),
                    strings(&["none", "client_secret_post", "client_secret_basic"]),
                );
            }
            ProviderKind::Oidc => {
                let complete = self.jwks_uri.is_some()
                    && self.authorize_endpoint.is_some()
                    && self.token_endpoint.is_some();
                if !complete {
                    let doc = self.discovered(ports, policy, timeout_ms, now, log)?;
                    republish_discovered(&mut m, doc, log);
                }
                let configured = [
                    ("authorization_endpoint", &self.authorize_endpoint),
                    ("token_endpoint", &self.token_endpoint),
                    ("userinfo_endpoint", &self.userinfo_endpoint),
                ];
                for (k, v) in configured {
                    if let Some(v) = v {
                        m.insert(k.into(), Value::String(v.clone()));
                    }
                }
                if let Some(j) = &self.jwks_uri {
                    m.insert("jwks_uri".into(), Value::String(j.serialized()));
                }
                m.entry("response_types_supported")
                    .or_insert_with(|| strings(&["code"]));
                m.entry("code_challenge_methods_supported")
                    .or_insert_with(|| strings(&["S256"]));
            }
        }
        if !scopes.is_empty() && !m.contains_key("scopes_supported") {
            m.insert(
                "scopes_supported".into(),
                Value::Array(scopes.iter().cloned().map(Value::String).collect()),
            );
        }
        Ok(m)
    }
}

/// Copies a discovery document's members into RFC 8414 metadata. A URL member (`*_endpoint`,
/// `jwks_uri`) is republished only when it passes the rule configured endpoints pass
/// ([`url::parse_secure`]: https, or http on loopback; no user info, no fragment): this origin
/// vouches for what it republishes, and MCP clients open `authorization_endpoint` in a browser
/// (mcp-remote CVE-2025-6514 was an `authorization_endpoint` injection). A failing member is
/// dropped with a `discovered_endpoint_dropped` warning naming it; so are records cached
/// before this check existed.
fn republish_discovered(
    m: &mut Map<String, Value>,
    mut doc: Map<String, Value>,
    log: &mut RequestLog,
) {
    for name in COPIED_MEMBERS.iter().chain(core::iter::once(&"jwks_uri")) {
        let Some(v) = doc.remove(name) else {
            continue;
        };
        let is_url = name.ends_with("_endpoint") || *name == "jwks_uri";
        if is_url && v.as_str().is_none_or(|s| url::parse_secure(s).is_err()) {
            log.warn("discovered_endpoint_dropped");
            log.detail(name);
            continue;
        }
        m.insert((*name).to_string(), v);
    }
}

fn strings(items: &[&str]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|s| Value::String((*s).to_string()))
            .collect(),
    )
}

/// A JSON object, or `None`. Parsed with the jose core's one JSON walk (depth-bounded, the last
/// of repeated members kept, as serde_json would), so the module carries one `Value` visitor,
/// not two.
/// Nesting bound for provider documents (discovery, RFC 8414): real ones nest 2–3 deep.
const DOCUMENT_MAX_DEPTH: usize = 32;

fn json_object(bytes: &[u8]) -> Option<Map<String, Value>> {
    match jose::json::parse_value(bytes, DOCUMENT_MAX_DEPTH, jose::json::Duplicates::KeepLast) {
        Ok((Value::Object(map), _)) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::variables::PROVIDER_SLOTS;

    fn oidc(issuer: &str) -> Provider {
        Provider {
            vars: &PROVIDER_SLOTS[0],
            kind: ProviderKind::Oidc,
            name: "oidc".into(),
            issuer: issuer.into(),
            audiences: vec!["a".into()],
            jwks_uri: None,
            authorize_endpoint: None,
            token_endpoint: None,
            userinfo_endpoint: None,
            allowed_hosts: HostAllowList::new(&Url::parse(issuer).unwrap(), vec![]),
            required_scopes: vec![],
            require_at_jwt: false,
            accept_id_tokens: false,
            trust_email: false,
        }
    }

    #[test]
    fn routing_is_exact() {
        let ps = vec![
            oidc("https://idp.example.com/"),
            oidc("https://other.example.com"),
        ];
        assert_eq!(
            route(&ps, Some("https://idp.example.com/")).unwrap().issuer,
            "https://idp.example.com/"
        );
        assert!(route(&ps, Some("https://idp.example.com")).is_none());
        assert!(route(&ps, None).is_none());
    }

    #[test]
    fn discovery_filtering() {
        let p = oidc("https://idp.example.com/");
        let good = br#"{"issuer":"https://idp.example.com/","jwks_uri":"https://idp.example.com/jwks","token_endpoint":"https://idp.example.com/t","bogus":1,"grant_types_supported":["a",1]}"#;
        let doc = p.filter_discovery(good).unwrap();
        assert_eq!(doc["jwks_uri"], "https://idp.example.com/jwks");
        assert_eq!(doc["token_endpoint"], "https://idp.example.com/t");
        assert!(!doc.contains_key("bogus"));
        assert!(!doc.contains_key("grant_types_supported"));
        let wrong_iss =
            br#"{"issuer":"https://evil.example.com/","jwks_uri":"https://idp.example.com/jwks"}"#;
        assert_eq!(
            p.filter_discovery(wrong_iss),
            Err("discovery_issuer_mismatch")
        );
        let off_host =
            br#"{"issuer":"https://idp.example.com/","jwks_uri":"https://evil.com/jwks"}"#;
        assert_eq!(
            p.filter_discovery(off_host),
            Err("discovery_jwks_host_not_allowed")
        );
        let http =
            br#"{"issuer":"https://idp.example.com/","jwks_uri":"http://idp.example.com/jwks"}"#;
        assert_eq!(p.filter_discovery(http), Err("discovery_jwks_uri_invalid"));
        assert_eq!(p.filter_discovery(b"[]"), Err("discovery_not_json"));
    }

    #[test]
    fn discovery_url_tolerates_trailing_slash() {
        assert_eq!(
            oidc("https://idp.example.com/")
                .discovery_url()
                .unwrap()
                .to_string(),
            "https://idp.example.com/.well-known/openid-configuration"
        );
    }
}
