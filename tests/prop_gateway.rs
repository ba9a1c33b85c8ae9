//! Property tests of the gateway's untrusted-input paths (issue 7): the `Authorization` header,
//! the `initialize` body rewrite, and the whole request path over fake ports. Hostile input
//! never panics, never yields a 500, and never smuggles an identity to the MCP server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod prop_support;

use gateway::auth_context::{inspect, AuthContext, MAX_PARSE_BYTES};
use gateway::authn::{bearer_token, Rejection};
use gateway::{self, Decision, RequestHead};
use prop_support::fuzz_support::json_oracle::{auth_contexts_in, parse_unbounded};
use prop_support::fuzz_support::{
    is_safe_field_value, is_token, sign_ed25519, World, ISSUER, JWKS_JSON, JWKS_URL, RESOURCE,
};
use prop_support::{arb_document, arb_json, arb_object};
use proptest::prelude::*;
use serde_json::{json, Value};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        "(?i:bearer)[ \t]{0,3}[A-Za-z0-9._~+/=-]{0,40}[ \t]{0,2}".prop_map(String::into_bytes),
        "(Basic|DPoP|Bearer,|Bearer\u{a0}) ?[ -~]{0,20}".prop_map(String::into_bytes),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![3 => Just("Authorization".to_string()), 1 => "(?i:authorization)", 1 => "[ -~]{0,12}"]
}

fn context() -> AuthContext {
    AuthContext {
        authenticated_user: Some("user_1".into()),
        email: Some("u@example.com".into()),
        provider: "authkit".into(),
        issuer: "https://tenant.authkit.app".into(),
        client_id: Some("client_1".into()),
        scopes: vec!["read".into()],
    }
}

/// JSON-RPC-shaped bodies: an `initialize` or other request, alone or in a batch, with
/// arbitrary params that may carry a forged `_authContext` (spelled plainly or escaped).
fn jsonrpc_body() -> impl Strategy<Value = Vec<u8>> {
    let method = prop_oneof![
        Just(json!("initialize")),
        Just(json!("tools/call")),
        arb_json()
    ];
    let params = prop_oneof![
        Just(Value::Null),
        arb_object().prop_map(Value::Object),
        (arb_object(), arb_json()).prop_map(|(mut p, forged)| {
            p.insert("_authContext".into(), forged);
            Value::Object(p)
        }),
        arb_json(),
    ];
    let message = (method, params, any::<bool>()).prop_map(|(m, p, with_params)| {
        let mut o = json!({"jsonrpc": "2.0", "id": 1, "method": m});
        if with_params {
            o["params"] = p;
        }
        o
    });
    let body = prop_oneof![
        message.clone(),
        prop::collection::vec(message, 0..4).prop_map(Value::Array)
    ];
    (body, any::<bool>()).prop_map(|(b, escape)| {
        let text = b.to_string();
        // `\u` escapes force the gateway to parse; both spellings must be handled alike.
        let text = if escape {
            text.replace("_authContext", "_auth\\u0043ontext")
                .replace("initialize", "initi\\u0061lize")
        } else {
            text
        };
        text.into_bytes()
    })
}

/// The oracle shared with the fuzz targets: in the body the MCP server receives, every
/// `params._authContext` a lenient parser finds is the injected one, in an `initialize`.
fn no_forged_context(sent: &[u8], injected: Option<&AuthContext>) {
    let Some(value) = parse_unbounded(sent) else {
        return;
    };
    // The context as the independent parser reads the bytes the gateway writes.
    let expected: Option<Value> = injected.map(|c| {
        let bytes = json::to_vec(&c.to_value()).unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap()
    });
    for (is_initialize, found) in auth_contexts_in(&value) {
        match &expected {
            Some(e) if is_initialize => assert_eq!(&found, e, "forged _authContext in initialize"),
            _ => panic!("client-supplied _authContext forwarded: {found}"),
        }
    }
}

fn rewrite_holds(body: &[u8]) {
    let ctx = context();
    // `Err`: the body is refused and reaches no MCP server.
    if let Ok(out) = inspect(body, Some(&ctx), MAX_PARSE_BYTES) {
        if let Some(out) = &out {
            assert!(serde_json::from_slice::<Value>(out).is_ok());
        }
        no_forged_context(out.as_deref().unwrap_or(body), Some(&ctx));
    }
    if let Ok(out) = inspect(body, None, MAX_PARSE_BYTES) {
        no_forged_context(out.as_deref().unwrap_or(body), None);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn bearer_header_never_panics(headers in prop::collection::vec((header_name(), header_value()), 0..4)) {
        let n = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("authorization")).count();
        match bearer_token(&headers) {
            Ok(token) => {
                prop_assert_eq!(n, 1);
                prop_assert!(!token.is_empty());
                prop_assert!(token.trim_end_matches('=').bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)));
            }
            Err(r) => {
                if n == 0 { prop_assert_eq!(&r, &Rejection::MissingToken); }
                if n > 1 { prop_assert_eq!(&r, &Rejection::MultipleAuthorization); }
            }
        }
    }

    #[test]
    fn rewrite_arbitrary_bytes(body in arb_document()) {
        rewrite_holds(&body);
    }

    #[test]
    fn rewrite_jsonrpc_bodies(body in jsonrpc_body()) {
        rewrite_holds(&body);
    }
}

// ---- the whole request path -------------------------------------------------------------------

fn world() -> World {
    let mut w = World::new();
    w.set("auth_provider_type", "authkit");
    w.set("auth_provider_issuer", ISSUER);
    w.set("auth_resource_url", RESOURCE);
    w.serve(JWKS_URL, 200, None, JWKS_JSON.as_bytes().to_vec());
    w
}

fn signed(claims: &Value) -> String {
    sign_ed25519(
        br#"{"alg":"EdDSA","kid":"ed25519"}"#,
        claims.to_string().as_bytes(),
    )
}

fn token() -> impl Strategy<Value = Option<Vec<u8>>> {
    let exp = prop_oneof![Just(json!(1_700_003_600u64)), arb_json()];
    let claims = (exp, arb_json(), arb_json(), arb_json()).prop_map(|(exp, sub, scope, email)| {
        json!({"iss": ISSUER, "aud": RESOURCE, "exp": exp, "sub": sub, "scope": scope, "email": email})
    });
    prop_oneof![
        Just(None),
        header_value().prop_map(Some),
        claims.prop_map(|c| Some(format!("Bearer {}", signed(&c)).into_bytes())),
        Just(Some(
            format!(
                "Bearer {}",
                signed(
                    &json!({"iss": ISSUER, "aud": RESOURCE, "exp": 1_700_003_600u64, "sub": "u"})
                )
            )
            .into_bytes()
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..config() })]

    #[test]
    fn request_path_never_panics_nor_500s(
        method in prop_oneof![Just("GET".to_string()), Just("POST".to_string()), Just("OPTIONS".to_string()), Just("HEAD".to_string()), "[A-Z]{0,8}"],
        path in prop_oneof![Just("/mcp".to_string()), Just("/.well-known/oauth-protected-resource".to_string()), Just("/.well-known/oauth-authorization-server/mcp".to_string()), "/[ -~]{0,30}"],
        // Field values as an HTTP stack delivers them: no CR, LF, NUL or other controls.
        headers in prop::collection::vec((
            "[!-~]{1,16}|(?i:x-auth-user-id|host|x-forwarded-host|x-forwarded-proto|origin|connection|x-trace-id)",
            prop::collection::vec(prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff], 0..40),
        ), 0..5),
        authorization in token(),
        body in prop_oneof![arb_document(), jsonrpc_body()],
    ) {
        let w = world();
        let mut req = RequestHead {
            method,
            scheme: Some("https".into()),
            authority: Some("mcp.example.com".into()),
            path_and_query: path,
            headers,
        };
        if let Some(a) = authorization {
            req.headers.push(("authorization".into(), a));
        }
        match gateway::handle(&w, &req) {
            Decision::Respond(r) => {
                prop_assert_ne!(r.status, 500);
                for (n, v) in &r.headers {
                    prop_assert!(is_token(n) && is_safe_field_value(v.as_bytes()), "{n}: {v:?}");
                }
            }
            Decision::Forward(plan) => {
                let sent = plan.request_headers(None);
                let ctx = plan.auth_context().cloned();
                prop_assert!(ctx.is_some());
                for (n, v) in &sent {
                    prop_assert!(is_token(n) && is_safe_field_value(v), "{n}: {v:?}");
                    prop_assert!(n != "authorization" && n != "host");
                }
                if let Ok(out) = plan.upstream_body(&body, true) {
                    no_forged_context(out.as_deref().unwrap_or(&body), ctx.as_ref());
                }
            }
        }
    }
}
