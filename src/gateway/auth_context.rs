//! `_authContext`: the verified identity, injected into the `params` of MCP `initialize`
//! requests (single messages and JSON-RPC batches) so the MCP server learns who connected.
//!
//! Every other body passes byte for byte, with two deliberate exceptions that close forgery
//! routes (both rewrite the body into serde_json's canonical form, which every parser reads
//! the same way):
//!
//! * a client-supplied `_authContext` in any other message's `params` is removed (the name is
//!   reserved by this gateway);
//! * a body with duplicate member names is normalized (last one wins), so a "first wins"
//!   parser upstream cannot be shown a different `method` or `params` than the one checked here.
//!
//! A body is parsed only if it is at most [`MAX_PARSE_BYTES`] long and could contain one of
//! those names: it contains `initialize` or `_authContext` literally, or any `\u` escape
//! (the only way to spell those letters otherwise, RFC 8259 §7). Larger bodies pass unparsed:
//! the `x-auth-*` headers remain the authoritative identity.

use core::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Bodies above this size are forwarded without being parsed.
pub const MAX_PARSE_BYTES: usize = 4 * 1024 * 1024;

/// The reserved `params` member.
pub const AUTH_CONTEXT_MEMBER: &str = "_authContext";

/// The identity as injected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthContext {
    /// `sub` of the verified token.
    pub authenticated_user: Option<String>,
    /// `email` claim.
    pub email: Option<String>,
    /// The provider's display name.
    pub provider: String,
    /// `client_id` (else `azp`, else `sub`).
    pub client_id: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
}

impl AuthContext {
    /// The JSON object placed at `params._authContext`.
    pub fn to_value(&self) -> Value {
        let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
        let mut m = Map::new();
        m.insert("authenticated_user".into(), opt(&self.authenticated_user));
        m.insert("email".into(), opt(&self.email));
        m.insert("provider".into(), Value::String(self.provider.clone()));
        m.insert("client_id".into(), opt(&self.client_id));
        m.insert(
            "scopes".into(),
            Value::Array(self.scopes.iter().cloned().map(Value::String).collect()),
        );
        Value::Object(m)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether the body could hold `initialize` or `_authContext` in any spelling.
fn worth_parsing(body: &[u8]) -> bool {
    contains(body, b"initialize")
        || contains(body, AUTH_CONTEXT_MEMBER.as_bytes())
        || contains(body, b"\\u")
}

/// Walks any JSON value and fails on a duplicate member name at any depth.
struct NoDuplicates;

impl<'de> Deserialize<'de> for NoDuplicates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicatesVisitor)
    }
}

struct NoDuplicatesVisitor;

impl<'de> Visitor<'de> for NoDuplicatesVisitor {
    type Value = NoDuplicates;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_str<E>(self, _: &str) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_unit<E>(self) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicates, A::Error> {
        while seq.next_element::<NoDuplicates>()?.is_some() {}
        Ok(NoDuplicates)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicates, A::Error> {
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(serde::de::Error::custom("duplicate member"));
            }
            seen.push(key);
            map.next_value::<NoDuplicates>()?;
        }
        Ok(NoDuplicates)
    }
}

/// True when the JSON text has a duplicate member name somewhere (or does not parse).
fn has_duplicate_members(body: &[u8]) -> bool {
    serde_json::from_slice::<NoDuplicates>(body).is_err()
}

/// Applies the rules to one JSON-RPC message; returns whether it changed.
fn rewrite_message(message: &mut Value, context: &AuthContext) -> bool {
    let Some(obj) = message.as_object_mut() else {
        return false;
    };
    let is_initialize = obj.get("method").and_then(Value::as_str) == Some("initialize");
    if is_initialize {
        match obj.get_mut("params") {
            Some(Value::Object(params)) => {
                params.insert(AUTH_CONTEXT_MEMBER.into(), context.to_value());
                true
            }
            None | Some(Value::Null) => {
                let mut params = Map::new();
                params.insert(AUTH_CONTEXT_MEMBER.into(), context.to_value());
                obj.insert("params".into(), Value::Object(params));
                true
            }
            // Array params cannot carry a named member; leave the (invalid) request alone.
            Some(_) => false,
        }
    } else {
        match obj.get_mut("params") {
            Some(Value::Object(params)) => params.remove(AUTH_CONTEXT_MEMBER).is_some(),
            _ => false,
        }
    }
}

/// The body to forward instead of `body`, or `None` to forward it unchanged.
pub fn rewrite_body(body: &[u8], context: &AuthContext) -> Option<Vec<u8>> {
    if body.len() > MAX_PARSE_BYTES || !worth_parsing(body) {
        return None;
    }
    let mut value: Value = serde_json::from_slice(body).ok()?;
    let mut changed = match &mut value {
        Value::Array(items) => {
            let mut any = false;
            for item in items.iter_mut() {
                any |= rewrite_message(item, context);
            }
            any
        }
        message => rewrite_message(message, context),
    };
    changed |= has_duplicate_members(body);
    if changed {
        serde_json::to_vec(&value).ok()
    } else {
        None
    }
}

/// Strips forged `_authContext` members when authentication is disabled (there is no verified
/// identity to inject, and none may be claimed).
pub fn strip_only(body: &[u8]) -> Option<Vec<u8>> {
    if body.len() > MAX_PARSE_BYTES || !worth_parsing(body) {
        return None;
    }
    let mut value: Value = serde_json::from_slice(body).ok()?;
    let strip = |m: &mut Value| match m.get_mut("params") {
        Some(Value::Object(p)) => p.remove(AUTH_CONTEXT_MEMBER).is_some(),
        _ => false,
    };
    let mut changed = match &mut value {
        Value::Array(items) => items.iter_mut().fold(false, |acc, m| strip(m) | acc),
        m => strip(m),
    };
    changed |= has_duplicate_members(body);
    if changed {
        serde_json::to_vec(&value).ok()
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn ctx() -> AuthContext {
        AuthContext {
            authenticated_user: Some("user_1".into()),
            email: Some("u@example.com".into()),
            provider: "authkit".into(),
            client_id: Some("client_1".into()),
            scopes: vec!["read".into()],
        }
    }

    #[test]
    fn injects_into_single_initialize() {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}"#;
        let out: Value = serde_json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
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
            serde_json::json!(["read"])
        );
    }

    #[test]
    fn creates_params_when_absent() {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#;
        let out: Value = serde_json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
        assert_eq!(out["params"]["_authContext"]["provider"], "authkit");
    }

    #[test]
    fn overwrites_forged_context() {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_authContext":{"authenticated_user":"admin"}}}"#;
        let out: Value = serde_json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
        assert_eq!(
            out["params"]["_authContext"]["authenticated_user"],
            "user_1"
        );
    }

    #[test]
    fn escaped_method_is_still_seen() {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"initi\u0061lize","params":{}}"#;
        let out: Value = serde_json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
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
        let body =
            br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"initialize"}}"#;
        assert_eq!(rewrite_body(body, &ctx()), None);
        // Not JSON.
        assert_eq!(rewrite_body(b"initialize me", &ctx()), None);
        assert_eq!(rewrite_body(b"", &ctx()), None);
    }

    #[test]
    fn forged_context_on_other_methods_is_removed() {
        let body = br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"_authContext":{"x":1},"name":"t"}}"#;
        let out: Value = serde_json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
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
        let out: Value = serde_json::from_slice(&rewrite_body(body, &ctx()).unwrap()).unwrap();
        assert_eq!(out[0]["params"]["_authContext"]["client_id"], "client_1");
        assert!(out[1].get("params").is_none());
    }

    #[test]
    fn oversized_bodies_are_not_parsed() {
        let mut body =
            br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"pad":""#.to_vec();
        body.resize(MAX_PARSE_BYTES + 1, b'a');
        assert_eq!(rewrite_body(&body, &ctx()), None);
    }

    #[test]
    fn strip_only_removes_claims() {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_authContext":{"authenticated_user":"admin"}}}"#;
        let out: Value = serde_json::from_slice(&strip_only(body).unwrap()).unwrap();
        assert!(out["params"].get("_authContext").is_none());
        assert_eq!(strip_only(br#"{"method":"initialize","params":{}}"#), None);
    }
}
