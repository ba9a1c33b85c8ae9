//! Per-tool authorization through `gateway::handle` and the forward plan (issue 10): the
//! policy and scope hierarchy from Spin variables, the 403 step-up challenge, the
//! `Mcp-Method`/`Mcp-Name` cross-check, list filtering, and a bad policy failing closed.
//! Tokens are minted by jsonwebtoken (tests/gateway_support), not by the code under test.

mod gateway_support;

use gateway::log::RequestLog;
use gateway_support::*;
use serde_json::{json, Value};

const POLICY: &str = "tools/call:delete_* -> mcp:admin; tools/call -> mcp:write; \
                      tools/list -> mcp:read; * -> mcp:read; default deny";

fn world(policy: &str) -> World {
    let w = World::authkit();
    w.set("auth_policy", policy);
    w.set("auth_scope_implies", "mcp:admin=mcp:write; mcp:write=mcp:read");
    w
}

fn token(scope: &str) -> String {
    mint("rsa-2048", &claims_with(json!({ "scope": scope })))
}

fn call(tool: &str) -> String {
    json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": {}}})
        .to_string()
}

#[test]
fn reader_calling_a_write_tool_gets_403_naming_the_scope_to_step_up_to() {
    let w = world(POLICY);
    let plan = w.forward(&mcp_post(&token("mcp:read")));
    let refused = plan.upstream_body(call("create_issue").as_bytes(), true).unwrap_err();
    assert_eq!(refused.response.status, 403);
    assert_eq!(refused.reason, "policy_insufficient_scope");
    let challenge = refused.response.header("www-authenticate").unwrap();
    assert!(challenge.starts_with("Bearer error=\"insufficient_scope\""), "{challenge}");
    assert!(challenge.contains("scope=\"mcp:write\""), "{challenge}");
    assert!(challenge.contains("resource_metadata=\""), "{challenge}");
    assert!(!challenge.contains("offline_access"));
    let body: Value = serde_json::from_slice(&refused.response.body).unwrap();
    assert_eq!(body["id"], 7, "the JSON-RPC error carries the request's id");
    assert_eq!(body["error"]["code"], gateway::policy::FORBIDDEN_CODE);
}

#[test]
fn stepped_up_token_and_implied_scopes_pass_the_same_call() {
    let w = world(POLICY);
    for scope in ["mcp:write", "mcp:admin"] {
        let plan = w.forward(&mcp_post(&token(scope)));
        assert_eq!(plan.upstream_body(call("create_issue").as_bytes(), true), Ok(None), "{scope}");
    }
    // mcp:admin implies mcp:write, which the delete_* rule does not accept in its place.
    let plan = w.forward(&mcp_post(&token("mcp:write")));
    let refused = plan.upstream_body(call("delete_repo").as_bytes(), true).unwrap_err();
    assert!(refused.response.header("www-authenticate").unwrap().contains("scope=\"mcp:admin\""));
}

#[test]
fn step_up_challenge_keeps_the_server_wide_scopes() {
    let w = world(POLICY);
    w.set("auth_provider_required_scopes", "mcp:read");
    let plan = w.forward(&mcp_post(&token("mcp:read")));
    let refused = plan.upstream_body(call("create_issue").as_bytes(), true).unwrap_err();
    let challenge = refused.response.header("www-authenticate").unwrap();
    assert!(challenge.contains("scope=\"mcp:read mcp:write\""), "{challenge}");
}

#[test]
fn claim_condition_failure_is_a_403_without_scope() {
    let w = world("tools/call -> mcp:read if tenant=acme; default deny");
    let plan = w.forward(&mcp_post(&token("mcp:read")));
    let refused = plan.upstream_body(call("anything").as_bytes(), true).unwrap_err();
    assert_eq!(refused.response.status, 403);
    assert_eq!(refused.reason, "policy_claim_mismatch");
    assert!(!refused.response.header("www-authenticate").unwrap().contains("scope="));
}

#[test]
fn one_denied_message_denies_the_whole_batch() {
    let w = world(POLICY);
    let plan = w.forward(&mcp_post(&token("mcp:read")));
    let batch = format!("[{},{}]", r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, call("create_issue"));
    let refused = plan.upstream_body(batch.as_bytes(), true).unwrap_err();
    assert_eq!(refused.response.status, 403);
}

#[test]
fn forged_mcp_name_that_disagrees_with_the_body_is_refused_with_32020() {
    let w = World::authkit(); // no policy: the cross-check holds on its own
    let req = mcp_post(&valid_token())
        .with("mcp-method", "tools/call")
        .with("mcp-name", "harmless_tool");
    let plan = w.forward(&req);
    let refused = plan.upstream_body(call("delete_repo").as_bytes(), true).unwrap_err();
    assert_eq!(refused.response.status, 400);
    let body: Value = serde_json::from_slice(&refused.response.body).unwrap();
    assert_eq!(body["error"]["code"], -32020);
}

#[test]
fn stateless_2026_request_is_authorized_from_headers_and_body_and_forwarded_intact() {
    let w = world(POLICY);
    let req = mcp_post(&token("mcp:write"))
        .with("mcp-protocol-version", "2026-07-28")
        .with("mcp-method", "tools/call")
        .with("mcp-name", "=?base64?Y3JlYXRlX2lzc3Vl?="); // "create_issue"
    let plan = w.forward(&req);
    assert_eq!(plan.upstream_body(call("create_issue").as_bytes(), true), Ok(None));
    assert_eq!(sent_header(&plan, "mcp-method").as_deref(), Some("tools/call"));
    assert!(sent_header(&plan, "mcp-name").is_some());
    // The same revision without Mcp-Method is refused.
    let bare = mcp_post(&token("mcp:write")).with("mcp-protocol-version", "2026-07-28");
    let refused = w.forward(&bare).upstream_body(call("create_issue").as_bytes(), true).unwrap_err();
    assert_eq!(refused.response.status, 400);
}

#[test]
fn bad_policy_fails_every_request_closed_naming_variable_item_and_fault() {
    let w = world("tools/call -> mcp:write; tools/list ->");
    let r = w.respond(&mcp_post(&token("mcp:admin")));
    assert_eq!(r.status, 500);
    let log = w.last_log();
    assert_eq!(log["variable"], "auth_policy");
    let detail = log["config_detail"].as_str().unwrap();
    assert!(detail.contains("item 2") && detail.contains("tools/list"), "{detail}");
}

#[test]
fn hierarchy_applies_to_the_server_wide_required_scopes() {
    let w = world("");
    w.set("auth_provider_required_scopes", "mcp:read");
    w.forward(&mcp_post(&token("mcp:admin"))); // implied: forwarded
    let r = w.respond(&mcp_post(&token("profile")));
    assert_eq!(r.status, 403);
}

#[test]
fn list_answers_lose_the_tools_the_caller_may_not_call_json_and_sse() {
    let w = world(POLICY);
    let plan = w.forward(&mcp_post(&token("mcp:read")));
    let list = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    assert_eq!(plan.upstream_body(list, true), Ok(None));
    let answer = json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": [
        {"name": "search"}, {"name": "create_issue"}, {"name": "delete_repo"}]}})
    .to_string();
    let names = |bytes: &[u8]| -> Vec<String> {
        let v: Value = serde_json::from_slice(bytes).unwrap();
        v["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect()
    };
    // Every tools/call needs mcp:write (delete_* mcp:admin): a reader may call none of them.
    let mut log = RequestLog::new(0, "POST");
    let mut filter = plan.response_filter(list).expect("a list call under a policy");
    assert!(filter.start(Some("application/json")));
    let mut out = Vec::new();
    let (a, b) = answer.as_bytes().split_at(20);
    filter.feed(a, &mut out, &mut log);
    filter.feed(b, &mut out, &mut log);
    filter.finish(&mut out, &mut log);
    assert!(names(&out).is_empty(), "{}", String::from_utf8_lossy(&out));

    // A writer may call all but delete_* (mcp:admin), event by event in a stream cut in 7s.
    let writer = w.forward(&mcp_post(&token("mcp:write")));
    let mut filter = writer.response_filter(list).unwrap();
    assert!(filter.start(Some("text/event-stream")));
    let event = format!("event: message\ndata: {answer}\n\n");
    let mut out = Vec::new();
    for chunk in event.as_bytes().chunks(7) {
        filter.feed(chunk, &mut out, &mut log);
    }
    filter.finish(&mut out, &mut log);
    let text = String::from_utf8(out).unwrap();
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    assert_eq!(names(data.as_bytes()), ["search", "create_issue"]);
}

#[test]
fn no_policy_no_headers_means_no_body_parse_and_no_filter() {
    let w = World::authkit();
    let plan = w.forward(&mcp_post(&valid_token()));
    let list = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    assert_eq!(plan.upstream_body(list, true), Ok(None));
    assert!(plan.response_filter(list).is_none());
}

#[test]
fn same_sub_from_two_issuers_reaches_the_server_as_two_subjects() {
    let w = World::authkit();
    let plan = w.forward(&mcp_post(&valid_token()));
    let subject = sent_header(&plan, "x-auth-subject").unwrap();
    assert_eq!(subject, format!("{ISSUER}#user_123"));
    // A client cannot send its own.
    let forged = mcp_post(&valid_token()).with("X-Auth-Subject", "https://evil#admin");
    let plan = w.forward(&forged);
    assert_eq!(sent_header(&plan, "x-auth-subject").unwrap(), subject);
}
