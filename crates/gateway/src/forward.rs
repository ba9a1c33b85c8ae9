//! Forwarding rules: what goes to the MCP gateway, what comes back.
//!
//! The core decides; the adapter moves bytes. A [`ForwardPlan`] says where to send the request
//! and with which headers; the adapter checks [`ForwardPlan::refuse_before_body`] (declared
//! length over the cap), reads the body up to [`ForwardPlan::max_body_bytes`] + 1 bytes, asks
//! [`ForwardPlan::upstream_body`] whether to forward it as is, rewrite it (`_authContext`) or
//! refuse it, sends it, and streams the upstream response back with
//! [`ForwardPlan::response_headers`], or answers [`ForwardPlan::failure_response`] (502/504).
//!
//! Request bodies are checked before anything is sent upstream, and refused rather than
//! forwarded when the gateway cannot vouch for what the MCP server will read in them:
//! over `auth_max_body_bytes` → 413; a `Content-Encoding` other than `identity` or a `charset`
//! other than UTF-8 (a server that decodes those would read bytes this gateway never saw) → 415;
//! a body that must be inspected (`auth_context::must_inspect`) and does not parse → 400 with a
//! JSON-RPC parse error. Every error body is JSON-RPC 2.0 with `"id": null`.
//!
//! Request headers: end-to-end headers pass (Accept, Content-Type, Mcp-Session-Id,
//! MCP-Protocol-Version, Last-Event-ID, ...). Dropped:
//! * hop-by-hop headers (RFC 9110 §7.6.1, and any named in `Connection`), `Host` and
//!   `Content-Length` (set by the adapter), `Expect`, Spin's `spin-*` headers;
//! * every incoming `x-auth-*` header (then set from the verified identity), and every header
//!   whose name contains `_`, as nginx does by default (`underscores_in_headers off`): CGI,
//!   WSGI (PEP 3333), PHP and Rack read `x_auth_user_id` and `x-auth-user-id` as one variable;
//! * `Authorization` (MCP authorization §Token Passthrough forbids passing the client's token
//!   on; `auth_forward_authorization=true` opts in) and `Cookie` (an ambient credential this
//!   gateway did not verify; MCP Streamable HTTP identifies sessions by `Mcp-Session-Id`);
//! * path-override headers (`X-Original-URL`, `X-Rewrite-URL`): some frameworks route by them,
//!   which would move the request off `auth_gateway_url`'s path;
//! * client proxy headers (`Forwarded`, `X-Forwarded-*`, `X-Real-IP`, ...; [`PROXY_HEADERS`])
//!   unless `auth_trust_forwarded_headers=true`: any client can write them, so an upstream
//!   would log or authorize by a forged address (as Envoy without `xff_num_trusted_hops`).
//!
//! The query string passes on, minus any `access_token` parameter (RFC 6750 §2.3; MCP
//! authorization forbids tokens in the query): with `Authorization` stripped, that would be
//! the token reaching the MCP server anyway.

use ::json::{json, Value};

use crate::config::{is_tchar, Config};
use crate::auth_context::{self, AuthContext, Refusal, MAX_PARSE_BYTES};
use crate::{policy, responses};
use crate::{RequestHead, Response};
use crate::authorize::{Authorization, Refused, ResponseFilter};
use crate::responses::Challenge;
use jose::{json, Identity};
use crate::log::RequestLog;
use crate::ports::{Clock, Log};
use crate::provider::Provider;
use crate::url::Scheme;

mod request_rules;
pub use request_rules::PROXY_HEADERS;
use request_rules::{
    connection_tokens, is_access_token_param, is_hop_by_hop, is_proxy_header, unsupported_body,
    valid_field_value,
};

/// Connecting to the gateway never waits longer than this (it is normally in-process).
pub const MAX_CONNECT_TIMEOUT_MS: u64 = 10_000;

/// Why the upstream produced no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamFailure {
    /// Connection refused, DNS failure, TLS failure, denied: 502.
    Unreachable,
    /// Connect or first-byte timeout: 504.
    Timeout,
}

/// Where and how to forward one request.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardPlan {
    /// Request method, as received.
    pub method: String,
    /// Gateway scheme.
    pub scheme: Scheme,
    /// Gateway `host[:port]`.
    pub authority: String,
    /// Gateway path plus the request's query string.
    pub path_and_query: String,
    /// The request's `Content-Length`, if valid (checked against the cap before the body is read).
    pub original_content_length: Option<u64>,
    /// Connect timeout.
    pub connect_timeout_ms: u64,
    /// Timeout for the response headers (not for the body: streams may idle).
    pub first_byte_timeout_ms: u64,
    max_body_bytes: usize,
    max_inspect_bytes: usize,
    /// Why a non-empty body cannot be vouched for (content coding or charset), if so.
    unsupported_body: Option<&'static str>,
    headers: Vec<(String, Vec<u8>)>,
    context: Option<AuthContext>,
    response_extra: Vec<(String, String)>,
    trace_header: String,
    /// The per-tool policy and the `Mcp-Method`/`Mcp-Name` cross-check, applied to the body.
    authorization: Option<Authorization>,
    /// The RFC 9728 metadata URL for a 403 challenge.
    resource_metadata: Option<String>,
    log: RequestLog,
}

impl ForwardPlan {
    /// Builds the plan. `identity` is `None` only when authentication is disabled.
    pub(crate) fn new(
        req: &RequestHead,
        config: &Config,
        identity: Option<(&Identity, &Provider)>,
        trace_id: &str,
        response_extra: Vec<(String, String)>,
        mut log: RequestLog,
    ) -> ForwardPlan {
        let tokens = connection_tokens(req);
        let unsupported_body = unsupported_body(req);
        let mut headers: Vec<(String, Vec<u8>)> = Vec::with_capacity(req.headers.len() + 6);
        let mut original_content_length = None;
        for (name, value) in &req.headers {
            let lower = name.to_ascii_lowercase();
            if lower == "content-length" {
                original_content_length = core::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.trim().parse::<u64>().ok());
                continue;
            }
            if lower.contains('_') {
                log.detail("underscore_header_dropped");
                continue;
            }
            if is_proxy_header(&lower) && !config.trust_forwarded_headers {
                log.detail("proxy_header_dropped");
                continue;
            }
            let dropped = lower.is_empty()
                || !lower.bytes().all(is_tchar)
                || is_hop_by_hop(&lower, &tokens)
                || matches!(
                    lower.as_str(),
                    "host" | "expect" | "cookie" | "x-original-url" | "x-rewrite-url"
                )
                || lower.starts_with("x-auth-")
                || lower.starts_with("spin-")
                || lower == config.trace_header
                || (lower == "authorization" && !config.forward_authorization);
            if !dropped {
                headers.push((lower, value.clone()));
            }
        }

        let context = identity.map(|(id, provider)| {
            let scopes = id.scopes.join(" ");
            // The issuer-qualified subject, `<iss>#<sub>`: one value no two providers share
            // (OpenID Connect Core §5.7: `sub` is unique only within its issuer; an issuer has
            // no fragment, RFC 8414 §2, so the first `#` splits it). Stateless 2026-07-28
            // clients send no `initialize`: this header is how the server knows who calls.
            let principal = id.subject.as_ref().map(|s| {
                let mut p = String::with_capacity(id.issuer.len() + 1 + s.len());
                p.push_str(&id.issuer);
                p.push('#');
                p.push_str(s);
                p
            });
            let set: [(&str, Option<&str>); 6] = [
                ("x-auth-user-id", id.subject.as_deref()),
                ("x-auth-subject", principal.as_deref()),
                ("x-auth-client-id", id.client_id.as_deref()),
                ("x-auth-issuer", Some(id.issuer.as_str())),
                ("x-auth-scopes", Some(scopes.as_str())),
                ("x-auth-provider", Some(provider.name.as_str())),
            ];
            for (name, value) in set {
                match value {
                    Some(v) if valid_field_value(v) => {
                        headers.push((name.to_string(), v.as_bytes().to_vec()))
                    }
                    Some(_) => log.warn("identity_header_invalid"),
                    None => {}
                }
            }
            AuthContext {
                authenticated_user: id.subject.clone(),
                email: forwarded_email(id, provider, &mut log),
                provider: provider.name.clone(),
                issuer: id.issuer.clone(),
                client_id: id.client_id.clone(),
                scopes: id.scopes.clone(),
            }
        });
        headers.push((config.trace_header.clone(), trace_id.as_bytes().to_vec()));

        let mut path_and_query = config.gateway.path().to_string();
        if let Some(q) = req.query() {
            let mut first = true;
            for item in q.split('&') {
                if is_access_token_param(item) {
                    log.warn("query_access_token_dropped");
                    continue;
                }
                path_and_query.push(if first { '?' } else { '&' });
                path_and_query.push_str(item);
                first = false;
            }
        }
        let mut response_extra = response_extra;
        response_extra.push((config.trace_header.clone(), trace_id.to_string()));

        ForwardPlan {
            method: req.method.clone(),
            scheme: config.gateway.scheme(),
            authority: config.gateway.authority(),
            path_and_query,
            original_content_length,
            connect_timeout_ms: config.gateway_timeout_ms.min(MAX_CONNECT_TIMEOUT_MS),
            first_byte_timeout_ms: config.gateway_timeout_ms,
            max_body_bytes: config.max_body_bytes,
            max_inspect_bytes: config.max_inspect_bytes,
            unsupported_body,
            headers,
            context,
            response_extra,
            trace_header: config.trace_header.clone(),
            authorization: Authorization::new(
                config,
                identity.map(|(id, _)| id),
                identity.map_or(&[][..], |(_, p)| &p.required_scopes[..]),
                &req.headers,
                req.header("mcp-protocol-version"),
            ),
            resource_metadata: crate::discovery::resource_metadata_url(config, req),
            log,
        }
    }

    /// The full gateway URL (for logs and tests).
    pub fn url(&self) -> String {
        let mut s = String::from(self.scheme.as_str());
        s.push_str("://");
        s.push_str(&self.authority);
        s.push_str(&self.path_and_query);
        s
    }

    /// The verified identity that will be injected, if any.
    pub fn auth_context(&self) -> Option<&AuthContext> {
        self.context.as_ref()
    }

    /// Headers for the upstream request; `content_length` is the length of the body actually
    /// sent, when known.
    pub fn request_headers(&self, content_length: Option<u64>) -> Vec<(String, Vec<u8>)> {
        let mut h = self.headers.clone();
        if let Some(len) = content_length {
            h.push(("content-length".into(), len.to_string().into_bytes()));
        }
        h
    }

    /// The request body cap (`auth_max_body_bytes`): the adapter reads at most one byte more.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// A refusal decided from the head alone: a declared `Content-Length` over the cap (413),
    /// so the adapter need not read the body.
    pub fn refuse_before_body(&self) -> Option<BodyRefused> {
        match self.original_content_length {
            Some(len) if len > self.max_body_bytes as u64 => Some(self.refusal(Refusal::TooLarge)),
            _ => None,
        }
    }

    /// What to send upstream for the body read so far: `Ok(None)` to send `buffered` as is,
    /// `Ok(Some(body))` to send a rewritten one, `Err` to answer the client instead (nothing is
    /// sent upstream). `complete` is false when the adapter stopped reading because the body
    /// exceeded [`ForwardPlan::max_body_bytes`].
    // Not inlined: Cranelift's compile work grows faster than a function's size, and
    // LLVM would fold this into the request handler (scripts/size-report measures it).
    #[inline(never)]
    pub fn upstream_body(
        &self,
        buffered: &[u8],
        complete: bool,
    ) -> Result<Option<Vec<u8>>, BodyRefused> {
        if !complete || buffered.len() > self.max_body_bytes {
            return Err(self.refusal(Refusal::TooLarge));
        }
        if let (false, Some(reason)) = (buffered.is_empty(), self.unsupported_body) {
            let mut refused = self.refusal(Refusal::Malformed);
            refused.response = self.local_response(
                415,
                refusal_body(
                    -32600,
                    "Invalid Request: request body must be uncompressed UTF-8 JSON",
                ),
            );
            refused
                .response
                .headers
                .insert(0, ("accept-encoding".into(), "identity".into()));
            refused.reason = reason;
            return Err(refused);
        }
        if let Some(authorization) = &self.authorization {
            // Every body the policy judges is parsed: the inspect bound applies to all of them.
            if buffered.len() > self.max_inspect_bytes {
                return Err(self.refusal(Refusal::TooLargeToInspect));
            }
            authorization
                .check(&self.headers, buffered)
                .map_err(|refused| self.authorization_refusal(refused))?;
        }
        auth_context::inspect_within(
            buffered,
            self.context.as_ref(),
            self.max_body_bytes,
            self.max_inspect_bytes,
        )
        .map_err(|r| self.refusal(r))
    }

    /// The filter for the upstream's answer when the request (`body`, as the client sent it)
    /// is a `tools/list`, `resources/list` or `prompts/list` under a per-tool policy.
    pub fn response_filter(&self, body: &[u8]) -> Option<ResponseFilter> {
        self.authorization.as_ref()?.response_filter(body)
    }

    /// 400 for a body or headers that are not a valid MCP request; 403 `insufficient_scope`
    /// (RFC 6750 §3.1) naming every scope the operation needs, or without `scope` when a claim
    /// condition failed, with a JSON-RPC error carrying the request's `id` (MCP 2026-07-28
    /// authorization, step-up: the client re-authorizes with those scopes and retries).
    fn authorization_refusal(&self, refused: Refused) -> BodyRefused {
        match refused {
            Refused::BadRequest { id, code, message, reason } => BodyRefused {
                response: self.local_response(
                    400,
                    ::json::to_vec(&error_object(id, code, message)).unwrap_or_default(),
                ),
                reason,
            },
            Refused::Forbidden { id, needed, description, message, reason } => {
                let body = ::json::to_vec(&error_object(id, policy::FORBIDDEN_CODE, message))
                    .unwrap_or_default();
                let mut response = self.local_response(403, body);
                let scope = needed.join(" ");
                let challenge = Challenge {
                    error: "insufficient_scope",
                    description,
                    scope: (!scope.is_empty()).then_some(scope.as_str()),
                    resource_metadata: self.resource_metadata.as_deref(),
                };
                response.headers.insert(0, ("www-authenticate".into(), challenge.render()));
                BodyRefused { response, reason }
            }
        }
    }

    fn refusal(&self, refusal: Refusal) -> BodyRefused {
        match refusal {
            Refusal::Malformed => BodyRefused {
                response: self.local_response(400, refusal_body(-32700, "Parse error")),
                reason: "request_body_malformed",
            },
            Refusal::TooLarge => BodyRefused {
                response: self.local_response(413, refusal_body(-32600, "Request body too large")),
                reason: "request_body_too_large",
            },
            Refusal::TooLargeToInspect => BodyRefused {
                response: self.local_response(413, refusal_body(-32600, "Request body too large")),
                reason: "request_body_too_large_to_inspect",
            },
            Refusal::Invalid => BodyRefused {
                response: self.local_response(400, refusal_body(-32600, "Invalid Request")),
                reason: "request_body_not_jsonrpc",
            },
        }
    }

    /// A local JSON answer with this plan's CORS/trace headers and its length.
    fn local_response(&self, status: u16, body: Vec<u8>) -> Response {
        let mut headers = vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("cache-control".to_string(), "no-store".to_string()),
        ];
        headers.extend(self.response_extra.iter().cloned());
        headers.push(("content-length".into(), body.len().to_string()));
        Response {
            status,
            headers,
            body,
        }
    }

    /// Response headers for the client: the upstream's minus hop-by-hop, CORS and trace
    /// headers, plus this gateway's CORS and trace headers.
    // Not inlined: Cranelift's compile work grows faster than a function's size, and
    // LLVM would fold this into the request handler (scripts/size-report measures it).
    #[inline(never)]
    pub fn response_headers(&self, upstream: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
        let tokens: Vec<String> = upstream
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
            .filter_map(|(_, v)| core::str::from_utf8(v).ok())
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .collect();
        let mut out: Vec<(String, Vec<u8>)> = upstream
            .iter()
            .filter(|(n, _)| {
                let lower = n.to_ascii_lowercase();
                !is_hop_by_hop(&lower, &tokens)
                    && !lower.starts_with("access-control-")
                    && lower != self.trace_header
            })
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        out.extend(
            self.response_extra
                .iter()
                .map(|(n, v)| (n.clone(), v.clone().into_bytes())),
        );
        out
    }

    /// The 502/504 answer when the upstream could not be reached; a JSON-RPC error body when the
    /// request was JSON-RPC (so MCP clients surface it), else an OAuth-style JSON error.
    pub fn failure_response(
        &self,
        failure: UpstreamFailure,
        buffered: &[u8],
        complete: bool,
    ) -> Response {
        let (status, error, description, code) = match failure {
            UpstreamFailure::Unreachable => {
                (502, "bad_gateway", "MCP gateway is unreachable", -32000)
            }
            UpstreamFailure::Timeout => (
                504,
                "gateway_timeout",
                "MCP gateway did not respond in time",
                -32001,
            ),
        };
        let complete = complete && buffered.len() <= self.max_inspect_bytes;
        let mut r = match jsonrpc_error(buffered, complete, code, description) {
            Some(body) => Response {
                status,
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("cache-control".into(), "no-store".into()),
                ],
                body,
            },
            None => responses::json_error(status, error, description),
        };
        r.headers.extend(self.response_extra.iter().cloned());
        r.headers
            .push(("content-length".into(), r.body.len().to_string()));
        r
    }

    /// The 400 answer when the client's body could not be read to its end (aborted upload).
    pub fn incomplete_body_response(&self) -> Response {
        let mut r = responses::json_error(400, "invalid_request", "request body could not be read");
        r.headers.extend(self.response_extra.iter().cloned());
        r.headers
            .push(("content-length".into(), r.body.len().to_string()));
        r
    }

    /// The log record, for the adapter to add warnings.
    pub fn log_mut(&mut self) -> &mut RequestLog {
        &mut self.log
    }

    /// Emits the request's log line once the response is done.
    pub fn finish<P: Log + Clock>(&mut self, ports: &P, status: u16, reason: &'static str) {
        self.log.set_reason(reason);
        ports.log_line(&self.log.render(status, ports.now_millis()));
    }
}

/// The `email` to present as the user's: only a verified one (`email_verified: true`, OpenID
/// Connect Core §5.1; the string `"true"` as some providers send it), unless the provider is
/// configured to trust its addresses (`auth_provider_trust_email`). An unverified address is
/// not an identity (§5.7): anyone can register one they do not own at many providers.
fn forwarded_email(id: &Identity, provider: &Provider, log: &mut RequestLog) -> Option<String> {
    let email = id.email.as_ref()?;
    let verified = match id.claims.get("email_verified") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    if verified || provider.trust_email {
        Some(email.clone())
    } else {
        log.detail("unverified_email_not_forwarded");
        None
    }
}

/// A request body the gateway will not forward: the answer to send and the log reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyRefused {
    /// 400, 413 or 415, with a JSON-RPC 2.0 error body (`"id": null`).
    pub response: Response,
    /// The log line's `reason`.
    pub reason: &'static str,
}

/// `{"jsonrpc":"2.0","id":null,"error":{"code":…,"message":…}}`.
fn refusal_body(code: i64, message: &str) -> Vec<u8> {
    ::json::to_vec(&error_object(Value::Null, code, message)).unwrap_or_default()
}

fn error_object(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn request_id(message: &Value) -> Value {
    match message.get("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
        _ => Value::Null,
    }
}

fn is_jsonrpc(v: &Value) -> bool {
    v.get("jsonrpc").and_then(Value::as_str) == Some("2.0")
}

/// A JSON-RPC 2.0 error response (§5) for the request body, or `None` if it is not JSON-RPC.
fn jsonrpc_error(body: &[u8], complete: bool, code: i64, message: &str) -> Option<Vec<u8>> {
    if !complete || body.len() > MAX_PARSE_BYTES {
        return None;
    }
    // The jose core's one JSON walk (serde_json's own visitor would be a second copy);
    // serde_json's recursion limit (128) bounds the nesting, as for `auth_context`.
    let (value, _) = json::parse_value(body, usize::MAX, json::Duplicates::KeepLast).ok()?;
    let response = match &value {
        Value::Object(_) if is_jsonrpc(&value) => error_object(request_id(&value), code, message),
        Value::Array(items) if !items.is_empty() && items.iter().all(is_jsonrpc) => {
            let errors: Vec<Value> = items
                .iter()
                .filter(|m| m.get("id").is_some())
                .map(|m| error_object(request_id(m), code, message))
                .collect();
            if errors.is_empty() {
                error_object(Value::Null, code, message)
            } else {
                Value::Array(errors)
            }
        }
        _ => return None,
    };
    ::json::to_vec(&response).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn jsonrpc_error_shapes() {
        let b = jsonrpc_error(
            br#"{"jsonrpc":"2.0","id":7,"method":"x"}"#,
            true,
            -32000,
            "m",
        )
        .unwrap();
        let v: Value = ::json::from_slice(&b).unwrap();
        assert_eq!(
            v,
            json!({"jsonrpc":"2.0","id":7,"error":{"code":-32000,"message":"m"}})
        );
        let b = jsonrpc_error(
            br#"[{"jsonrpc":"2.0","id":"a","method":"x"},{"jsonrpc":"2.0","method":"n"}]"#,
            true,
            -1,
            "m",
        )
        .unwrap();
        let v: Value = ::json::from_slice(&b).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 1);
        assert_eq!(v[0]["id"], "a");
        assert_eq!(jsonrpc_error(b"{}", true, -1, "m"), None);
        assert_eq!(jsonrpc_error(b"nope", true, -1, "m"), None);
        assert_eq!(
            jsonrpc_error(br#"{"jsonrpc":"2.0","id":1}"#, false, -1, "m"),
            None
        );
    }
}
