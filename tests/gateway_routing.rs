//! Routing, discovery documents (RFC 9728, RFC 8414), CORS, challenges, configuration faults,
//! auth disabled, trace ids and logs, end to end through `gateway::handle` with fake ports.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod gateway_support;

use gateway::ports::HttpError;
use gateway_support::*;
use serde_json::json;

const PRM_ROOT: &str = "/.well-known/oauth-protected-resource";

// ---------- CORS ----------

#[test]
fn preflight_is_204_with_cors_headers() {
    let w = World::authkit();
    let r = w.respond(&request("OPTIONS", "/mcp").with("origin", "https://app.example.com"));
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("GET, POST, DELETE, OPTIONS")
    );
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("Authorization, Content-Type, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID, x-trace-id")
    );
    assert_eq!(
        r.header("access-control-expose-headers"),
        Some("Mcp-Session-Id, WWW-Authenticate, x-trace-id")
    );
    assert_eq!(r.header("access-control-max-age"), Some("86400"));
    assert_eq!(r.header("content-length"), None);
    // No token needed, no key fetched.
    assert_eq!(w.fetches.borrow().len(), 0);
    assert_eq!(w.last_log()["route"], "preflight");
}

#[test]
fn preflight_with_origin_list() {
    let w = World::authkit();
    w.set(
        "auth_cors_allowed_origins",
        "https://app.example.com, http://localhost:6274",
    );
    let ok = w.respond(&request("OPTIONS", "/mcp").with("origin", "http://localhost:6274"));
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("http://localhost:6274")
    );
    assert_eq!(ok.header("vary"), Some("Origin"));
    let denied = w.respond(&request("OPTIONS", "/mcp").with("origin", "https://evil.example.com"));
    assert_eq!(denied.status, 204);
    assert_eq!(denied.header("access-control-allow-origin"), None);
    assert_eq!(denied.header("access-control-allow-headers"), None);
}

#[test]
fn cors_headers_on_errors_expose_www_authenticate() {
    let w = World::authkit();
    let r = w.respond(&request("POST", "/mcp").with("origin", "https://app.example.com"));
    assert_eq!(r.status, 401);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert!(r
        .header("access-control-expose-headers")
        .unwrap()
        .contains("WWW-Authenticate"));
}

#[test]
fn cors_disabled_sends_no_cors_headers() {
    let w = World::authkit();
    w.set("auth_cors_allowed_origins", "");
    let r = w.respond(&request("POST", "/mcp").with("origin", "https://app.example.com"));
    assert!(r
        .headers
        .iter()
        .all(|(n, _)| !n.starts_with("access-control-")));
}

// ---------- 401 / challenges ----------

#[test]
fn missing_token_is_401_with_exact_challenge() {
    let w = World::authkit();
    w.set("auth_resource_url", "");
    w.set("auth_provider_audience", RESOURCE);
    let r = w.respond(&request("POST", "/mcp"));
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some(
            "Bearer error=\"unauthorized\", error_description=\"Missing authorization header\", \
             resource_metadata=\"http://mcp.example.com/.well-known/oauth-protected-resource\""
        )
    );
    assert_eq!(
        body_json(&r),
        json!({"error": "unauthorized", "error_description": "Missing authorization header"})
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(
        r.header("content-length"),
        Some(r.body.len().to_string().as_str())
    );
}

#[test]
fn challenge_uses_forwarded_origin_when_no_resource_is_configured() {
    let w = World::authkit();
    w.set("auth_resource_url", "");
    w.set("auth_provider_audience", RESOURCE);
    let r = w.respond(
        &request("POST", "/mcp")
            .with("x-forwarded-host", "public.example.com")
            .with("x-forwarded-proto", "https"),
    );
    assert!(r.header("www-authenticate").unwrap().ends_with(
        "resource_metadata=\"https://public.example.com/.well-known/oauth-protected-resource\""
    ));
}

#[test]
fn challenge_points_at_configured_resource_metadata() {
    let w = World::authkit();
    let r = w.respond(&request("POST", "/mcp"));
    assert!(r.header("www-authenticate").unwrap().ends_with(
        "resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\""
    ));
}

#[test]
fn hostile_host_never_breaks_the_challenge() {
    let w = World::authkit();
    w.set("auth_resource_url", "");
    w.set("auth_provider_audience", RESOURCE);
    let mut req = request("POST", "/mcp");
    req.headers = vec![("host".into(), b"evil\", error=\"x".to_vec())];
    req.authority = None;
    let r = w.respond(&req);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer error=\"unauthorized\", error_description=\"Missing authorization header\"")
    );
}

#[test]
fn non_bearer_scheme_is_401_unauthorized() {
    let w = World::authkit();
    let r = w.respond(&request("POST", "/mcp").with("authorization", "Basic dXNlcjpwYXNz"));
    assert_eq!(r.status, 401);
    assert_eq!(
        body_json(&r)["error_description"],
        "authorization scheme must be Bearer"
    );
}

#[test]
fn bearer_scheme_is_case_insensitive() {
    let w = World::authkit();
    let req = request("POST", "/mcp").with("authorization", &format!("bEARER {}", valid_token()));
    let _ = w.forward(&req);
}

#[test]
fn two_authorization_headers_are_400_invalid_request() {
    let w = World::authkit();
    let t = valid_token();
    let r = w.respond(&request("POST", "/mcp").bearer(&t).bearer(&t));
    assert_eq!(r.status, 400);
    assert!(r
        .header("www-authenticate")
        .unwrap()
        .starts_with("Bearer error=\"invalid_request\""));
}

#[test]
fn bad_token_is_401_invalid_token_without_echo() {
    let w = World::authkit();
    let token = mint("rsa-2048", &claims_with(json!({"exp": NOW - 7200})));
    let r = w.respond(&mcp_post(&token));
    assert_eq!(r.status, 401);
    let challenge = r.header("www-authenticate").unwrap();
    assert!(challenge
        .starts_with("Bearer error=\"invalid_token\", error_description=\"token has expired\""));
    assert!(!challenge.contains(&token[..20]));
    assert!(!String::from_utf8_lossy(&r.body).contains(&token[..20]));
    for line in w.logs.borrow().iter() {
        assert!(!line.contains(&token[..20]), "token in log: {line}");
    }
}

#[test]
fn insufficient_scope_is_403_with_scope() {
    let w = World::authkit();
    w.set("auth_provider_required_scopes", "read admin");
    let r = w.respond(&mcp_post(&valid_token()));
    assert_eq!(r.status, 403);
    assert_eq!(
        r.header("www-authenticate"),
        Some(
            "Bearer error=\"insufficient_scope\", scope=\"read admin\", error_description=\"token lacks a required scope\", \
             resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\""
        )
    );
    assert_eq!(body_json(&r)["error"], "insufficient_scope");
    let log = w.last_log();
    assert_eq!(log["status"], 403);
    assert_eq!(log["sub"], "user_123");
}

#[test]
fn missing_token_challenge_hints_required_scopes() {
    let w = World::authkit();
    w.set("auth_provider_required_scopes", "mcp:tools");
    let r = w.respond(&request("POST", "/mcp"));
    assert!(r
        .header("www-authenticate")
        .unwrap()
        .ends_with(", scope=\"mcp:tools\""));
}

// ---------- discovery: RFC 9728 ----------

#[test]
fn protected_resource_metadata_root_and_suffixed_with_configured_resource() {
    let w = World::authkit();
    w.set("auth_provider_required_scopes", "read");
    for path in [PRM_ROOT, "/.well-known/oauth-protected-resource/mcp"] {
        let r = w.respond(&request("GET", path));
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(
            body_json(&r),
            json!({
                "resource": RESOURCE,
                "authorization_servers": [ISSUER],
                "bearer_methods_supported": ["header"],
                "scopes_supported": ["read"]
            }),
            "{path}"
        );
    }
}

#[test]
fn protected_resource_metadata_derived_from_request() {
    let w = World::authkit();
    w.set("auth_resource_url", "");
    w.set("auth_provider_audience", "api://mcp");
    let root = w.respond(&request("GET", PRM_ROOT).with("x-forwarded-proto", "https"));
    assert_eq!(body_json(&root)["resource"], "https://mcp.example.com");
    assert!(body_json(&root).get("scopes_supported").is_none());
    let suffixed = w.respond(&request("GET", "/.well-known/oauth-protected-resource/mcp"));
    assert_eq!(
        body_json(&suffixed)["resource"],
        "http://mcp.example.com/mcp"
    );
    let forwarded = w.respond(
        &request("GET", "/.well-known/oauth-protected-resource/v1/mcp")
            .with("x-forwarded-host", "public.example.com:8443")
            .with("x-forwarded-proto", "https"),
    );
    assert_eq!(
        body_json(&forwarded)["resource"],
        "https://public.example.com:8443/v1/mcp"
    );
}

#[test]
fn protected_resource_metadata_with_invalid_host_is_400() {
    let w = World::authkit();
    w.set("auth_resource_url", "");
    w.set("auth_provider_audience", "api://mcp");
    let mut req = request("GET", PRM_ROOT);
    req.headers = vec![("host".into(), b"a b".to_vec())];
    let r = w.respond(&req);
    assert_eq!(r.status, 400);
}

#[test]
fn protected_resource_metadata_lists_every_provider() {
    let w = World::authkit();
    w.set("auth_provider2_type", "oidc");
    w.set("auth_provider2_issuer", "https://tenant.eu.auth0.com/");
    w.set(
        "auth_provider2_jwks_uri",
        "https://tenant.eu.auth0.com/.well-known/jwks.json",
    );
    w.set("auth_provider2_required_scopes", "read:tools");
    let r = w.respond(&request("GET", PRM_ROOT));
    let doc = body_json(&r);
    assert_eq!(
        doc["authorization_servers"],
        json!([ISSUER, "https://tenant.eu.auth0.com/"])
    );
    assert_eq!(doc["scopes_supported"], json!(["read:tools"]));
}

#[test]
fn discovery_rejects_other_methods() {
    let w = World::authkit();
    let r = w.respond(&request("POST", PRM_ROOT));
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD, OPTIONS"));
}

#[test]
fn head_returns_headers_only() {
    let w = World::authkit();
    let get = w.respond(&request("GET", PRM_ROOT));
    let head = w.respond(&request("HEAD", PRM_ROOT));
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("content-length"),
        Some(get.body.len().to_string().as_str())
    );
}

#[test]
fn similar_paths_are_protected() {
    let w = World::authkit();
    let r = w.respond(&request("GET", "/.well-known/oauth-protected-resourcex"));
    assert_eq!(r.status, 401);
}

// ---------- discovery: RFC 8414 ----------

#[test]
fn authorization_server_metadata_authkit() {
    let w = World::authkit();
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/mcp",
    ] {
        let r = w.respond(&request("GET", path));
        assert_eq!(r.status, 200);
        let doc = body_json(&r);
        assert_eq!(doc["issuer"], ISSUER);
        assert_eq!(
            doc["authorization_endpoint"],
            "https://tenant.authkit.app/oauth2/authorize"
        );
        assert_eq!(
            doc["token_endpoint"],
            "https://tenant.authkit.app/oauth2/token"
        );
        assert_eq!(doc["jwks_uri"], JWKS_URL);
        assert_eq!(
            doc["registration_endpoint"],
            "https://tenant.authkit.app/oauth2/register"
        );
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(doc["response_types_supported"], json!(["code"]));
    }
    assert_eq!(
        w.fetches.borrow().len(),
        0,
        "AuthKit metadata needs no fetch"
    );
}

fn oidc_world() -> World {
    let w = World::empty();
    w.set("auth_provider_type", "oidc");
    w.set("auth_provider_name", "auth0");
    w.set("auth_provider_issuer", "https://tenant.eu.auth0.com/");
    w.set("auth_provider_audience", "https://api.example.com");
    w.serve(
        "https://tenant.eu.auth0.com/.well-known/openid-configuration",
        200,
        &json!({
            "issuer": "https://tenant.eu.auth0.com/",
            "authorization_endpoint": "https://tenant.eu.auth0.com/authorize",
            "token_endpoint": "https://tenant.eu.auth0.com/oauth/token",
            "jwks_uri": "https://tenant.eu.auth0.com/.well-known/jwks.json",
            "registration_endpoint": "https://tenant.eu.auth0.com/oidc/register",
            "code_challenge_methods_supported": ["S256", "plain"],
            "private_member": "dropped"
        })
        .to_string(),
    );
    w.serve(
        "https://tenant.eu.auth0.com/.well-known/jwks.json",
        200,
        &jwks_json(),
    );
    w
}

#[test]
fn authorization_server_metadata_oidc_from_discovery_and_cached() {
    let w = oidc_world();
    let r = w.respond(&request("GET", "/.well-known/oauth-authorization-server"));
    assert_eq!(r.status, 200);
    let doc = body_json(&r);
    assert_eq!(doc["issuer"], "https://tenant.eu.auth0.com/");
    assert_eq!(
        doc["authorization_endpoint"],
        "https://tenant.eu.auth0.com/authorize"
    );
    assert_eq!(
        doc["registration_endpoint"],
        "https://tenant.eu.auth0.com/oidc/register"
    );
    assert_eq!(
        doc["code_challenge_methods_supported"],
        json!(["S256", "plain"])
    );
    assert!(doc.get("private_member").is_none());
    let _ = w.respond(&request("GET", "/.well-known/oauth-authorization-server"));
    assert_eq!(
        w.fetch_count("https://tenant.eu.auth0.com/.well-known/openid-configuration"),
        1
    );
}

#[test]
fn authorization_server_metadata_oidc_configured_endpoints_override() {
    let w = oidc_world();
    w.set(
        "auth_provider_jwks_uri",
        "https://tenant.eu.auth0.com/.well-known/jwks.json",
    );
    w.set(
        "auth_provider_authorize_endpoint",
        "https://login.example.com/authorize",
    );
    w.set(
        "auth_provider_token_endpoint",
        "https://login.example.com/token",
    );
    let doc = body_json(&w.respond(&request("GET", "/.well-known/oauth-authorization-server")));
    assert_eq!(
        doc["authorization_endpoint"],
        "https://login.example.com/authorize"
    );
    assert_eq!(doc["token_endpoint"], "https://login.example.com/token");
    assert_eq!(
        w.fetches.borrow().len(),
        0,
        "complete configuration needs no discovery"
    );
}

#[test]
fn authorization_server_metadata_unavailable_is_503() {
    let w = oidc_world();
    w.fail(
        "https://tenant.eu.auth0.com/.well-known/openid-configuration",
        HttpError::Timeout,
    );
    let r = w.respond(&request("GET", "/.well-known/oauth-authorization-server"));
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("30"));
}

#[test]
fn authorization_server_metadata_suffix_selects_provider_by_issuer_path() {
    let w = World::authkit();
    w.set("auth_provider2_type", "oidc");
    w.set(
        "auth_provider2_issuer",
        "https://idp.example.com/realms/mcp",
    );
    w.set(
        "auth_provider2_jwks_uri",
        "https://idp.example.com/realms/mcp/certs",
    );
    w.set(
        "auth_provider2_authorize_endpoint",
        "https://idp.example.com/realms/mcp/auth",
    );
    w.set(
        "auth_provider2_token_endpoint",
        "https://idp.example.com/realms/mcp/token",
    );
    let doc = body_json(&w.respond(&request(
        "GET",
        "/.well-known/oauth-authorization-server/realms/mcp",
    )));
    assert_eq!(doc["issuer"], "https://idp.example.com/realms/mcp");
    let doc = body_json(&w.respond(&request("GET", "/.well-known/oauth-authorization-server")));
    assert_eq!(doc["issuer"], ISSUER);
}

#[test]
fn oidc_tokens_verify_with_discovered_jwks() {
    let w = oidc_world();
    let token = mint(
        "ec-p256",
        &claims_with(
            json!({"iss": "https://tenant.eu.auth0.com/", "aud": ["https://api.example.com", "x"]}),
        ),
    );
    let plan = w.forward(&mcp_post(&token));
    assert_eq!(sent_header(&plan, "x-auth-provider").unwrap(), "auth0");
    // Discovery and keys are both cached: a second request fetches nothing.
    let _ = w.forward(&mcp_post(&token));
    assert_eq!(w.fetches.borrow().len(), 2);
}

#[test]
fn discovery_document_with_foreign_issuer_is_refused() {
    let w = oidc_world();
    w.serve(
        "https://tenant.eu.auth0.com/.well-known/openid-configuration",
        200,
        &json!({"issuer": "https://evil.example.com/", "jwks_uri": "https://tenant.eu.auth0.com/.well-known/jwks.json"})
            .to_string(),
    );
    let token = mint(
        "ec-p256",
        &claims_with(
            json!({"iss": "https://tenant.eu.auth0.com/", "aud": "https://api.example.com"}),
        ),
    );
    let r = w.respond(&mcp_post(&token));
    assert_eq!(r.status, 503);
    assert_eq!(
        w.last_log()["details"],
        json!(["discovery_issuer_mismatch"])
    );
}

// ---------- configuration faults ----------

#[test]
fn default_configuration_fails_closed_with_500_naming_the_variable() {
    let w = World::empty();
    let r = w.respond(&mcp_post(&valid_token()));
    assert_eq!(r.status, 500);
    assert_eq!(
        body_json(&r),
        json!({"error": "server_error", "error_description": "the authorizer is misconfigured"})
    );
    let log = w.last_log();
    assert_eq!(log["level"], "error");
    assert_eq!(log["variable"], "auth_provider_issuer");
    assert!(log["reason"]
        .as_str()
        .unwrap()
        .contains("no identity provider is configured"));
    assert!(r.header("x-trace-id").is_some());
}

#[test]
fn every_invalid_variable_is_a_500_that_names_it() {
    for (name, value) in [
        ("auth_enabled", "perhaps"),
        ("auth_gateway_url", "not a url"),
        ("auth_provider_issuer", "http://tenant.authkit.app"),
        ("auth_leeway_secs", "lots"),
        (
            "auth_provider_jwks_uri",
            "https://elsewhere.example.com/jwks",
        ),
    ] {
        let w = World::authkit();
        w.set(name, value);
        let r = w.respond(&request("GET", PRM_ROOT));
        assert_eq!(r.status, 500, "{name}");
        assert_eq!(w.last_log()["variable"], name);
    }
}

#[test]
fn stray_quote_in_required_scopes_is_a_500_whose_log_names_the_character() {
    let w = World::authkit();
    w.set("auth_provider_required_scopes", "mcp:tools \"mcp:read\"");
    let r = w.respond(&mcp_post(&valid_token()));
    assert_eq!(r.status, 500);
    let log = w.last_log();
    assert_eq!(log["variable"], "auth_provider_required_scopes");
    let detail = log["config_detail"].as_str().unwrap();
    assert!(detail.contains("'\"' (U+0022) is not allowed"), "{detail}");
}

// ---------- auth disabled ----------

#[test]
fn auth_disabled_forwards_everything_and_says_so() {
    let w = World::empty();
    w.set("auth_enabled", "false");
    let plan = w.forward(
        &request("POST", "/mcp?x=1")
            .with("x-auth-user-id", "spoofed")
            .with("authorization", "Bearer whatever")
            .with("content-type", "application/json"),
    );
    assert_eq!(
        plan.url(),
        "http://ftl-mcp-gateway.spin.internal/mcp-internal?x=1"
    );
    assert_eq!(
        sent_header(&plan, "x-auth-user-id"),
        None,
        "spoofed identity is stripped even when disabled"
    );
    assert_eq!(sent_header(&plan, "authorization"), None);
    assert!(plan.auth_context().is_none());
    let _ = w.forward(&request("GET", PRM_ROOT));
    let mut plan = plan;
    plan.finish(&w, 200, "forwarded_unauthenticated");
    let log = w.last_log();
    assert_eq!(log["auth"], "DISABLED");
    assert_eq!(log["level"], "warn");
    assert_eq!(log["warnings"], json!(["auth_disabled"]));
}

#[test]
fn auth_disabled_strips_forged_auth_context() {
    let w = World::empty();
    w.set("auth_enabled", "false");
    let plan = w.forward(&request("POST", "/mcp"));
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_authContext":{"authenticated_user":"admin"}}}"#;
    let out: serde_json::Value =
        serde_json::from_slice(&plan.upstream_body(body, true).unwrap().unwrap()).unwrap();
    assert!(out["params"].get("_authContext").is_none());
}

// ---------- trace ids and logs ----------

#[test]
fn trace_id_is_propagated_or_generated() {
    let w = World::authkit();
    let r = w.respond(&request("POST", "/mcp").with("X-Trace-Id", "abc-123"));
    assert_eq!(r.header("x-trace-id"), Some("abc-123"));
    assert_eq!(w.last_log()["trace_id"], "abc-123");
    let r = w.respond(&request("POST", "/mcp").with("X-Trace-Id", "bad value\"with quotes"));
    let generated = r.header("x-trace-id").unwrap();
    assert_eq!(generated.len(), 32);
    assert!(generated.bytes().all(|b| b.is_ascii_hexdigit()));
    let plan = w.forward(&mcp_post(&valid_token()).with("x-trace-id", "t-1"));
    assert_eq!(sent_header(&plan, "x-trace-id").unwrap(), "t-1");
}

#[test]
fn custom_trace_header() {
    let w = World::authkit();
    w.set("auth_trace_header", "X-Request-Id");
    let plan = w.forward(&mcp_post(&valid_token()).with("x-request-id", "r-9"));
    assert_eq!(sent_header(&plan, "x-request-id").unwrap(), "r-9");
    assert_eq!(sent_header(&plan, "x-trace-id"), None);
}

#[test]
fn one_log_line_per_local_response() {
    let w = World::authkit();
    let _ = w.respond(&request("POST", "/mcp"));
    let _ = w.respond(&request("GET", PRM_ROOT));
    let _ = w.respond(&request("OPTIONS", "/mcp"));
    assert_eq!(w.logs.borrow().len(), 3);
    let log = w.last_log();
    for field in [
        "level",
        "ts_ms",
        "trace_id",
        "method",
        "route",
        "status",
        "reason",
        "duration_ms",
    ] {
        assert!(log.get(field).is_some(), "{field} missing");
    }
}

#[test]
fn hostile_requests_never_cause_500() {
    let w = World::authkit();
    let nasty: Vec<Vec<u8>> = vec![
        b"Bearer \xff\xfe".to_vec(),
        b"Bearer ".to_vec(),
        b"Bearer a.b.c".to_vec(),
        b"Bearer ....".to_vec(),
        format!("Bearer {}", "A".repeat(100_000)).into_bytes(),
        b"Bearer eyJhbGciOiJSUzI1NiJ9.e30.AAAA".to_vec(),
        b"\x00\x01".to_vec(),
    ];
    for value in nasty {
        let mut req = request("POST", "/mcp");
        req.headers.push(("authorization".into(), value.clone()));
        let r = w.respond(&req);
        assert!(
            r.status == 401 || r.status == 400,
            "{} for {:?}",
            r.status,
            String::from_utf8_lossy(&value)
        );
    }
    for path in [
        "",
        "?",
        "/.well-known/oauth-protected-resource/%00",
        "/.well-known/oauth-authorization-server/../x",
    ] {
        let r = w.respond(&request("GET", path));
        assert!(r.status < 500, "{path}: {}", r.status);
    }
}
