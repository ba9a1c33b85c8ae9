//! The whole gateway request path over fake ports: arbitrary method, path, headers, bearer
//! token (raw, or signed by the harness with fuzzed claims so it verifies), body, provider
//! responses (JWK Set, OIDC discovery, redirects), a damaged KV store, and upstream response
//! headers; then everything the adapter would do with a forward plan.
//!
//! The configuration is always valid, so by the behaviour contract (DESIGN.md) no input may
//! produce a 500. Asserts, besides no panic:
//! * local responses: never 500; header names are tokens and values carry no CR/LF/NUL;
//!   a harness-minted token is never echoed; 401/403 carry `WWW-Authenticate`;
//! * forward plans: the client's `x-auth-*`, `Host` and (unless opted in) `Authorization`
//!   never reach the MCP server; every header sent is a valid field; identity headers appear
//!   only with an identity; the body sent carries no forged `_authContext` (see the
//!   `initialize_rewrite` target); 502/504 bodies are well-formed;
//! * every log line is one JSON object (checked by the fake `Log`).
#![no_main]

use gateway::forward::{ForwardPlan, UpstreamFailure};
use gateway::{self, Decision, RequestHead, Response};
use gateway::ports::HttpError;
use ftl_mcp_authorizer_fuzz::json_oracle::{auth_contexts_in, parse_unbounded};
use ftl_mcp_authorizer_fuzz::{
    is_safe_field_value, is_token, sign_ed25519, Scripted, World, ISSUER, JWKS_JSON,
    JWKS_URL, NOW, OIDC_DISCOVERY_URL, OIDC_ISSUER, OIDC_JWKS_URL, RESOURCE,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

#[derive(Arbitrary, Debug)]
struct Input {
    setup: Setup,
    method: Method,
    path: Path,
    query: Option<String>,
    host: Option<String>,
    headers: Vec<(String, Vec<u8>)>,
    auth: Auth,
    body: Vec<u8>,
    jwks: Document,
    discovery: Document,
    kv: Kv,
    upstream_headers: Vec<(String, Vec<u8>)>,
    /// Requests handled in a row on the same world (cache reads after the first fetch).
    repeat: bool,
    later_secs: u16,
}

#[derive(Arbitrary, Debug)]
struct Setup {
    auth_disabled: bool,
    forward_authorization: bool,
    required_scopes: bool,
    cors_origins: bool,
    custom_trace_header: bool,
}

#[derive(Arbitrary, Debug)]
enum Method {
    Get,
    Post,
    Head,
    Options,
    Delete,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Path {
    Mcp,
    ProtectedResource(String),
    AuthorizationServer(String),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Auth {
    None,
    /// Any `Authorization` value.
    Raw(Vec<u8>),
    /// `Bearer <token>`, signed with the fixture Ed25519 key.
    Signed {
        provider_oidc: bool,
        kid: Kid,
        header_extra: Vec<(String, Claim)>,
        claims: Claims,
    },
}

#[derive(Arbitrary, Debug)]
enum Kid {
    Fixture,
    Absent,
    Other(String),
}

#[derive(Arbitrary, Debug)]
struct Claims {
    sub: Option<String>,
    email: Option<String>,
    client_id: Option<String>,
    scope: Option<Claim>,
    aud: Option<Claim>,
    exp_offset: Option<i32>,
    extra: Vec<(String, Claim)>,
}

/// A JSON value the fuzzer shapes directly.
#[derive(Arbitrary, Debug)]
enum Claim {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Resource,
    List(Vec<String>),
    Raw(String),
}

impl Claim {
    fn to_value(&self) -> Value {
        match self {
            Claim::Null => Value::Null,
            Claim::Bool(b) => json!(b),
            Claim::Int(i) => json!(i),
            Claim::Float(f) => json!(f),
            Claim::Str(s) => json!(s),
            Claim::Resource => json!(RESOURCE),
            Claim::List(items) => json!(items),
            Claim::Raw(text) => serde_json::from_str(text).unwrap_or_else(|_| json!(text)),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Document {
    Fixture,
    Raw { status: u16, body: Vec<u8> },
    Redirect { status: u16, location: String },
    Fail(u8),
}

#[derive(Arbitrary, Debug)]
enum Kv {
    Empty,
    Broken,
    /// Every read returns these bytes.
    Poisoned(Vec<u8>),
}

fn world(input: &Input) -> World {
    let mut w = World::new();
    let s = &input.setup;
    if s.auth_disabled {
        w.set("auth_enabled", "false");
    }
    w.set("auth_provider_type", "authkit");
    w.set("auth_provider_issuer", ISSUER);
    w.set("auth_provider2_type", "oidc");
    w.set("auth_provider2_issuer", OIDC_ISSUER);
    w.set("auth_resource_url", RESOURCE);
    if s.forward_authorization {
        w.set("auth_forward_authorization", "true");
    }
    if s.required_scopes {
        w.set("auth_provider_required_scopes", "read write");
    }
    if s.cors_origins {
        w.set(
            "auth_cors_allowed_origins",
            "https://app.example.com, http://localhost:3000",
        );
    }
    if s.custom_trace_header {
        w.set("auth_trace_header", "X-Request-Id");
    }
    script(&mut w, JWKS_URL, &input.jwks, JWKS_JSON.as_bytes());
    script(&mut w, OIDC_JWKS_URL, &input.jwks, JWKS_JSON.as_bytes());
    let discovery = json!({"issuer": OIDC_ISSUER, "jwks_uri": OIDC_JWKS_URL,
        "authorization_endpoint": "https://idp.example.com/authorize",
        "token_endpoint": "https://idp.example.com/token"})
    .to_string();
    script(
        &mut w,
        OIDC_DISCOVERY_URL,
        &input.discovery,
        discovery.as_bytes(),
    );
    match &input.kv {
        Kv::Empty => {}
        Kv::Broken => w.kv_broken = true,
        Kv::Poisoned(bytes) => w.kv_override = Some(bytes.clone()),
    }
    w
}

fn script(w: &mut World, url: &str, doc: &Document, fixture: &[u8]) {
    match doc {
        Document::Fixture => w.serve(url, 200, None, fixture.to_vec()),
        Document::Raw { status, body } => w.serve(url, *status, None, body.clone()),
        Document::Redirect { status, location } => {
            w.serve(url, *status, Some(location.clone()), Vec::new())
        }
        Document::Fail(n) => {
            let e = [
                HttpError::Connect,
                HttpError::Timeout,
                HttpError::TooLarge,
                HttpError::Denied,
                HttpError::Other,
            ];
            w.routes
                .insert(url.to_string(), Scripted::Err(e[usize::from(*n) % e.len()]));
        }
    }
}

/// The compact token the harness minted, if any (it must never be echoed back).
fn request(input: &Input) -> (RequestHead, Option<String>) {
    let method = match &input.method {
        Method::Get => "GET".to_string(),
        Method::Post => "POST".to_string(),
        Method::Head => "HEAD".to_string(),
        Method::Options => "OPTIONS".to_string(),
        Method::Delete => "DELETE".to_string(),
        Method::Other(m) => m.clone(),
    };
    let mut path_and_query = match &input.path {
        Path::Mcp => "/mcp".to_string(),
        Path::ProtectedResource(s) => format!("/.well-known/oauth-protected-resource{s}"),
        Path::AuthorizationServer(s) => format!("/.well-known/oauth-authorization-server{s}"),
        Path::Raw(p) => p.clone(),
    };
    if let Some(q) = &input.query {
        path_and_query.push('?');
        path_and_query.push_str(q);
    }
    let mut headers = Vec::new();
    if let Some(host) = &input.host {
        headers.push(("host".to_string(), host.as_bytes().to_vec()));
    }
    let mut minted = None;
    match &input.auth {
        Auth::None => {}
        Auth::Raw(v) => headers.push(("Authorization".to_string(), v.clone())),
        Auth::Signed {
            provider_oidc,
            kid,
            header_extra,
            claims,
        } => {
            let token = mint(*provider_oidc, kid, header_extra, claims);
            headers.push((
                "authorization".to_string(),
                format!("Bearer {token}").into_bytes(),
            ));
            minted = Some(token);
        }
    }
    // Spin hands the component only fields an HTTP parser accepted: token names, and values
    // without CR, LF, NUL or other controls. Anything else cannot arrive.
    headers.extend(input.headers.iter().cloned());
    headers.retain(|(n, v)| is_token(n) && is_safe_field_value(v));
    let req = RequestHead {
        method,
        scheme: Some("https".into()),
        authority: Some("mcp.example.com".into()),
        path_and_query,
        headers,
    };
    (req, minted)
}

fn mint(oidc: bool, kid: &Kid, header_extra: &[(String, Claim)], c: &Claims) -> String {
    let mut header = json!({"alg": "EdDSA", "typ": "JWT"});
    match kid {
        Kid::Fixture => header["kid"] = json!("ed25519"),
        Kid::Absent => {}
        Kid::Other(k) => header["kid"] = json!(k),
    }
    for (k, v) in header_extra {
        header[k.as_str()] = v.to_value();
    }
    let iss = if oidc { OIDC_ISSUER } else { ISSUER };
    let exp = i64::try_from(NOW).unwrap() + i64::from(c.exp_offset.unwrap_or(3600));
    let mut claims =
        json!({"iss": iss, "aud": RESOURCE, "exp": exp, "iat": NOW - 10, "sub": "user_1"});
    let set = |claims: &mut Value, name: &str, v: Option<Value>| {
        if let Some(v) = v {
            claims[name] = v;
        }
    };
    set(&mut claims, "sub", c.sub.as_ref().map(|s| json!(s)));
    set(&mut claims, "email", c.email.as_ref().map(|s| json!(s)));
    set(
        &mut claims,
        "client_id",
        c.client_id.as_ref().map(|s| json!(s)),
    );
    set(
        &mut claims,
        "scope",
        c.scope
            .as_ref()
            .map(Claim::to_value)
            .or(Some(json!("read write"))),
    );
    set(&mut claims, "aud", c.aud.as_ref().map(Claim::to_value));
    for (k, v) in &c.extra {
        claims[k.as_str()] = v.to_value();
    }
    sign_ed25519(header.to_string().as_bytes(), claims.to_string().as_bytes())
}

fuzz_target!(|input: Input| {
    let w = world(&input);
    let (req, minted) = request(&input);
    let rounds = if input.repeat { 2 } else { 1 };
    for _ in 0..rounds {
        match gateway::handle(&w, &req) {
            Decision::Respond(r) => check_response(&r, &req, minted.as_deref()),
            Decision::Forward(mut plan) => check_forward(&mut plan, &input, &req, &w),
        }
        w.now_ms
            .set(w.now_ms.get() + u64::from(input.later_secs) * 1000);
    }
    // Per request at most: discovery and JWKS for each of the two providers, each with its redirects.
    assert!(
        w.fetches.get() <= rounds * 4 * (1 + 3),
        "more provider fetches than the redirect bound allows"
    );
});

fn check_headers(headers: &[(String, Vec<u8>)]) {
    for (name, value) in headers {
        assert!(is_token(name), "invalid header name {name:?}");
        assert!(
            is_safe_field_value(value),
            "unsafe value for {name}: {value:?}"
        );
    }
}

fn check_response(r: &Response, req: &RequestHead, minted: Option<&str>) {
    assert_ne!(
        r.status,
        500,
        "client input caused a 500: {}",
        String::from_utf8_lossy(&r.body)
    );
    assert!((200..600).contains(&r.status));
    let headers: Vec<(String, Vec<u8>)> = r
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
        .collect();
    check_headers(&headers);
    if let Some(token) = minted {
        let body = String::from_utf8_lossy(&r.body);
        assert!(!body.contains(token), "token echoed in the body");
        assert!(
            r.headers.iter().all(|(_, v)| !v.contains(token)),
            "token echoed in a header"
        );
    }
    if matches!(r.status, 401 | 403) {
        assert!(r
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer ")));
    }
    if !r.body.is_empty() {
        assert!(
            !req.method.eq_ignore_ascii_case("HEAD"),
            "HEAD response with a body"
        );
        let v: Value = serde_json::from_slice(&r.body).expect("local response body is JSON");
        assert!(v.is_object());
    }
}

fn check_forward(plan: &mut ForwardPlan, input: &Input, req: &RequestHead, w: &World) {
    let identity = plan.auth_context().cloned();
    assert_eq!(
        identity.is_none(),
        input.setup.auth_disabled,
        "forwarded without an identity"
    );
    let sent = plan.request_headers(Some(input.body.len() as u64));
    check_headers(&sent);
    for (name, _) in &sent {
        assert!(name != "host");
        assert!(name != "authorization" || input.setup.forward_authorization);
    }
    for name in [
        "x-auth-user-id",
        "x-auth-client-id",
        "x-auth-issuer",
        "x-auth-scopes",
        "x-auth-provider",
    ] {
        let n = sent.iter().filter(|(n, _)| n == name).count();
        assert!(n <= 1, "{name} sent {n} times");
        if identity.is_none() {
            assert_eq!(n, 0, "{name} without an identity");
        }
    }
    assert!(sent
        .iter()
        .all(|(n, _)| !n.starts_with("x-auth-") || identity.is_some()));
    if let (Some(ctx), Some(v)) = (&identity, sent.iter().find(|(n, _)| n == "x-auth-user-id")) {
        assert_eq!(
            Some(v.1.as_slice()),
            ctx.authenticated_user.as_deref().map(str::as_bytes)
        );
    }

    // A refused body (`Err`) reaches no MCP server; otherwise check what it would receive.
    let rewritten = plan.upstream_body(&input.body, true);
    let body = match &rewritten {
        Ok(rewritten) => rewritten.as_deref().unwrap_or(&input.body),
        Err(_) => &[],
    };
    if let Some(value) = parse_unbounded(body) {
        let expected = identity.as_ref().map(|c| {
            // As the lenient (serde_json) parser reads the bytes the gateway writes.
            serde_json::from_slice::<serde_json::Value>(&json::to_vec(&c.to_value()).unwrap_or_default())
                .expect("the context serializes to JSON")
        });
        for (is_initialize, found) in auth_contexts_in(&value) {
            match &expected {
                Some(e) if is_initialize => {
                    assert_eq!(&found, e, "initialize carries a forged _authContext")
                }
                _ => panic!("a client-supplied _authContext reaches the MCP server: {found}"),
            }
        }
    }
    assert!(plan.upstream_body(&input.body, false).is_err(), "a truncated body is forwarded");

    let back = plan.response_headers(&input.upstream_headers);
    for (name, _) in &back {
        assert_eq!(name, &name.to_ascii_lowercase());
        assert!(!matches!(
            name.as_str(),
            "connection" | "transfer-encoding" | "keep-alive" | "upgrade"
        ));
    }
    for failure in [UpstreamFailure::Unreachable, UpstreamFailure::Timeout] {
        let r = plan.failure_response(failure, &input.body, true);
        assert!(matches!(r.status, 502 | 504));
        let v: Value = serde_json::from_slice(&r.body).expect("failure body is JSON");
        assert!(v.is_object() || v.is_array());
        let _ = plan.failure_response(failure, &input.body, false);
    }
    let _ = req;
    plan.finish(w, 200, "forwarded");
}
