//! Filtering `tools/list`, `resources/list` and `prompts/list` results: entries the caller
//! may not use are removed (MCP 2026-07-28 server/tools §Listing Tools, server/resources,
//! server/prompts; security best practices §Scope Minimization).
//!
//! An entry stays when the policy allows the operation on it: a tool when `tools/call` of its
//! `name` is allowed, a resource when `resources/read` of its `uri` is, a prompt when
//! `prompts/get` of its `name` is. The result member decides which (`result.tools`,
//! `result.resources`, `result.prompts`: MCP defines no other result with those members), so
//! one function serves all three lists and JSON-RPC batches of them. Entries without a string
//! key, or whose key is also spelled in another case (a case-insensitive client would read
//! that one), are removed. `resources/templates/list` is not filtered: a URI template is not
//! a URI a glob can be matched against.
//!
//! What cannot be parsed is passed through unfiltered only if the policy's default is
//! `allow`; with `deny` it is dropped, and the [`DropReason`] says why (for the log).

use ::json::Value;

use jose::json::{self, Duplicates};

use super::matcher::{Caller, Verdict};
use super::mcp_request::has_case_variant;
use super::syntax::Policy;

/// (result member, entry key, the method whose rule decides).
static LISTS: [(&str, &str, &str); 3] = [
    ("tools", "name", "tools/call"),
    ("resources", "uri", "resources/read"),
    ("prompts", "name", "prompts/get"),
];

/// Whether responses to `method` are list results this module filters.
pub fn is_list_method(method: &str) -> bool {
    matches!(method, "tools/list" | "resources/list" | "prompts/list")
}

/// Why a response (or an SSE event) could not be filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Not JSON (or not UTF-8), or a member spelled in another case.
    Unparseable,
    /// `result.tools` (or `resources`, `prompts`) is not an array.
    NotAList,
    /// An SSE event larger than the filter's bound.
    EventTooLarge,
}

impl DropReason {
    /// A fixed reason for the log line.
    pub fn reason(self) -> &'static str {
        match self {
            DropReason::Unparseable => "list_filter_unparseable",
            DropReason::NotAList => "list_filter_not_a_list",
            DropReason::EventTooLarge => "list_filter_event_too_large",
        }
    }
}

/// What to send the client instead of an `application/json` list response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filtered {
    /// Send the body as received (nothing to remove).
    Unchanged,
    /// Send this body instead (entries removed, or duplicate member names normalised);
    /// its length differs from the upstream's `Content-Length`.
    Rewritten(Vec<u8>),
    /// The body could not be filtered; the default is `allow`, so send it as received.
    Unfiltered(DropReason),
    /// The body could not be filtered; the default is `deny`, so do not send it.
    Dropped(DropReason),
}

fn allowed(item: &Value, key: &str, method: &str, policy: &Policy<'_>, caller: Caller<'_>) -> bool {
    let Some(entry) = item.as_object() else {
        return false;
    };
    if has_case_variant(entry, key) {
        return false;
    }
    match entry.get(key).and_then(Value::as_str) {
        Some(name) => matches!(policy.evaluate(method, Some(name), caller), Verdict::Allow),
        None => false,
    }
}

fn filter_message(
    message: &mut Value,
    policy: &Policy<'_>,
    caller: Caller<'_>,
) -> Result<usize, DropReason> {
    let Some(obj) = message.as_object_mut() else {
        return Ok(0);
    };
    if has_case_variant(obj, "result") {
        return Err(DropReason::Unparseable);
    }
    let Some(Value::Object(result)) = obj.get_mut("result") else {
        return Ok(0);
    };
    let mut removed = 0;
    for (member, key, method) in LISTS {
        if has_case_variant(result, member) {
            return Err(DropReason::Unparseable);
        }
        match result.get_mut(member) {
            None => {}
            Some(Value::Array(items)) => {
                let before = items.len();
                items.retain(|item| allowed(item, key, method, policy, caller));
                removed += before - items.len();
            }
            Some(_) => return Err(DropReason::NotAList),
        }
    }
    Ok(removed)
}

/// Removes, in place, the list entries the caller may not use from one JSON-RPC message or a
/// batch of them; returns how many were removed. Requests, notifications, errors and other
/// results are left alone.
pub fn filter_value(
    value: &mut Value,
    policy: &Policy<'_>,
    caller: Caller<'_>,
) -> Result<usize, DropReason> {
    match value {
        Value::Array(messages) => {
            let mut removed = 0;
            for message in messages {
                removed += filter_message(message, policy, caller)?;
            }
            Ok(removed)
        }
        message => filter_message(message, policy, caller),
    }
}

/// Parses `bytes` (the project's JSON walk, duplicates kept-last and reported), filters, and
/// says whether the result must be re-serialised (entries removed or names repeated).
pub(super) fn filter_bytes(
    bytes: &[u8],
    policy: &Policy<'_>,
    caller: Caller<'_>,
) -> Result<Option<Value>, DropReason> {
    let (mut value, repeated) = json::parse_value(bytes, usize::MAX, Duplicates::KeepLast)
        .map_err(|_| DropReason::Unparseable)?;
    let removed = filter_value(&mut value, policy, caller)?;
    Ok((removed > 0 || repeated).then_some(value))
}

/// Filters a complete `application/json` response body to a list request.
pub fn filter_body(body: &[u8], policy: &Policy<'_>, caller: Caller<'_>) -> Filtered {
    let outcome = filter_bytes(body, policy, caller).and_then(|v| {
        v.map(|v| ::json::to_vec(&v).map_err(|_| DropReason::Unparseable))
            .transpose()
    });
    match outcome {
        Ok(None) => Filtered::Unchanged,
        Ok(Some(bytes)) => Filtered::Rewritten(bytes),
        Err(reason) if policy.default_allow => Filtered::Unfiltered(reason),
        Err(reason) => Filtered::Dropped(reason),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::policy::ScopeHierarchy;
    use ::json::{json, Map};

    const POLICY: &str = "tools/call:write_* -> mcp:write; tools/call -> mcp:read; \
        resources/read:file:///secret/* -> deny; resources/read -> mcp:read; prompts/get:admin* -> allow if groups~admins; prompts/get -> allow";

    fn run(body: &[u8], policy: &str, scopes: &[&str]) -> Filtered {
        let p = Policy::parse("auth_policy", policy).unwrap();
        let token: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let granted = ScopeHierarchy::default().expand(&token);
        let claims = Map::new();
        filter_body(
            body,
            &p,
            Caller {
                scopes: &granted,
                claims: &claims,
            },
        )
    }

    fn rewritten(f: Filtered) -> Value {
        match f {
            Filtered::Rewritten(b) => ::json::from_slice(&b).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reader_sees_only_read_tools() {
        let body = br#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_file","inputSchema":{}},{"name":"write_file"},{"title":"no name"},"junk"],"nextCursor":"c"}}"#;
        let v = rewritten(run(body, POLICY, &["mcp:read"]));
        assert_eq!(
            v["result"]["tools"],
            json!([{"name":"read_file","inputSchema":{}}])
        );
        assert_eq!(v["result"]["nextCursor"], "c");
        assert_eq!(v["id"], 1);
    }

    #[test]
    fn writer_list_with_nothing_to_remove_is_unchanged() {
        let body = br#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_file"},{"name":"write_file"}]}}"#;
        assert_eq!(
            run(body, POLICY, &["mcp:read", "mcp:write"]),
            Filtered::Unchanged
        );
    }

    #[test]
    fn resources_by_uri_and_prompts_by_name() {
        let body = br#"[{"jsonrpc":"2.0","id":1,"result":{"resources":[{"uri":"file:///secret/k"},{"uri":"file:///pub/a"}]}},
            {"jsonrpc":"2.0","id":2,"result":{"prompts":[{"name":"admin_reset"},{"name":"summarize"}]}}]"#;
        let v = rewritten(run(body, POLICY, &["mcp:read"]));
        assert_eq!(
            v[0]["result"]["resources"],
            json!([{"uri":"file:///pub/a"}])
        );
        assert_eq!(v[1]["result"]["prompts"], json!([{"name":"summarize"}]));
    }

    #[test]
    fn errors_and_other_messages_pass() {
        let body = br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"x"}}"#;
        assert_eq!(run(body, POLICY, &[]), Filtered::Unchanged);
        let body = br#"{"jsonrpc":"2.0","method":"notifications/message","params":{"tools":[1]}}"#;
        assert_eq!(run(body, POLICY, &[]), Filtered::Unchanged);
    }

    #[test]
    fn unparseable_list_fails_closed_with_deny_default_and_open_with_allow() {
        let deny = POLICY;
        let allow = &format!("{POLICY}; default allow");
        for (body, reason) in [
            (&b"not json"[..], DropReason::Unparseable),
            (
                br#"{"jsonrpc":"2.0","id":1,"result":{"tools":{"name":"write_file"}}}"#,
                DropReason::NotAList,
            ),
            (
                br#"{"jsonrpc":"2.0","id":1,"Result":{"tools":[{"name":"write_file"}]}}"#,
                DropReason::Unparseable,
            ),
            (
                br#"{"jsonrpc":"2.0","id":1,"result":{"Tools":[{"name":"write_file"}]}}"#,
                DropReason::Unparseable,
            ),
        ] {
            assert_eq!(run(body, deny, &["mcp:read"]), Filtered::Dropped(reason));
            assert_eq!(
                run(body, allow, &["mcp:read"]),
                Filtered::Unfiltered(reason)
            );
        }
    }

    #[test]
    fn tool_entry_with_case_variant_name_is_removed() {
        let body = br#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_file","NAME":"write_file"}]}}"#;
        let v = rewritten(run(body, POLICY, &["mcp:read"]));
        assert_eq!(v["result"]["tools"], json!([]));
    }

    #[test]
    fn duplicate_tool_name_in_list_is_normalised() {
        // Kept-last reads `write_file` and removes it; were nothing removed, the body would
        // still be re-serialised so that no client reads the other `name`.
        let body = br#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_file","name":"write_file"},{"name":"a","name":"b"}]}}"#;
        let v = rewritten(run(body, POLICY, &["mcp:read"]));
        assert_eq!(v["result"]["tools"], json!([{"name":"b"}]));
    }
}
