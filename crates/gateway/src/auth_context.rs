//! `_authContext`: the verified identity, injected into the `params` of MCP `initialize`
//! requests (single messages and JSON-RPC batches) so the MCP server learns who connected.
//!
//! Every other body passes byte for byte, with two deliberate exceptions that close forgery
//! routes (both rewrite the body into serde_json's canonical form, which every parser reads
//! the same way):
//!
//! * a client-supplied `_authContext` in any other message's `params` is removed (the name is
//!   reserved by this gateway), as is one in `params._meta` or in an object of array `params`;
//!   deeper ones (`params.arguments._authContext`) are a tool's own data and pass unchanged:
//!   MCP servers read the identity only from `params._authContext` of `initialize` (or from
//!   the `x-auth-*` headers);
//! * a body with duplicate member names is normalized (last one wins), so a "first wins"
//!   parser upstream cannot be shown a different `method` or `params` than the one checked here.
//!
//! **Which bodies are parsed.** Only those that could hold one of those names
//! ([`must_inspect`]): the bytes contain `initialize` or `_authContext` literally, any `\u`
//! escape (the only other way a JSON string or member name can spell those letters, RFC 8259
//! §7: the other escapes stand for `"`, `\`, `/` and control characters), or a NUL byte (UTF-16
//! and UTF-32 JSON, which Python's `json.loads(bytes)` auto-detects, always has NULs; UTF-8 JSON
//! never does). Everything else — nearly all MCP traffic (`tools/call`, results, notifications
//! other than `notifications/initialized`) — is forwarded byte for byte without being parsed, so
//! it costs no parse time and no `Value` memory (parsing peaks at 24–111× the body's size).
//! Other character encodings and content codings are refused before this point
//! ([`crate::forward`]), so the bytes checked are the bytes a server reads as JSON.
//!
//! **Fail closed.** A body that must be inspected but that serde_json cannot parse (nesting
//! deeper than 128, a lone surrogate `\ud800`, a number like `1e400`, any syntax error) is
//! refused ([`Refusal::Malformed`], HTTP 400), never forwarded: other parsers (JavaScript's,
//! Python's) accept some of those and would read a client-chosen `_authContext`. A body over the
//! size cap is refused as a whole ([`Refusal::TooLarge`], HTTP 413), whatever it contains.
//!
//! **Not JSON-RPC, refused** ([`Refusal::Invalid`], HTTP 400, `-32600`): a batch element that
//! is itself an array (a nested batch, JSON-RPC 2.0 §6), and an `initialize` whose `params` is
//! not an object (§4.2: by-name params; this gateway could not inject into it, and a server
//! mapping positional params might read a client-chosen `_authContext`).
//!
//! **Bounded memory.** Parsing peaks at up to ~110× the body's size, so bodies that must be
//! inspected are refused above a separate, smaller limit ([`inspect_within`],
//! `auth_max_inspect_bytes`, 256 KiB by default: real `initialize` bodies are under 4 KiB).
//!
//! Duplicate member names are detected while the `Value` is built (one map search per member,
//! O(log n)), not by a second pass: the parse is `jose::json`'s walk, keeping the last value.

use ::json::{Map, Value};

use jose::json;

/// Default request body cap (`auth_max_body_bytes`): larger bodies are refused with 413.
pub const MAX_PARSE_BYTES: usize = 4 * 1024 * 1024;

/// The reserved `params` member.
pub const AUTH_CONTEXT_MEMBER: &str = "_authContext";

/// Why a body is not forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It must be inspected and is not JSON serde_json can read: 400, JSON-RPC parse error.
    Malformed,
    /// It is larger than the cap: 413.
    TooLarge,
    /// It must be inspected and is larger than the inspection limit: 413.
    TooLargeToInspect,
    /// It parses but is not a JSON-RPC shape this gateway can vouch for (a nested batch, an
    /// `initialize` with non-object `params`): 400, JSON-RPC invalid request.
    Invalid,
}

/// The identity as injected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthContext {
    /// `sub` of the verified token.
    pub authenticated_user: Option<String>,
    /// `email` claim.
    pub email: Option<String>,
    /// The provider's display name.
    pub provider: String,
    /// `iss` of the verified token: with `authenticated_user`, the identity is the pair
    /// (`issuer`, `authenticated_user`), as a `sub` is unique only within its issuer (OpenID
    /// Connect Core §2).
    pub issuer: String,
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
        m.insert("issuer".into(), Value::String(self.issuer.clone()));
        m.insert("client_id".into(), opt(&self.client_id));
        m.insert(
            "scopes".into(),
            Value::Array(self.scopes.iter().cloned().map(Value::String).collect()),
        );
        Value::Object(m)
    }
}

/// Whether `haystack` contains `needle`, ASCII letters compared case-insensitively.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Whether the body could hold `initialize` or `_authContext` in any spelling a JSON parser
/// reads from these bytes: it contains either name literally (in any ASCII case: Go's
/// `encoding/json` matches member names case-insensitively), a `\u` escape, or a NUL byte
/// (UTF-16/UTF-32 text). Bodies for which this is false are forwarded without being parsed.
pub fn must_inspect(body: &[u8]) -> bool {
    body.contains(&0)
        || contains(body, b"initialize")
        || contains(body, AUTH_CONTEXT_MEMBER.as_bytes())
        || contains(body, b"\\u")
}

/// Parses `body` with serde_json's grammar and limits, the last of two equal member names
/// winning, and reports whether any name repeated: the jose walk in its lenient mode, one pass.
fn parse_checked(body: &[u8]) -> Result<(Value, bool), json::Fault> {
    json::parse_value(body, usize::MAX, json::Duplicates::KeepLast)
}

/// Whether member name `name` is `target` (lowercase ASCII) for a parser that matches names
/// case-insensitively, as Go's `encoding/json` does (Unicode simple folding: `ſ` is `s`, the
/// Kelvin sign is `k`).
pub(crate) fn folds_to(name: &str, target: &str) -> bool {
    // `target` is lowercase ASCII. Beyond ASCII, Unicode simple case folding (Go's
    // encoding/json) takes exactly two characters to an ASCII letter: ſ (U+017F) to `s` and
    // the Kelvin sign (U+212A) to `k`. Mapping just those avoids an 11 KB Unicode table.
    name.chars()
        .map(|c| match c {
            '\u{17f}' => 's',
            '\u{212a}' => 'k',
            c => c.to_ascii_lowercase(),
        })
        .eq(target.chars())
}

/// Removes every `_authContext` from `params`, in any spelling a case-insensitive parser would
/// read as that name; returns whether it removed one.
fn remove_auth_context(params: &mut Map<String, Value>) -> bool {
    let before = params.len();
    params.retain(|name, _| !folds_to(name, "_authcontext"));
    params.len() != before
}

/// Refuses a message whose `method` or `params` is spelled in another case (`"METHOD"`,
/// `"Params"`): this gateway reads the exact names, a case-insensitive parser upstream would
/// read those instead.
fn check_member_names(obj: &Map<String, Value>) -> Result<(), Refusal> {
    let ambiguous = obj.keys().any(|k| {
        (k != "method" && folds_to(k, "method")) || (k != "params" && folds_to(k, "params"))
    });
    if ambiguous {
        Err(Refusal::Malformed)
    } else {
        Ok(())
    }
}

/// Removes forged members from `params` and from `params._meta` (protocol metadata an SDK may
/// merge); returns whether it removed one.
fn strip_params(params: &mut Map<String, Value>) -> bool {
    let mut changed = remove_auth_context(params);
    for (name, meta) in params.iter_mut() {
        if let (true, Value::Object(meta)) = (folds_to(name, "_meta"), meta) {
            changed |= remove_auth_context(meta);
        }
    }
    changed
}

/// Applies the rules to one JSON-RPC message: injects `context` into an `initialize`, removes
/// client-sent `_authContext` members (all of them when `context` is `None`); returns whether
/// the message changed.
fn rewrite_message(message: &mut Value, context: Option<&AuthContext>) -> Result<bool, Refusal> {
    let obj = match message {
        Value::Object(obj) => obj,
        // JSON-RPC 2.0 §6: batch elements are objects; a nested batch is not JSON-RPC, and a
        // server that flattens it would read members this gateway never checked.
        Value::Array(_) => return Err(Refusal::Invalid),
        _ => return Ok(false),
    };
    check_member_names(obj)?;
    let is_initialize = obj.get("method").and_then(Value::as_str) == Some("initialize");
    let inject = context.filter(|_| is_initialize);
    match (obj.get_mut("params"), inject) {
        (Some(Value::Object(params)), Some(ctx)) => {
            strip_params(params);
            params.insert(AUTH_CONTEXT_MEMBER.into(), ctx.to_value());
            Ok(true)
        }
        (None | Some(Value::Null), Some(ctx)) => {
            let mut params = Map::new();
            params.insert(AUTH_CONTEXT_MEMBER.into(), ctx.to_value());
            obj.insert("params".into(), Value::Object(params));
            Ok(true)
        }
        // `initialize` takes named params (MCP); there is nowhere to put the identity.
        (Some(_), Some(_)) => Err(Refusal::Invalid),
        (Some(Value::Object(params)), None) => Ok(strip_params(params)),
        // Positional params: no member is reserved, but an object among them could be read
        // by a server mapping positions to names; strip it there too.
        (Some(Value::Array(items)), None) => {
            let mut changed = false;
            for item in items.iter_mut() {
                if let Value::Object(o) = item {
                    changed |= strip_params(o);
                }
            }
            Ok(changed)
        }
        _ => Ok(false),
    }
}

/// Decides what the MCP server receives for a complete request body of at most `max_bytes`:
/// `Ok(None)` to forward `body` byte for byte, `Ok(Some(rewritten))`, or `Err` to refuse the
/// request. `context` is the verified identity to inject into `initialize` requests, `None` when
/// authentication is disabled (then every `_authContext` is removed and none is injected).
/// As [`inspect_within`] with the parse limit equal to `max_bytes`.
pub fn inspect(
    body: &[u8],
    context: Option<&AuthContext>,
    max_bytes: usize,
) -> Result<Option<Vec<u8>>, Refusal> {
    inspect_within(body, context, max_bytes, max_bytes)
}

/// As [`inspect`], refusing ([`Refusal::TooLargeToInspect`]) a body that must be parsed and is
/// longer than `max_parse_bytes`: the parse's peak memory is then at most ~110 ×
/// `max_parse_bytes`, whatever `max_bytes` allows for bodies forwarded unparsed.
pub fn inspect_within(
    body: &[u8],
    context: Option<&AuthContext>,
    max_bytes: usize,
    max_parse_bytes: usize,
) -> Result<Option<Vec<u8>>, Refusal> {
    if body.len() > max_bytes {
        return Err(Refusal::TooLarge);
    }
    if !must_inspect(body) {
        return Ok(None);
    }
    if body.len() > max_parse_bytes {
        return Err(Refusal::TooLargeToInspect);
    }
    let (mut value, duplicates) = parse_checked(body).map_err(|_| Refusal::Malformed)?;
    let mut changed = false;
    match &mut value {
        Value::Array(items) => {
            for item in items.iter_mut() {
                changed |= rewrite_message(item, context)?;
            }
        }
        message => changed = rewrite_message(message, context)?,
    }
    if changed || duplicates {
        ::json::to_vec(&value)
            .map(Some)
            .map_err(|_| Refusal::Malformed)
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests;
