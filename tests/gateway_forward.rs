//! Forwarding: header stripping and injection, the gateway URL, `_authContext` (single and
//! batched `initialize`), byte-for-byte passthrough, response headers and 502/504 answers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod gateway_support;

use gateway::auth_context::MAX_PARSE_BYTES;
use gateway::forward::UpstreamFailure;
use gateway_support::*;
use serde_json::{json, Value};

fn full_request(token: &str) -> gateway::RequestHead {
    request("POST", "/mcp?session=abc&x=1")
        .bearer(token)
        .with("Accept", "application/json, text/event-stream")
        .with("Content-Type", "application/json")
        .with("Mcp-Session-Id", "sess-1")
        .with("MCP-Protocol-Version", "2025-06-18")
        .with("Last-Event-ID", "42")
        .with("Content-Length", "17")
        .with("Connection", "keep-alive, X-Hop")
        .with("X-Hop", "secret")
        .with("Keep-Alive", "timeout=5")
        .with("Transfer-Encoding", "chunked")
        .with("TE", "trailers")
        .with("Upgrade", "h2c")
        .with("Proxy-Authorization", "Basic x")
        .with("Expect", "100-continue")
        .with("X-Auth-User-Id", "admin")
        .with("x-auth-scopes", "everything")
        .with("X-AUTH-Custom", "spoofed")
        .with("spin-full-url", "http://spoof")
        .with("X-Custom", "kept")
}

#[test]
fn target_is_gateway_url_plus_query() {
    let w = World::authkit();
    let plan = w.forward(&full_request(&valid_token()));
    assert_eq!(
        plan.url(),
        "http://ftl-mcp-gateway.spin.internal/mcp-internal?session=abc&x=1"
    );
    assert_eq!(plan.method, "POST");
    assert_eq!(plan.original_content_length, Some(17));
    assert_eq!(
        (plan.connect_timeout_ms, plan.first_byte_timeout_ms),
        (10_000, 300_000)
    );
    w.set("auth_gateway_url", "https://gw.internal:8443/mcp");
    w.set("auth_gateway_timeout_secs", "7");
    let plan = w.forward(&mcp_post(&valid_token()));
    assert_eq!(plan.url(), "https://gw.internal:8443/mcp");
    assert_eq!(
        (plan.connect_timeout_ms, plan.first_byte_timeout_ms),
        (7000, 7000)
    );
}

#[test]
fn end_to_end_headers_pass_hop_by_hop_and_spoofable_ones_do_not() {
    let w = World::authkit();
    let plan = w.forward(&full_request(&valid_token()).with("x-trace-id", "trace-7"));
    let sent = sent_headers(&plan);
    let names: Vec<&str> = sent.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "accept",
            "content-type",
            "mcp-session-id",
            "mcp-protocol-version",
            "last-event-id",
            "x-custom",
            "x-auth-user-id",
            "x-auth-subject",
            "x-auth-client-id",
            "x-auth-issuer",
            "x-auth-scopes",
            "x-auth-provider",
            "x-trace-id",
        ]
    );
    let get = |n: &str| {
        sent.iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("accept"), "application/json, text/event-stream");
    assert_eq!(get("mcp-session-id"), "sess-1");
    assert_eq!(get("x-auth-user-id"), "user_123");
    assert_eq!(get("x-auth-client-id"), "client_abc");
    assert_eq!(get("x-auth-issuer"), ISSUER);
    assert_eq!(get("x-auth-scopes"), "read write");
    assert_eq!(get("x-auth-provider"), "authkit");
    assert_eq!(get("x-trace-id"), "trace-7");
}

#[test]
fn authorization_is_dropped_unless_opted_in() {
    let w = World::authkit();
    let token = valid_token();
    assert_eq!(
        sent_header(&w.forward(&mcp_post(&token)), "authorization"),
        None
    );
    w.set("auth_forward_authorization", "true");
    assert_eq!(
        sent_header(&w.forward(&mcp_post(&token)), "authorization").unwrap(),
        format!("Bearer {token}")
    );
}

#[test]
fn content_length_is_set_from_the_body_actually_sent() {
    let w = World::authkit();
    let plan = w.forward(&full_request(&valid_token()));
    let h = plan.request_headers(Some(99));
    assert_eq!(h.iter().filter(|(n, _)| n == "content-length").count(), 1);
    assert_eq!(
        h.iter().find(|(n, _)| n == "content-length").unwrap().1,
        b"99"
    );
}

#[test]
fn provider_name_and_missing_sub() {
    let w = World::authkit();
    w.set("auth_provider_name", "WorkOS");
    let plan = w.forward(&mcp_post(&mint(
        "rsa-2048",
        &claims_with(json!({"sub": null})),
    )));
    assert_eq!(sent_header(&plan, "x-auth-provider").unwrap(), "WorkOS");
    assert_eq!(sent_header(&plan, "x-auth-user-id"), None);
    assert_eq!(
        sent_header(&plan, "x-auth-client-id").unwrap(),
        "client_abc"
    );
}

#[test]
fn identity_values_with_control_characters_are_not_sent() {
    let w = World::authkit();
    let plan = w.forward(&mcp_post(&mint(
        "rsa-2048",
        &claims_with(json!({"sub": "evil\r\nx-auth-scopes: admin"})),
    )));
    assert_eq!(sent_header(&plan, "x-auth-user-id"), None);
    assert_eq!(sent_header(&plan, "x-auth-scopes").unwrap(), "read write");
}

fn rewritten(plan: &gateway::forward::ForwardPlan, body: &[u8]) -> Value {
    serde_json::from_slice(
        &plan
            .upstream_body(body, true)
            .expect("forwarded")
            .expect("a rewrite"),
    )
    .unwrap()
}

#[test]
fn auth_context_injected_into_initialize() {
    let w = World::authkit();
    let plan = w.forward(&mcp_post(&valid_token()));
    let body = br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#;
    let out = rewritten(&plan, body);
    assert_eq!(
        out["params"]["_authContext"],
        json!({
            "authenticated_user": "user_123",
            "email": "user@example.com",
            "provider": "authkit",
            "issuer": ISSUER,
            "client_id": "client_abc",
            "scopes": ["read", "write"]
        })
    );
    assert_eq!(out["params"]["clientInfo"]["name"], "c");
    assert_eq!(out["id"], 0);
}

#[test]
fn auth_context_injected_into_batched_initialize() {
    let w = World::authkit();
    let plan = w.forward(&mcp_post(&valid_token()));
    let body = br#"[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}},{"jsonrpc":"2.0","id":2,"method":"tools/list"},{"jsonrpc":"2.0","id":3,"method":"initialize"}]"#;
    let out = rewritten(&plan, body);
    assert_eq!(
        out[0]["params"]["_authContext"]["authenticated_user"],
        "user_123"
    );
    assert!(out[1].get("params").is_none());
    assert_eq!(out[2]["params"]["_authContext"]["provider"], "authkit");
}

#[test]
fn other_bodies_pass_byte_for_byte() {
    let w = World::authkit();
    let plan = w.forward(&mcp_post(&valid_token()));
    for body in [
        &br#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}"#[..],
        br#"{ "jsonrpc" : "2.0", "id" : 6, "method" : "tools/list" }"#,
        br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        b"",
        b"not json at all",
        br#"[{"jsonrpc":"2.0","id":1,"result":{}}]"#,
    ] {
        assert_eq!(plan.upstream_body(body, true), Ok(None), "{}", String::from_utf8_lossy(body));
    }
}

fn refusal_of(
    plan: &gateway::forward::ForwardPlan,
    body: &[u8],
    complete: bool,
) -> (u16, &'static str, Value) {
    let refused = plan
        .upstream_body(body, complete)
        .expect_err("the body must be refused");
    let r = &refused.response;
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.header("content-length"),
        Some(r.body.len().to_string().as_str())
    );
    assert!(r.header("x-trace-id").is_some());
    (
        r.status,
        refused.reason,
        serde_json::from_slice(&r.body).unwrap(),
    )
}

#[test]
fn bodies_over_the_cap_are_refused_with_413() {
    let w = World::authkit();
    let plan = w.forward(&mcp_post(&valid_token()));
    assert_eq!(plan.max_body_bytes(), MAX_PARSE_BYTES);
    assert!(plan.refuse_before_body().is_none());
    let mut body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"pad":""#.to_vec();
    body.resize(MAX_PARSE_BYTES, b'a');
    body.extend_from_slice(br#""}}"#);
    let (status, reason, v) = refusal_of(&plan, &body, true);
    assert_eq!((status, reason), (413, "request_body_too_large"));
    assert_eq!(
        v,
        json!({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Request body too large"}})
    );
    // The adapter stopped reading past the cap: refused whatever was read.
    assert_eq!(refusal_of(&plan, &body[..1000], false).0, 413);
    assert_eq!(refusal_of(&plan, b"", false).0, 413);
    assert!(plan.upstream_body(&body[..1000], false).is_err());
    // Even a body that would not be parsed.
    assert_eq!(
        refusal_of(&plan, &vec![b'x'; MAX_PARSE_BYTES + 1], true).0,
        413
    );
    assert_eq!(
        plan.upstream_body(&vec![b'x'; MAX_PARSE_BYTES], true),
        Ok(None)
    );

    // A declared length over the cap is refused before the body is read.
    let plan = w.forward(&mcp_post(&valid_token()).with("Content-Length", "4194305"));
    assert_eq!(
        plan.refuse_before_body()
            .map(|r| (r.response.status, r.reason)),
        Some((413, "request_body_too_large"))
    );
    let plan = w.forward(&mcp_post(&valid_token()).with("Content-Length", "4194304"));
    assert!(plan.refuse_before_body().is_none());
}

#[test]
fn body_cap_is_configurable() {
    let w = World::authkit();
    w.set("auth_max_body_bytes", "2048");
    let plan = w.forward(&mcp_post(&valid_token()));
    assert_eq!(plan.max_body_bytes(), 2048);
    assert_eq!(plan.upstream_body(&[b' '; 2048], true), Ok(None));
    assert_eq!(refusal_of(&plan, &[b' '; 2049], true).0, 413);
    for bad in ["1023", "16777217", "4k", "-1"] {
        w.set("auth_max_body_bytes", bad);
        let r = w.respond(&mcp_post(&valid_token()));
        assert_eq!(r.status, 500, "{bad}");
    }
}

#[test]
fn unparseable_bodies_that_must_be_inspected_get_400() {
    let forged = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_authContext":{"authenticated_user":"admin"}},"pad":"#;
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    for auth_enabled in ["true", "false"] {
        let w = World::authkit();
        w.set("auth_enabled", auth_enabled);
        let plan = w.forward(&mcp_post(&valid_token()));
        for pad in [deep.as_str(), "\"\\ud800\"", "1e400"] {
            let (status, reason, v) =
                refusal_of(&plan, format!("{forged}{pad}}}").as_bytes(), true);
            assert_eq!((status, reason), (400, "request_body_malformed"));
            assert_eq!(
                v,
                json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})
            );
        }
        // Invalid JSON that cannot name either member is the MCP server's business.
        assert_eq!(plan.upstream_body(b"not json at all", true), Ok(None));
    }
}

#[test]
fn compressed_or_non_utf8_bodies_get_415() {
    let w = World::authkit();
    let body = br#"{"jsonrpc":"2.0","id":5,"method":"tools/list"}"#;
    for (name, value) in [
        ("Content-Encoding", "gzip"),
        ("content-encoding", "identity, br"),
        ("Content-Type", "application/json; charset=utf-7"),
        ("Content-Type", "application/json;charset=\"UTF-16LE\""),
        ("Content-Type", "application/json; x-charset=utf-8"),
        ("Content-Type", "application/json; charset"),
    ] {
        let plan = w.forward(&mcp_post(&valid_token()).with(name, value));
        let (status, reason, v) = refusal_of(&plan, body, true);
        assert_eq!(status, 415, "{name}: {value}");
        assert!(reason.starts_with("request_"), "{reason}");
        assert_eq!(v["error"]["code"], -32600);
        // Nothing to decode in an empty body.
        assert_eq!(plan.upstream_body(b"", true), Ok(None));
    }
    for (name, value) in [
        ("Content-Encoding", "identity"),
        ("Content-Type", "application/json; charset=utf-8"),
        ("Content-Type", "application/json; charset=\"UTF-8\""),
        ("Content-Type", "application/json;CHARSET=utf8"),
        ("Content-Type", "application/json"),
    ] {
        let plan = w.forward(&mcp_post(&valid_token()).with(name, value));
        assert_eq!(plan.upstream_body(body, true), Ok(None), "{name}: {value}");
    }
}

#[test]
fn response_headers_filtered_and_completed() {
    let w = World::authkit();
    let plan = w.forward(
        &mcp_post(&valid_token())
            .with("x-trace-id", "t-5")
            .with("origin", "https://app.example.com"),
    );
    let upstream: Vec<(String, Vec<u8>)> = [
        ("Content-Type", "text/event-stream"),
        ("Cache-Control", "no-cache"),
        ("Mcp-Session-Id", "sess-9"),
        ("Connection", "keep-alive"),
        ("Transfer-Encoding", "chunked"),
        ("Keep-Alive", "timeout=5"),
        ("Access-Control-Allow-Origin", "https://evil.example.com"),
        ("X-Trace-Id", "upstream-id"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
    .collect();
    let out: Vec<(String, String)> = plan
        .response_headers(&upstream)
        .into_iter()
        .map(|(n, v)| (n, String::from_utf8(v).unwrap()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("content-type", "text/event-stream"),
        ("cache-control", "no-cache"),
        ("mcp-session-id", "sess-9"),
        ("access-control-allow-origin", "*"),
        (
            "access-control-expose-headers",
            "Mcp-Session-Id, WWW-Authenticate, x-trace-id",
        ),
        ("x-trace-id", "t-5"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    assert_eq!(out, expected);
}

#[test]
fn unreachable_gateway_is_502_with_jsonrpc_error() {
    let w = World::authkit();
    let plan = w.forward(&mcp_post(&valid_token()).with("x-trace-id", "t-1"));
    let r = plan.failure_response(
        UpstreamFailure::Unreachable,
        br#"{"jsonrpc":"2.0","id":"req-1","method":"tools/list"}"#,
        true,
    );
    assert_eq!(r.status, 502);
    assert_eq!(
        body_json(&r),
        json!({"jsonrpc": "2.0", "id": "req-1", "error": {"code": -32000, "message": "MCP gateway is unreachable"}})
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-trace-id"), Some("t-1"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn gateway_timeout_is_504() {
    let w = World::authkit();
    let plan = w.forward(&mcp_post(&valid_token()));
    let r = plan.failure_response(
        UpstreamFailure::Timeout,
        br#"[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","id":2,"method":"b"}]"#,
        true,
    );
    assert_eq!(r.status, 504);
    let v = body_json(&r);
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[1]["error"]["code"], -32001);
    let r = plan.failure_response(UpstreamFailure::Timeout, b"", true);
    assert_eq!(
        body_json(&r),
        json!({"error": "gateway_timeout", "error_description": "MCP gateway did not respond in time"})
    );
}

#[test]
fn finish_logs_one_line_with_identity() {
    let w = World::authkit();
    let mut plan = w.forward(&mcp_post(&valid_token()).with("x-trace-id", "abc"));
    w.advance_secs(2);
    plan.finish(&w, 200, "forwarded");
    assert_eq!(w.logs.borrow().len(), 1);
    let log = w.last_log();
    assert_eq!(log["status"], 200);
    assert_eq!(log["route"], "mcp");
    assert_eq!(log["provider"], "authkit");
    assert_eq!(log["sub"], "user_123");
    assert_eq!(log["trace_id"], "abc");
    assert_eq!(log["duration_ms"], 2000);
    assert_eq!(log["jwks_fetches"], 1);
    assert_eq!(log["level"], "info");
}
