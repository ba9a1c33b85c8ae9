//! The authorize step for a forwarded request: the per-tool policy ([`crate::policy`]) and the
//! `Mcp-Method` / `Mcp-Name` cross-check, applied to the request body once the adapter has read
//! it, and the filter for `tools/list`, `resources/list` and `prompts/list` answers.
//!
//! ```text
//! body ─▶ parse (duplicates refused) ─▶ messages ─▶ Mcp-Method / Mcp-Name agree? ─▶ policy
//!          400 -32700                  400 -32600   400 -32020 (2026-07-28 §Server Validation)
//!                                                                    403 insufficient_scope
//! ```
//!
//! Spin keeps no state between requests, so the policy and the scope hierarchy are parsed from
//! the configuration text at each use (microseconds: `benches/policy.rs`). The gateway has
//! already refused a request whose policy does not parse, with 500 (see [`check_config`]).

use jose::Identity;
use ::json::{Map, Value};

use crate::config::Config;
use crate::log::RequestLog;
use crate::policy::{
    self, Caller, Filtered, Policy, ScopeHierarchy, SseFilter, SyntaxError, Unfilterable,
};
use crate::variables::{POLICY, SCOPE_IMPLIES};

/// A list answer buffered for filtering may be at most this long (4 MiB); past it the answer
/// is passed through (default allow) or cut off (default deny), with a logged reason.
pub const MAX_FILTERED_JSON_BYTES: usize = 4 * 1024 * 1024;

/// Checks that the policy and the scope hierarchy parse: the error is a configuration fault
/// (500 `server_error`), its `Display` the log detail naming the variable, the item and the
/// fault. Never fails open: a policy that cannot be read protects nothing.
// Not inlined: Cranelift's compile work grows faster than a function's size, and
// LLVM would fold this into the request handler (scripts/size-report measures it).
#[inline(never)]
pub fn check_config(config: &Config) -> Result<(), SyntaxError<'_>> {
    Policy::parse(POLICY, &config.policy)?;
    ScopeHierarchy::parse(SCOPE_IMPLIES, &config.scope_implies)?;
    Ok(())
}

/// The token's scopes with the hierarchy applied (MCP 2026-07-28 authorization: a resource
/// server accounts for scope hierarchies), for the server-wide required scopes.
pub fn has_required_scopes(config: &Config, scopes: &[String], required: &[String]) -> bool {
    match ScopeHierarchy::parse(SCOPE_IMPLIES, &config.scope_implies) {
        Ok(hierarchy) => hierarchy.expand(scopes).has_all(required),
        // Checked by `check_config` first; fail closed all the same.
        Err(_) => false,
    }
}

/// What the authorize step needs of one request, owned, so that the forward plan can carry it
/// to the moment the body has been read.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    policy: String,
    scope_implies: String,
    /// The token's scopes and claims; empty when the policy is off (only the headers are
    /// checked then).
    scopes: Vec<String>,
    claims: Map<String, Value>,
    /// The provider's server-wide required scopes: a 403 names them with the rule's, since
    /// the operation needs both (a client that replaces its scopes with the challenge's must
    /// not lose them).
    required: Vec<String>,
    /// `MCP-Protocol-Version` names 2026-07-28 or later: `Mcp-Method` / `Mcp-Name` required.
    headers_required: bool,
}

/// Why a request is refused after its body was read.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// 400 with this JSON-RPC error (the body, or its headers, are not a valid MCP request).
    BadRequest {
        /// The request's `id` when the body could be read (JSON-RPC 2.0 §5: `null` only when
        /// it cannot be).
        id: Value,
        /// JSON-RPC error code (`-32700`, `-32600`, `-32602`, `-32020`).
        code: i64,
        /// JSON-RPC error message.
        message: &'static str,
        /// The log line's reason.
        reason: &'static str,
    },
    /// 403: the policy denies it.
    Forbidden {
        /// The `id` of the first denied message (`null` if it has none).
        id: Value,
        /// Every scope the operation needs (empty: no scope would help, a claim failed).
        needed: Vec<String>,
        /// `error_description` of the challenge.
        description: &'static str,
        /// JSON-RPC error message.
        message: &'static str,
        /// The log line's reason.
        reason: &'static str,
    },
}

impl Authorization {
    /// The authorize state for a request: with a policy, the caller's scopes and claims; without
    /// one, only the header cross-check (which needs the body too, so `None` when the request
    /// carries neither header and no policy is set: nothing to check).
    pub fn new(
        config: &Config,
        identity: Option<&Identity>,
        required: &[String],
        headers: &[(String, Vec<u8>)],
        protocol_version: Option<&str>,
    ) -> Option<Authorization> {
        let active = !config.policy.is_empty() && identity.is_some();
        let has_headers = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("mcp-method") || n.eq_ignore_ascii_case("mcp-name"));
        let headers_required = policy::headers_required(protocol_version);
        if !active && !has_headers && !headers_required {
            return None;
        }
        let (scopes, claims) = match identity {
            Some(id) if active => (id.scopes.clone(), id.claims.clone()),
            _ => (Vec::new(), Map::new()),
        };
        Some(Authorization {
            policy: if active { config.policy.clone() } else { String::new() },
            scope_implies: config.scope_implies.clone(),
            scopes,
            claims,
            required: required.to_vec(),
            headers_required,
        })
    }

    /// Checks a complete request body. An empty body (a `GET` opening a stream, a `DELETE`
    /// ending a session) carries no operation and passes.
    pub fn check(&self, headers: &[(String, Vec<u8>)], body: &[u8]) -> Result<(), Refused> {
        if body.is_empty() {
            return Ok(());
        }
        let bad = |id, code, message, reason| Refused::BadRequest { id, code, message, reason };
        let value = policy::parse_body(body)
            .map_err(|e| bad(Value::Null, e.code(), e.message(), e.reason()))?;
        let messages = policy::messages(&value)
            .map_err(|e| bad(Value::Null, e.code(), e.message(), e.reason()))?;
        policy::check_headers(&messages, headers, self.headers_required).map_err(|e| {
            let id = messages.first().and_then(|m| m.id).cloned().unwrap_or(Value::Null);
            bad(id, policy::HEADER_MISMATCH_CODE, e.message(), e.reason())
        })?;
        if self.policy.is_empty() {
            return Ok(());
        }
        let (policy, hierarchy) = self.parsed().ok_or(Refused::Forbidden {
            id: Value::Null,
            needed: Vec::new(),
            description: "the authorizer's policy is invalid",
            message: "Forbidden",
            reason: "policy_invalid",
        })?;
        let granted = hierarchy.expand(&self.scopes);
        let caller = Caller { scopes: &granted, claims: &self.claims };
        policy.authorize(&messages, caller).map_err(|(index, denial)| Refused::Forbidden {
            id: messages
                .get(index)
                .and_then(|m| m.id)
                .cloned()
                .unwrap_or(Value::Null),
            needed: if denial.needed.is_empty() {
                Vec::new() // a claim condition failed: no scope would help
            } else {
                let mut needed = self.required.clone();
                for s in &denial.needed {
                    if !needed.iter().any(|n| n == s) {
                        needed.push((*s).to_string());
                    }
                }
                needed
            },
            description: denial.description(),
            message: denial.message(),
            reason: denial.reason(),
        })
    }

    /// The filter for the answer, when the request is one list call (`tools/list`,
    /// `resources/list`, `prompts/list`) under an active policy.
    pub fn response_filter(&self, body: &[u8]) -> Option<ResponseFilter> {
        if self.policy.is_empty() {
            return None;
        }
        let value = policy::parse_body(body).ok()?;
        let messages = policy::messages(&value).ok()?;
        let is_list = messages
            .iter()
            .any(|m| m.method.is_some_and(policy::is_list_method));
        is_list.then(|| ResponseFilter {
            authorization: self.clone(),
            mode: Mode::Undecided,
        })
    }

    fn parsed(&self) -> Option<(Policy<'_>, ScopeHierarchy<'_>)> {
        let policy = Policy::parse(POLICY, &self.policy).ok()?;
        let hierarchy = ScopeHierarchy::parse(SCOPE_IMPLIES, &self.scope_implies).ok()?;
        Some((policy, hierarchy))
    }
}

/// Removes the entries a caller may not use from a list answer, as it streams.
#[derive(Debug)]
pub struct ResponseFilter {
    authorization: Authorization,
    mode: Mode,
}

#[derive(Debug)]
enum Mode {
    /// [`ResponseFilter::start`] not called yet.
    Undecided,
    /// `application/json`: buffered whole, then filtered.
    Json(Vec<u8>),
    /// `text/event-stream`: filtered event by event.
    Events(SseFilter),
    /// Another type, or a JSON answer too large to buffer under a default allow.
    Pass,
    /// A JSON answer too large to buffer under a default deny: the rest is discarded.
    Discard,
}

impl ResponseFilter {
    /// Chooses how to filter from the answer's `Content-Type`; returns whether the body will be
    /// changed (the adapter then drops the upstream's `Content-Length`).
    pub fn start(&mut self, content_type: Option<&str>) -> bool {
        let essence = content_type
            .and_then(|t| t.split(';').next())
            .map(|t| t.trim().to_ascii_lowercase());
        self.mode = match essence.as_deref() {
            Some("application/json") => Mode::Json(Vec::new()),
            Some("text/event-stream") => Mode::Events(SseFilter::new(policy::DEFAULT_MAX_EVENT_BYTES)),
            _ => Mode::Pass,
        };
        !matches!(self.mode, Mode::Pass)
    }

    /// Feeds one chunk of the upstream body; what to send the client now is appended to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<u8>, log: &mut RequestLog) {
        let Some((policy, hierarchy)) = self.authorization.parsed() else {
            log.warn("list_filter_policy_invalid");
            return;
        };
        let granted = hierarchy.expand(&self.authorization.scopes);
        let caller = Caller { scopes: &granted, claims: &self.authorization.claims };
        match &mut self.mode {
            Mode::Undecided | Mode::Pass => out.extend_from_slice(chunk),
            Mode::Discard => {}
            Mode::Json(buffer) => {
                if buffer.len().saturating_add(chunk.len()) <= MAX_FILTERED_JSON_BYTES {
                    buffer.extend_from_slice(chunk);
                } else if policy.default_allow {
                    log.warn("list_answer_too_large_unfiltered");
                    out.append(buffer);
                    out.extend_from_slice(chunk);
                    self.mode = Mode::Pass;
                } else {
                    log.warn("list_answer_too_large_dropped");
                    self.mode = Mode::Discard;
                }
            }
            Mode::Events(filter) => note(log, filter.feed(chunk, &policy, caller, out)),
        }
    }

    /// Ends the body: what is still to send is appended to `out`.
    pub fn finish(&mut self, out: &mut Vec<u8>, log: &mut RequestLog) {
        let Some((policy, hierarchy)) = self.authorization.parsed() else {
            return;
        };
        let granted = hierarchy.expand(&self.authorization.scopes);
        let caller = Caller { scopes: &granted, claims: &self.authorization.claims };
        match &mut self.mode {
            Mode::Json(buffer) => match policy::filter_body(buffer, &policy, caller) {
                Filtered::Unchanged => out.append(buffer),
                Filtered::Rewritten(body) => {
                    log.detail("list_filtered");
                    out.extend_from_slice(&body);
                }
                Filtered::Unfiltered(reason) => {
                    log.warn(reason.reason());
                    out.append(buffer);
                }
                Filtered::Dropped(reason) => log.warn(reason.reason()),
            },
            Mode::Events(filter) => note(log, filter.finish(&policy, caller, out)),
            Mode::Undecided | Mode::Pass | Mode::Discard => {}
        }
    }
}

fn note(log: &mut RequestLog, unfilterable: Option<Unfilterable>) {
    if let Some(u) = unfilterable {
        log.warn(u.reason.reason());
        if u.dropped {
            log.detail("list_event_dropped");
        }
    }
}
