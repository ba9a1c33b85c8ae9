//! What a request asks for: (id, method, target name), read from the JSON-RPC body.
//!
//! The body is the truth; the `Mcp-Method` / `Mcp-Name` headers are checked against what this
//! module reads ([`super::headers`]). Two parser differentials are closed here, fail-closed:
//!
//! * duplicate member names are refused ([`parse_body`]): this gateway would read one
//!   `name`, a "first wins" parser upstream the other;
//! * a member spelled in another case (`"Method"`, `"Params"`, `"Name"`, `"URI"`) is refused:
//!   Go's `encoding/json` matches member names case-insensitively and would read it.

use ::json::Value;

use jose::json::{self, Duplicates, Fault as JsonFault};

use super::syntax::name_member;

/// One JSON-RPC message of a request body, borrowed from the parsed `Value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct McpMessage<'a> {
    /// `id` (JSON-RPC 2.0 §4): `None` for a notification. Echo it in the error body.
    pub id: Option<&'a Value>,
    /// `method`; `None` for a JSON-RPC response (a client answering a server request), which
    /// carries no operation to authorize.
    pub method: Option<&'a str>,
    /// `params.name` (`tools/call`, `prompts/get`) or `params.uri` (`resources/read`).
    pub name: Option<&'a str>,
}

/// Why a body is not a request this gateway can authorize. Every variant is a 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageError {
    /// Not JSON serde_json reads (syntax, depth over 128, lone surrogate, ...).
    Malformed,
    /// A member name repeats in one object.
    DuplicateMember,
    /// A message member spelled in another case, which a case-insensitive parser would read.
    AmbiguousMember,
    /// Not a JSON-RPC message: not an object, an empty batch, a non-string `method`, or
    /// neither `method` nor `result`/`error`.
    InvalidMessage,
    /// `tools/call`, `prompts/get` or `resources/read` without a string `params.name`/`uri`.
    MissingName,
}

impl MessageError {
    /// The JSON-RPC 2.0 §5.1 error code for the 400 body.
    pub fn code(self) -> i64 {
        match self {
            MessageError::Malformed | MessageError::DuplicateMember => -32700,
            MessageError::AmbiguousMember | MessageError::InvalidMessage => -32600,
            MessageError::MissingName => -32602,
        }
    }

    /// The JSON-RPC error message.
    pub fn message(self) -> &'static str {
        match self {
            MessageError::Malformed => "Parse error",
            MessageError::DuplicateMember => "Parse error: duplicate member name",
            MessageError::AmbiguousMember => "Invalid Request: member name in another case",
            MessageError::InvalidMessage => "Invalid Request",
            MessageError::MissingName => "Invalid params: missing name or uri",
        }
    }

    /// A fixed reason for the log line.
    pub fn reason(self) -> &'static str {
        match self {
            MessageError::Malformed => "request_body_malformed",
            MessageError::DuplicateMember => "request_body_duplicate_member",
            MessageError::AmbiguousMember => "request_body_ambiguous_member",
            MessageError::InvalidMessage => "request_not_jsonrpc",
            MessageError::MissingName => "request_missing_name",
        }
    }
}

/// Parses a request body with the project's one JSON walk, refusing duplicate member names.
pub fn parse_body(body: &[u8]) -> Result<Value, MessageError> {
    match json::parse_value(body, usize::MAX, Duplicates::Refuse) {
        Ok((value, _)) => Ok(value),
        Err(JsonFault::Duplicate) => Err(MessageError::DuplicateMember),
        Err(_) => Err(MessageError::Malformed),
    }
}

/// Whether member name `name` reads as `target` to a case-insensitive parser such as Go's
/// `encoding/json`: the `_authContext` rules' definition.
pub(super) use crate::auth_context::folds_to;

/// Whether `obj` has a member that is not `target` but folds to it.
pub(super) fn has_case_variant(obj: &::json::Map<String, Value>, target: &str) -> bool {
    obj.keys().any(|k| k != target && folds_to(k, target))
}

/// The messages of a body: one for a single message, one per element for a JSON-RPC batch
/// (2025-06-18 and older; authorize each, see [`super::Policy::authorize`]).
pub fn messages(body: &Value) -> Result<Vec<McpMessage<'_>>, MessageError> {
    match body {
        Value::Array(items) if items.is_empty() => Err(MessageError::InvalidMessage),
        Value::Array(items) => items.iter().map(message).collect(),
        single => message(single).map(|m| vec![m]),
    }
}

fn message(value: &Value) -> Result<McpMessage<'_>, MessageError> {
    let obj = value.as_object().ok_or(MessageError::InvalidMessage)?;
    if has_case_variant(obj, "method") || has_case_variant(obj, "params") {
        return Err(MessageError::AmbiguousMember);
    }
    let id = obj.get("id");
    let method = match obj.get("method") {
        Some(Value::String(m)) => m.as_str(),
        Some(_) => return Err(MessageError::InvalidMessage),
        None if obj.contains_key("result") || obj.contains_key("error") => {
            return Ok(McpMessage {
                id,
                method: None,
                name: None,
            })
        }
        None => return Err(MessageError::InvalidMessage),
    };
    let name = match name_member(method) {
        None => None,
        Some(member) => {
            let params = obj
                .get("params")
                .and_then(Value::as_object)
                .ok_or(MessageError::MissingName)?;
            if has_case_variant(params, member) {
                return Err(MessageError::AmbiguousMember);
            }
            Some(
                params
                    .get(member)
                    .and_then(Value::as_str)
                    .ok_or(MessageError::MissingName)?,
            )
        }
    };
    Ok(McpMessage {
        id,
        method: Some(method),
        name,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use ::json::json;

    #[test]
    fn extracts_method_name_and_uri() {
        let v = json!({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_weather","arguments":{}}});
        assert_eq!(
            messages(&v).unwrap(),
            [McpMessage {
                id: Some(&json!(7)),
                method: Some("tools/call"),
                name: Some("get_weather")
            }]
        );
        let v = json!({"jsonrpc":"2.0","id":"a","method":"resources/read","params":{"uri":"file:///x"}});
        assert_eq!(messages(&v).unwrap()[0].name, Some("file:///x"));
        let v = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
        assert_eq!(
            messages(&v).unwrap()[0],
            McpMessage {
                id: None,
                method: Some("notifications/initialized"),
                name: None
            }
        );
        let v = json!({"jsonrpc":"2.0","id":1,"result":{}});
        assert_eq!(messages(&v).unwrap()[0].method, None);
    }

    #[test]
    fn batch_yields_every_message() {
        let v = json!([{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"prompts/get","params":{"name":"p"}}]);
        let m = messages(&v).unwrap();
        assert_eq!((m.len(), m[1].name), (2, Some("p")));
        assert_eq!(messages(&json!([])), Err(MessageError::InvalidMessage));
        assert_eq!(
            messages(&json!([{"id":1,"method":"x"}, 3])),
            Err(MessageError::InvalidMessage)
        );
    }

    #[test]
    fn invalid_messages_are_refused() {
        for v in [
            json!(1),
            json!({"id":1}),
            json!({"id":1,"method":5}),
            json!("tools/call"),
        ] {
            assert_eq!(messages(&v), Err(MessageError::InvalidMessage), "{v}");
        }
        for v in [
            json!({"id":1,"method":"tools/call"}),
            json!({"id":1,"method":"tools/call","params":{"name":3}}),
            json!({"id":1,"method":"resources/read","params":{"name":"x"}}),
            json!({"id":1,"method":"prompts/get","params":["p"]}),
        ] {
            assert_eq!(messages(&v), Err(MessageError::MissingName), "{v}");
        }
    }

    #[test]
    fn case_variant_member_smuggling_a_tool_name_is_refused() {
        // Go's encoding/json would read `Name` (last fold match wins) and call `delete_all`.
        let v = json!({"id":1,"method":"tools/call","params":{"name":"read","Name":"delete_all"}});
        assert_eq!(messages(&v), Err(MessageError::AmbiguousMember));
        let v = json!({"id":1,"method":"tools/list","METHOD":"tools/call"});
        assert_eq!(messages(&v), Err(MessageError::AmbiguousMember));
        let v = json!({"id":1,"method":"resources/read","params":{"uri":"a","URI":"b"}});
        assert_eq!(messages(&v), Err(MessageError::AmbiguousMember));
        // `ſ` (U+017F) folds to `s` in Go: `paramſ` is `params` there.
        let v = json!({"id":1,"method":"tools/call","param\u{17f}":{"name":"x"}, "params":{"name":"y"}});
        assert_eq!(messages(&v), Err(MessageError::AmbiguousMember));
    }

    #[test]
    fn duplicate_tool_name_member_is_refused() {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_all","name":"read"}}"#;
        assert_eq!(parse_body(body), Err(MessageError::DuplicateMember));
        assert_eq!(parse_body(b"{\"id\":"), Err(MessageError::Malformed));
        assert!(parse_body(br#"[{"id":1,"method":"ping"}]"#).is_ok());
    }
}
