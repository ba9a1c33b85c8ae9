//! Unit tests of [`Config::load`] (split out to keep `config.rs` readable).
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::ports::VariableError;
use std::collections::HashMap;

/// Variables from a map; a value of `"<unreadable>"` fails to read (provider error).
struct Vars(HashMap<&'static str, &'static str>);
impl Variables for Vars {
    fn variable(&self, name: &str) -> Result<Option<String>, VariableError> {
        match self.0.get(name) {
            Some(&"<unreadable>") => Err(VariableError::Provider),
            v => Ok(v.map(|v| v.to_string())),
        }
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
            stale_secs: 3600,
            record_key: None
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
            slot.require_at_jwt,
            slot.accept_id_tokens,
            slot.trust_email,
        ] {
            assert!(VARIABLES.iter().any(|(v, _, _)| *v == n), "{n} missing");
        }
    }
}

fn oidc() -> Vec<(&'static str, &'static str)> {
    vec![
        ("auth_provider_type", "oidc"),
        ("auth_provider_issuer", "https://idp.example.com"),
        ("auth_provider_audience", "a"),
    ]
}

#[test]
fn unreadable_variable_fails_closed_instead_of_taking_the_default() {
    // Each of these has a permissive default (no scopes, CORS `*`, resource-url audience):
    // a read error must name the variable, never fall back.
    for name in [
        "auth_provider_required_scopes",
        "auth_cors_allowed_origins",
        "auth_provider_audience",
        "auth_enabled",
        "auth_provider2_type",
        "auth_trust_forwarded_headers",
    ] {
        let mut v = authkit();
        v.push((name, "<unreadable>"));
        let e = Config::load(&vars(&v)).unwrap_err();
        assert_eq!(e.variable, name);
        assert!(e.problem.contains("could not be read"), "{e}");
    }
    // Undefined is not an error: defaults apply.
    assert_eq!(
        Config::load(&vars(&authkit())).unwrap().cors,
        Cors::AnyOrigin
    );
}

#[test]
fn two_slots_with_one_provider_name_are_refused() {
    let mut v = oidc();
    v.extend([
        ("auth_provider2_type", "oidc"),
        ("auth_provider2_issuer", "https://other.example.com"),
        ("auth_provider2_audience", "a"),
    ]);
    assert_eq!(
        Config::load(&vars(&v)).unwrap_err().variable,
        "auth_provider2_name"
    );
    v.push(("auth_provider_name", "Okta"));
    v.push(("auth_provider2_name", "okta"));
    assert_eq!(
        Config::load(&vars(&v)).unwrap_err().variable,
        "auth_provider2_name"
    );
    v.pop();
    v.push(("auth_provider2_name", "auth0"));
    assert_eq!(Config::load(&vars(&v)).unwrap().providers.len(), 2);
}

#[test]
fn public_suffixes_in_allowed_domains_are_refused() {
    for d in [
        "com.",
        "com",
        "co.uk",
        "*.co.uk",
        "github.io",
        "*.github.io",
        "com.au",
        "a..b",
    ] {
        let mut v = oidc();
        v.push(("auth_provider_allowed_domains", d));
        let e = Config::load(&vars(&v)).unwrap_err();
        assert_eq!(e.variable, "auth_provider_allowed_domains", "{d}");
    }
    for d in [
        "googleapis.com",
        "*.example.co.uk",
        "localhost",
        "idp.github.io",
    ] {
        let mut v = oidc();
        v.push(("auth_provider_allowed_domains", d));
        assert!(Config::load(&vars(&v)).is_ok(), "{d}");
    }
}

#[test]
fn configured_jwks_uri_on_another_port_of_the_issuer_host_is_refused() {
    let mut v = oidc();
    v.push((
        "auth_provider_jwks_uri",
        "https://idp.example.com:8443/jwks",
    ));
    assert_eq!(
        Config::load(&vars(&v)).unwrap_err().variable,
        "auth_provider_jwks_uri"
    );
    let mut v = oidc();
    v.push((
        "auth_provider_jwks_uri",
        "https://keys.idp.example.com/jwks",
    ));
    assert_eq!(
        Config::load(&vars(&v)).unwrap_err().variable,
        "auth_provider_jwks_uri"
    );
    v.push(("auth_provider_allowed_domains", "idp.example.com"));
    assert!(Config::load(&vars(&v)).is_ok());
}

#[test]
fn provider_switches_and_inspect_limit() {
    let c = Config::load(&vars(&oidc())).unwrap();
    let p = &c.providers[0];
    assert!(!p.require_at_jwt && !p.accept_id_tokens && !p.trust_email);
    assert_eq!(c.max_inspect_bytes, DEFAULT_MAX_INSPECT_BYTES);
    assert!(!c.trust_forwarded_headers);
    let mut v = oidc();
    v.extend([
        ("auth_provider_require_at_jwt", "true"),
        ("auth_provider_accept_id_tokens", "yes"),
        ("auth_provider_trust_email", "on"),
        ("auth_max_body_bytes", "2048"),
        ("auth_trust_forwarded_headers", "true"),
    ]);
    let c = Config::load(&vars(&v)).unwrap();
    let p = &c.providers[0];
    assert!(p.require_at_jwt && p.accept_id_tokens && p.trust_email);
    assert_eq!(c.max_inspect_bytes, 2048, "clamped to the body cap");
    assert!(c.trust_forwarded_headers);
}

#[test]
fn scope_list_with_a_stray_quote_or_invisible_space_names_the_character() {
    // The value is never logged: the error itself must say which character is wrong.
    for (value, shown) in [
        ("mcp:tools \"mcp:read\"", "'\"' (U+0022)"),
        ("mcp:tools\u{a0}mcp:read", "; U+00A0 is not allowed"),
        ("mcp:tools\u{7f}", "; U+007F is not allowed"),
        ("mcp:tools back\\slash", "'\\' (U+005C)"),
    ] {
        let mut pairs = oidc();
        pairs.push(("auth_provider_required_scopes", value));
        let e = Config::load(&vars(&pairs)).unwrap_err();
        assert_eq!(e.variable, "auth_provider_required_scopes");
        assert!(e.offending.is_some(), "{e}");
        assert!(e.to_string().contains(shown), "{value:?}: {e}");
    }
}
