//! The names of the Spin variables the component reads, with their defaults and meanings.
//!
//! One module owns the names so that [`crate::config`] (which parses them) and
//! [`crate::provider`] (which keeps a provider's slot for log lines and KV keys) share them
//! without depending on each other. [`VARIABLES`] is the single source of truth for `spin.toml`
//! and README.md (an integration test checks both).

/// Spin variable names of one provider slot. Slot 1 uses the seed's `auth_provider_*` names;
/// slots 2 and 3 insert the slot number: `auth_provider2_*`, `auth_provider3_*`.
#[derive(Debug, PartialEq, Eq)]
pub struct ProviderVars {
    /// `authkit` or `oidc`.
    pub kind: &'static str,
    /// Display name (`x-auth-provider`, `_authContext.provider`).
    pub name: &'static str,
    /// Exact `iss` value; routes tokens to this provider.
    pub issuer: &'static str,
    /// Accepted `aud` values.
    pub audience: &'static str,
    /// JWK Set URL.
    pub jwks_uri: &'static str,
    /// OAuth authorization endpoint (advertised only).
    pub authorize_endpoint: &'static str,
    /// OAuth token endpoint (advertised only).
    pub token_endpoint: &'static str,
    /// OpenID Connect userinfo endpoint (advertised only).
    pub userinfo_endpoint: &'static str,
    /// Extra hosts that JWKS and discovery URLs may point at.
    pub allowed_domains: &'static str,
    /// Scopes every token from this provider must carry.
    pub required_scopes: &'static str,
    /// Require `typ: at+jwt` (RFC 9068 §4).
    pub require_at_jwt: &'static str,
    /// Accept tokens that are recognisably OpenID Connect ID tokens.
    pub accept_id_tokens: &'static str,
    /// Forward `email` even when `email_verified` is not true.
    pub trust_email: &'static str,
}

macro_rules! provider_vars {
    ($p:literal) => {
        ProviderVars {
            kind: concat!($p, "type"),
            name: concat!($p, "name"),
            issuer: concat!($p, "issuer"),
            audience: concat!($p, "audience"),
            jwks_uri: concat!($p, "jwks_uri"),
            authorize_endpoint: concat!($p, "authorize_endpoint"),
            token_endpoint: concat!($p, "token_endpoint"),
            userinfo_endpoint: concat!($p, "userinfo_endpoint"),
            allowed_domains: concat!($p, "allowed_domains"),
            required_scopes: concat!($p, "required_scopes"),
            require_at_jwt: concat!($p, "require_at_jwt"),
            accept_id_tokens: concat!($p, "accept_id_tokens"),
            trust_email: concat!($p, "trust_email"),
        }
    };
}

/// The provider slots, in routing-priority order (issuers are unique, so order only matters
/// for which provider the root authorization-server metadata describes: slot 1).
pub static PROVIDER_SLOTS: [ProviderVars; 3] = [
    provider_vars!("auth_provider_"),
    provider_vars!("auth_provider2_"),
    provider_vars!("auth_provider3_"),
];

/// `auth_enabled`: `true` | `false`.
pub const ENABLED: &str = "auth_enabled";
/// `auth_gateway_url`: where verified requests go.
pub const GATEWAY_URL: &str = "auth_gateway_url";
/// `auth_trace_header`: request-id header, propagated or generated.
pub const TRACE_HEADER: &str = "auth_trace_header";
/// `auth_resource_url`: canonical URL of the protected MCP endpoint (RFC 8707, RFC 9728).
pub const RESOURCE_URL: &str = "auth_resource_url";
/// `auth_cors_allowed_origins`: `*`, empty (no CORS) or a comma-separated origin list.
pub const CORS_ORIGINS: &str = "auth_cors_allowed_origins";
/// `auth_leeway_secs`: clock skew allowed on `exp`/`nbf`/`iat`.
pub const LEEWAY: &str = "auth_leeway_secs";
/// `auth_jwks_cache_ttl_secs`: how long fetched keys are fresh.
pub const JWKS_TTL: &str = "auth_jwks_cache_ttl_secs";
/// `auth_jwks_refetch_cooldown_secs`: minimum spacing of fetches per JWKS URL.
pub const JWKS_COOLDOWN: &str = "auth_jwks_refetch_cooldown_secs";
/// `auth_jwks_stale_secs`: how long expired keys serve while the provider is failing.
pub const JWKS_STALE: &str = "auth_jwks_stale_secs";
/// `auth_forward_authorization`: opt-in token passthrough (off: MCP forbids it).
pub const FORWARD_AUTHORIZATION: &str = "auth_forward_authorization";
/// `auth_gateway_timeout_secs`: connect and first-byte timeout towards the gateway.
pub const GATEWAY_TIMEOUT: &str = "auth_gateway_timeout_secs";
/// `auth_provider_timeout_secs`: timeout of JWKS/discovery fetches.
pub const PROVIDER_TIMEOUT: &str = "auth_provider_timeout_secs";
/// `auth_max_body_bytes`: request bodies above this size are refused (413).
pub const MAX_BODY_BYTES: &str = "auth_max_body_bytes";
/// `auth_max_inspect_bytes`: bodies that must be parsed are refused (413) above this size.
pub const MAX_INSPECT_BYTES: &str = "auth_max_inspect_bytes";
/// `auth_trust_forwarded_headers`: pass the client's proxy headers (`Forwarded`,
/// `X-Forwarded-*`, `X-Real-IP`, ...) on instead of dropping them.
pub const TRUST_FORWARDED_HEADERS: &str = "auth_trust_forwarded_headers";
/// `auth_kv_record_key`: secret that authenticates the JWKS/discovery records in KV (HMAC).
pub const KV_RECORD_KEY: &str = "auth_kv_record_key";
/// `auth_policy`: per-tool authorization rules ([`crate::policy::Policy`]).
pub const POLICY: &str = "auth_policy";
/// `auth_scope_implies`: scope hierarchy ([`crate::policy::ScopeHierarchy`]).
pub const SCOPE_IMPLIES: &str = "auth_scope_implies";

/// Default of `auth_gateway_url` (the seed's value).
pub const DEFAULT_GATEWAY_URL: &str = "http://ftl-mcp-gateway.spin.internal/mcp-internal";
/// Default of `auth_trace_header` (the seed's value).
pub const DEFAULT_TRACE_HEADER: &str = "X-Trace-Id";

/// Every variable the component reads: (name, default, meaning). The single source of truth for
/// `spin.toml` and README.md.
pub static VARIABLES: &[(&str, &str, &str)] = &[
    (ENABLED, "true", "Verify bearer tokens. `false` forwards everything unauthenticated (logged as a warning on every request)."),
    (GATEWAY_URL, DEFAULT_GATEWAY_URL, "URL verified requests are forwarded to (http or https; its path replaces the request path, the request query is appended)."),
    (TRACE_HEADER, DEFAULT_TRACE_HEADER, "Request-id header: propagated when the client sends a valid one, generated otherwise; echoed on every response."),
    (RESOURCE_URL, "", "Canonical URL of this MCP endpoint, e.g. `https://mcp.example.com/mcp`. Used as `resource` in RFC 9728 metadata and as the expected audience when `auth_provider_audience` is empty. Empty: `resource` is derived from Host/X-Forwarded-*, and each provider needs an explicit audience."),
    (CORS_ORIGINS, "*", "CORS: `*` (any origin; safe because credentials are bearer tokens, not cookies), a comma-separated list of origins, or empty to send no CORS headers."),
    (LEEWAY, "60", "Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds (0–600)."),
    (JWKS_TTL, "300", "How long fetched signing keys are fresh, in seconds (1–86400)."),
    (JWKS_COOLDOWN, "30", "Minimum interval between two fetches of one JWKS URL (unknown `kid`, expiry or failure), in seconds (0–3600, at most the TTL)."),
    (JWKS_STALE, "3600", "How long expired keys keep serving while the provider fails, in seconds (0–604800)."),
    (FORWARD_AUTHORIZATION, "false", "Forward the client's `Authorization` header to the gateway. Off by default: the MCP specification forbids token passthrough."),
    (GATEWAY_TIMEOUT, "300", "Timeout for the gateway's response headers, in seconds (1–3600); connecting is bounded by the same value, at most 10 s. Streams are not cut once headers arrive."),
    (PROVIDER_TIMEOUT, "5", "Timeout for JWKS and OpenID discovery fetches, in seconds (1–60)."),
    (MAX_BODY_BYTES, "4194304", "Largest request body forwarded, in bytes (1024–16777216); larger bodies get `413`."),
    (MAX_INSPECT_BYTES, "262144", "Largest body that is parsed, in bytes (1024–16777216, at most `auth_max_body_bytes`): bodies that mention `initialize`/`_authContext` or contain `\\u` escapes or NUL bytes must be parsed (to inject or strip `_authContext`), which takes up to ~110× their size in memory; larger ones get `413`."),
    (TRUST_FORWARDED_HEADERS, "false", "Pass the client's `Forwarded`, `X-Forwarded-*`, `X-Real-IP`, `True-Client-IP` headers to the gateway. Off: they are dropped (any client can forge them); turn on only behind a proxy that overwrites them."),
    (KV_RECORD_KEY, "", "Secret (Spin `secret = true`; 32–1024 printable ASCII characters, e.g. `openssl rand -base64 32`) that authenticates the cached JWKS and discovery records in the key-value store with HMAC-SHA256: a record someone else wrote is ignored. Empty: records are unauthenticated (a `kv_records_unauthenticated` warning each time one is written). Changing it refetches once."),
    (POLICY, "", "Per-tool authorization (see Per-tool authorization): rules `METHOD[:NAME] -> SCOPES [if CLAIM=VALUE and CLAIM~VALUE]` (or `-> allow`, `-> deny`) separated by `;` or newlines, `*` globs, first match wins, plus `default allow` or `default deny` (deny when omitted). `initialize`, `ping` and notifications are always allowed. Empty: off, only the server-wide scopes apply. A policy that does not parse fails every request with `500`."),
    (SCOPE_IMPLIES, "", "Scope hierarchy: `SCOPE=IMPLIED SCOPES` items separated by `;`, e.g. `mcp:admin=mcp:write; mcp:write=mcp:read`, applied transitively to a token's scopes before the required scopes and the policy are checked. Empty: scopes imply nothing."),
    // Provider slot 1 (the seed's names).
    ("auth_provider_type", "", "Provider 1 kind: `authkit` (WorkOS AuthKit; JWKS at `{issuer}/oauth2/jwks`, endpoints derived) or `oidc` (any OpenID Connect / OAuth 2 provider)."),
    ("auth_provider_name", "", "Provider 1 display name for `x-auth-provider` and `_authContext.provider`; defaults to the type."),
    ("auth_provider_issuer", "", "Provider 1 issuer: the exact `iss` of its tokens (AuthKit: `https://` may be omitted). Tokens are routed to a provider by `iss`."),
    ("auth_provider_audience", "", "Provider 1 accepted audiences (comma-separated); a token's `aud` must contain one. Empty: `auth_resource_url`."),
    ("auth_provider_jwks_uri", "", "Provider 1 JWK Set URL. AuthKit: derived. OIDC: empty means discovered from `{issuer}/.well-known/openid-configuration` (cached in KV)."),
    ("auth_provider_authorize_endpoint", "", "Provider 1 authorization endpoint for RFC 8414 metadata (AuthKit: derived; OIDC: discovered when empty)."),
    ("auth_provider_token_endpoint", "", "Provider 1 token endpoint for RFC 8414 metadata (AuthKit: derived; OIDC: discovered when empty)."),
    ("auth_provider_userinfo_endpoint", "", "Provider 1 userinfo endpoint for RFC 8414 metadata (optional)."),
    ("auth_provider_allowed_domains", "", "Provider 1: extra hosts (comma-separated; `example.com` includes subdomains, `*.example.com` only subdomains; default port only) that JWKS and discovery URLs may use besides the issuer's exact host and port. Public and shared suffixes (`com`, `co.uk`, `github.io`, ...) are refused."),
    ("auth_provider_required_scopes", "", "Provider 1: scopes every token must carry (space- or comma-separated); missing ones get 403 `insufficient_scope`."),
    ("auth_provider_require_at_jwt", "false", "Provider 1: accept only tokens with header `typ: at+jwt` (RFC 9068 §4). Off by default: many providers issue `typ: JWT` access tokens."),
    ("auth_provider_accept_id_tokens", "false", "Provider 1: accept tokens that are recognisably OpenID Connect ID tokens (a `nonce` claim, or a `typ` naming an ID token). Off: they get 401."),
    ("auth_provider_trust_email", "false", "Provider 1: forward the token's `email` in `_authContext` even when `email_verified` is not `true` (for providers that only issue verified addresses but omit the claim)."),
    // Provider slots 2 and 3: same meanings.
    ("auth_provider2_type", "", "Provider 2: as `auth_provider_type`. A slot is active when its type or issuer is set."),
    ("auth_provider2_name", "", "Provider 2: as `auth_provider_name`."),
    ("auth_provider2_issuer", "", "Provider 2: as `auth_provider_issuer`."),
    ("auth_provider2_audience", "", "Provider 2: as `auth_provider_audience`."),
    ("auth_provider2_jwks_uri", "", "Provider 2: as `auth_provider_jwks_uri`."),
    ("auth_provider2_authorize_endpoint", "", "Provider 2: as `auth_provider_authorize_endpoint`."),
    ("auth_provider2_token_endpoint", "", "Provider 2: as `auth_provider_token_endpoint`."),
    ("auth_provider2_userinfo_endpoint", "", "Provider 2: as `auth_provider_userinfo_endpoint`."),
    ("auth_provider2_allowed_domains", "", "Provider 2: as `auth_provider_allowed_domains`."),
    ("auth_provider2_required_scopes", "", "Provider 2: as `auth_provider_required_scopes`."),
    ("auth_provider2_require_at_jwt", "false", "Provider 2: as `auth_provider_require_at_jwt`."),
    ("auth_provider2_accept_id_tokens", "false", "Provider 2: as `auth_provider_accept_id_tokens`."),
    ("auth_provider2_trust_email", "false", "Provider 2: as `auth_provider_trust_email`."),
    ("auth_provider3_type", "", "Provider 3: as `auth_provider_type`."),
    ("auth_provider3_name", "", "Provider 3: as `auth_provider_name`."),
    ("auth_provider3_issuer", "", "Provider 3: as `auth_provider_issuer`."),
    ("auth_provider3_audience", "", "Provider 3: as `auth_provider_audience`."),
    ("auth_provider3_jwks_uri", "", "Provider 3: as `auth_provider_jwks_uri`."),
    ("auth_provider3_authorize_endpoint", "", "Provider 3: as `auth_provider_authorize_endpoint`."),
    ("auth_provider3_token_endpoint", "", "Provider 3: as `auth_provider_token_endpoint`."),
    ("auth_provider3_userinfo_endpoint", "", "Provider 3: as `auth_provider_userinfo_endpoint`."),
    ("auth_provider3_allowed_domains", "", "Provider 3: as `auth_provider_allowed_domains`."),
    ("auth_provider3_required_scopes", "", "Provider 3: as `auth_provider_required_scopes`."),
    ("auth_provider3_require_at_jwt", "false", "Provider 3: as `auth_provider_require_at_jwt`."),
    ("auth_provider3_accept_id_tokens", "false", "Provider 3: as `auth_provider_accept_id_tokens`."),
    ("auth_provider3_trust_email", "false", "Provider 3: as `auth_provider_trust_email`."),
];
