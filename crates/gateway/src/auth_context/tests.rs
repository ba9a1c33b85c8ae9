//! Unit tests of [`super::inspect`] and the rewrite rules.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;

/// [`inspect`] with an identity, for a body that must be forwarded (not refused): the
/// rewritten body, or `None` when it goes unchanged.
fn rewrite_body(body: &[u8], context: &AuthContext) -> Option<Vec<u8>> {
    inspect(body, Some(context), MAX_PARSE_BYTES).unwrap()
}

/// As [`rewrite_body`] with authentication disabled: only forged members are stripped.
fn strip_only(body: &[u8]) -> Option<Vec<u8>> {
    inspect(body, None, MAX_PARSE_BYTES).unwrap()
}

fn ctx() -> AuthContext {
    AuthContext {
        authenticated_user: Some("user_1".into()),
        email: Some("u@example.com".into()),
        provider: "authkit".into(),
        issuer: "https://tenant.authkit.app".into(),
        client_id: Some("client_1".into()),
        scopes: vec!["read".into()],
    }
}

#[test]
fn injects_into_single_initialize() {
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}"#;
    let out: Value = ::json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
    assert_eq!(out["params"]["protocolVersion"], "2025-06-18");
    assert_eq!(
        out["params"]["_authContext"]["authenticated_user"],
        "user_1"
    );
    assert_eq!(out["params"]["_authContext"]["email"], "u@example.com");
    assert_eq!(out["params"]["_authContext"]["provider"], "authkit");
    assert_eq!(out["params"]["_authContext"]["client_id"], "client_1");
    assert_eq!(
        out["params"]["_authContext"]["scopes"],
        ::json::json!(["read"])
    );
}

#[test]
fn creates_params_when_absent() {
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#;
    let out: Value = ::json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
    assert_eq!(out["params"]["_authContext"]["provider"], "authkit");
}

#[test]
fn overwrites_forged_context() {
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_authContext":{"authenticated_user":"admin"}}}"#;
    let out: Value = ::json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
    assert_eq!(
        out["params"]["_authContext"]["authenticated_user"],
        "user_1"
    );
}

#[test]
fn escaped_method_is_still_seen() {
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"initi\u0061lize","params":{}}"#;
    let out: Value = ::json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
    assert_eq!(
        out["params"]["_authContext"]["authenticated_user"],
        "user_1"
    );
}

#[test]
fn other_bodies_pass_unchanged() {
    let body = br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x","arguments":{"a":1}}}"#;
    assert_eq!(rewrite_body(body, &ctx()), None);
    // Mentions "initialize" but is not one: untouched.
    let body = br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"initialize"}}"#;
    assert_eq!(rewrite_body(body, &ctx()), None);
    // Not JSON, and nothing to inspect: untouched.
    assert_eq!(rewrite_body(b"hello me", &ctx()), None);
    assert_eq!(rewrite_body(b"", &ctx()), None);
}

#[test]
fn forged_context_on_other_methods_is_removed() {
    let body = br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"_authContext":{"x":1},"name":"t"}}"#;
    let out: Value = ::json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
    assert!(out["params"].get("_authContext").is_none());
    assert_eq!(out["params"]["name"], "t");
}

#[test]
fn duplicate_members_are_normalized() {
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","method":"ping","params":{}}"#;
    let out = rewrite_body(body, &ctx()).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches("\"method\"").count(), 1);
    assert!(text.contains("\"ping\""));
}

#[test]
fn batch_initialize() {
    let body = br#"[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}},{"jsonrpc":"2.0","method":"notifications/initialized"}]"#;
    let out: Value = ::json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
    assert_eq!(out[0]["params"]["_authContext"]["client_id"], "client_1");
    assert!(out[1].get("params").is_none());
}

#[test]
fn oversized_bodies_are_refused() {
    let mut body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"pad":""#.to_vec();
    body.resize(MAX_PARSE_BYTES + 1, b'a');
    assert_eq!(
        inspect(&body, Some(&ctx()), MAX_PARSE_BYTES),
        Err(Refusal::TooLarge)
    );
    assert_eq!(
        inspect(&body, None, MAX_PARSE_BYTES),
        Err(Refusal::TooLarge)
    );
    // Whatever the content: the cap is checked before the skip rule.
    assert_eq!(inspect(&[b' '; 2048], None, 1024), Err(Refusal::TooLarge));
    assert_eq!(inspect(&[b' '; 1024], None, 1024), Ok(None));
}

#[test]
fn unparseable_bodies_that_must_be_inspected_are_refused() {
    let forged = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_authContext":{"authenticated_user":"admin"}},"pad":"#;
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    for pad in [deep.as_str(), "\"\\ud800\"", "1e400", "tru"] {
        let body = format!("{forged}{pad}}}");
        for context in [Some(ctx()), None] {
            assert_eq!(
                inspect(body.as_bytes(), context.as_ref(), MAX_PARSE_BYTES),
                Err(Refusal::Malformed),
                "{pad}"
            );
        }
    }
    for body in [
        &b"initialize me"[..],
        b"{\"_authContext\":1",
        b"\"\\u0041",
        b"{\"a\":\"\\u0041\"} trailing",
        b"{\"a\":1}\0",
    ] {
        assert_eq!(
            inspect(body, Some(&ctx()), MAX_PARSE_BYTES),
            Err(Refusal::Malformed)
        );
    }
}

#[test]
fn skip_rule_passes_bodies_without_trigger_unparsed() {
    // Invalid JSON without `initialize`, `_authContext`, `\u` or NUL: never parsed, so
    // forwarded byte for byte (the MCP server answers it).
    for body in [
            &br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x","arguments":{"a":1}}}"#[..],
            br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"a":1e400,"b":[[[[["#,
            b"\xff\xfe not utf-8",
            b"",
        ] {
            assert!(!must_inspect(body));
            assert_eq!(inspect(body, Some(&ctx()), MAX_PARSE_BYTES), Ok(None));
            assert_eq!(inspect(body, None, MAX_PARSE_BYTES), Ok(None));
        }
}

#[test]
fn skip_rule_sees_every_spelling_of_the_names() {
    for body in [
        &b"initialize"[..],
        b"_authContext",
        b"_AUTHCONTEXT",
        b"INITIALIZE",
        b"notifications/initialized",
        b"\\u005fauthContext",
        b"\\\\u",
        b"{\0\"\0",
    ] {
        assert!(must_inspect(body), "{}", String::from_utf8_lossy(body));
    }
    // UTF-16 (which Python's json.loads(bytes) detects): no literal names, but NULs.
    let utf16: Vec<u8> = r#"{"method":"initialize","params":{"_authContext":{}}}"#
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert_eq!(
        inspect(&utf16, Some(&ctx()), MAX_PARSE_BYTES),
        Err(Refusal::Malformed)
    );
    // Escaped names are parsed, seen and handled.
    let body =
        br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"_auth\u0043ontext":{"x":1}}}"#;
    let out: Value =
        ::json::from_slice(&inspect(body, None, MAX_PARSE_BYTES).unwrap().unwrap()).unwrap();
    assert!(out["params"].get("_authContext").is_none());
}

#[test]
fn case_variants_of_reserved_names() {
    // Go's encoding/json reads `_AUTHCONTEXT` as `_authContext`: removed like it.
    let body = br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"_AUTHCONTEXT":{"x":1},"_AuthContext":2,"n":1}}"#;
    let out: Value = ::json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
    assert_eq!(out["params"], ::json::json!({"n":1}));
    // Simple case folding, as Go applies it: ASCII case, `ſ` → `s`, Kelvin sign → `k`; the
    // dotted capital I has no simple folding to `i`.
    assert!(folds_to("_AuthContext", "_authcontext") && folds_to("param\u{17f}", "params"));
    assert!(folds_to("\u{212a}", "k") && !folds_to("\u{130}", "i"));
    assert!(!folds_to("_authcontexts", "_authcontext") && !folds_to("_authcontex", "_authcontext"));
    let body =
        br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_AUTHCONTEXT":{"x":1}}}"#;
    let out: Value = ::json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
    assert_eq!(
        out["params"],
        ::json::json!({"_authContext": ctx().to_value()})
    );
    // `method`/`params` spelled otherwise: which one a server reads is ambiguous; refused.
    for body in [
        &br#"{"jsonrpc":"2.0","id":1,"METHOD":"initialize","params":{}}"#[..],
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","Params":{"_authContext":1}}"#,
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"param\u{17f}\":{\"_authContext\":1}}"
            .as_bytes(),
        br#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"Method":"initialize"}]"#,
    ] {
        assert_eq!(
            inspect(body, Some(&ctx()), MAX_PARSE_BYTES),
            Err(Refusal::Malformed),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn wide_objects_are_checked_in_one_pass() {
    // 100 000 members in one object: the old duplicate check compared each name with every
    // earlier one (~50 s); this must simply complete.
    let members: Vec<String> = (0..100_000).map(|i| format!("\"k{i}\":0")).collect();
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{{}}}}}"#,
        members.join(",")
    );
    let out: Value =
        ::json::from_slice(&rewrite_body(body.as_bytes(), &ctx()).unwrap()).unwrap();
    assert_eq!(out["params"].as_object().unwrap().len(), 100_001);
    // Same size with one duplicate: found, normalized (last wins).
    let body = body.replacen("\"k99999\":0", "\"k0\":7", 1);
    let out: Value = ::json::from_slice(&strip_only(body.as_bytes()).unwrap()).unwrap();
    assert_eq!(out["params"]["k0"], 7);
    assert_eq!(out["params"].as_object().unwrap().len(), 99_999);
}

#[test]
fn duplicates_are_found_at_any_depth() {
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_authContext":1,"a":[{"b":1,"b":2}]}}"#;
    let (_, duplicates) = parse_checked(body).unwrap();
    assert!(duplicates);
    let (value, duplicates) = parse_checked(br#"{"a":[{"b":1},{"b":2}],"c":1.5}"#).unwrap();
    assert!(!duplicates);
    assert_eq!(value, ::json::json!({"a":[{"b":1},{"b":2}],"c":1.5}));
}

#[test]
fn nested_batch_and_positional_initialize_are_refused() {
    for body in [
        &br#"[[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_authContext":{}}}]]"#[..],
        br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":[{"_authContext":{}}]}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":"x"}"#,
    ] {
        assert_eq!(
            inspect(body, Some(&ctx()), MAX_PARSE_BYTES),
            Err(Refusal::Invalid)
        );
    }
    // Positional params of another method: the forged member is stripped from its objects.
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"x","params":[{"_authContext":1,"a":2}]}"#;
    let out: Value = ::json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
    assert_eq!(out["params"], ::json::json!([{"a":2}]));
    // `_meta` is stripped; tool arguments are data and pass unchanged.
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_meta":{"_authContext":1,"k":2}}}"#;
    let out: Value = ::json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
    assert_eq!(out["params"]["_meta"], ::json::json!({"k":2}));
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"_authContext":1}}}"#;
    assert_eq!(rewrite_body(body, &ctx()), None);
}

#[test]
fn bodies_to_inspect_have_a_smaller_limit() {
    let mut body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"pad":""#.to_vec();
    body.resize(4096, b'a');
    body.extend_from_slice(b"\"}}");
    assert_eq!(
        inspect_within(&body, Some(&ctx()), MAX_PARSE_BYTES, 4096),
        Err(Refusal::TooLargeToInspect)
    );
    assert!(inspect_within(&body, Some(&ctx()), MAX_PARSE_BYTES, 8192).is_ok());
    // A body that needs no parse is not limited by it.
    let plain = vec![b' '; 8192];
    assert_eq!(
        inspect_within(&plain, None, MAX_PARSE_BYTES, 1024),
        Ok(None)
    );
}

#[test]
fn strip_only_removes_claims() {
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_authContext":{"authenticated_user":"admin"}}}"#;
    let out: Value = ::json::from_slice(&strip_only(body).unwrap()).unwrap();
    assert!(out["params"].get("_authContext").is_none());
    assert_eq!(strip_only(br#"{"method":"initialize","params":{}}"#), None);
}
