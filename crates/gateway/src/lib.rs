//! The sans-IO gateway: configuration, providers, the JWKS cache and the request pipeline, behind
//! the [`ports`] traits. Request head + ports in, [`Decision`] out.
//!
//! ```text
//! OPTIONS                         → 204 CORS preflight
//! auth_enabled=false              → forward (no identity; loud warning in the log)
//! GET /.well-known/oauth-protected-resource[/…]    → RFC 9728 document
//! GET /.well-known/oauth-authorization-server[/…]  → RFC 8414 document
//! anything else                   → authenticate → authorize → forward plan
//! ```
//!
//! The core never performs the forward itself: it returns a [`forward::ForwardPlan`], and the
//! adapter streams the body both ways. Local responses are logged here; forwarded ones by
//! [`forward::ForwardPlan::finish`] once the upstream status is known.

// Untrusted input must never panic: these lints hold for all non-test code.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth_context;
pub mod authn;
pub mod authorize;
pub mod config;
pub mod discovery;
pub mod forward;
pub mod jwks_cache;
pub mod kv_cache;
pub mod kv_record;
pub mod log;
pub mod policy;
pub mod ports;
pub mod provider;
pub mod responses;
pub mod url;
pub mod variables;

use crate::config::Config;
use crate::log::RequestLog;
use crate::ports::Ports;
use crate::variables::DEFAULT_TRACE_HEADER;

use authn::Rejection;
use discovery::Route;
use forward::ForwardPlan;
use responses::Challenge;

/// An incoming request's head (the body is read by the adapter only when forwarding).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestHead {
    /// Method, as received (`GET`, `POST`, ...).
    pub method: String,
    /// Scheme the platform saw (`http`/`https`), if known.
    pub scheme: Option<String>,
    /// Authority the platform saw, if known.
    pub authority: Option<String>,
    /// Path and query (`/mcp?x=1`).
    pub path_and_query: String,
    /// Header fields in order; names in any case.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl RequestHead {
    /// The first value of header `name` (case-insensitive), if it is UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| core::str::from_utf8(v).ok())
    }

    /// The path, without query.
    pub fn path(&self) -> &str {
        self.path_and_query.split('?').next().unwrap_or("/")
    }

    /// The query string without `?`, if any.
    pub fn query(&self) -> Option<&str> {
        self.path_and_query.split_once('?').map(|(_, q)| q)
    }
}

/// A complete local response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header fields (lowercase names).
    pub headers: Vec<(String, String)>,
    /// Body (empty for `HEAD` and `204`).
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Answer locally with this response (already logged).
    Respond(Response),
    /// Forward to the gateway per the plan (logged by [`ForwardPlan::finish`]).
    Forward(Box<ForwardPlan>),
}

/// A trace id a client may supply: 1–128 characters from a conservative set, so it is safe to
/// echo in a header and a log line.
fn valid_trace_id(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 128
        && v.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'+' | b'=')
        })
}

/// The request's trace id, or 32 random hex digits.
fn trace_id<P: Ports>(ports: &P, req: &RequestHead, header: &str) -> String {
    if let Some(v) = req
        .header(header)
        .map(str::trim)
        .filter(|v| valid_trace_id(v))
    {
        return v.to_string();
    }
    let mut bytes = [0u8; 16];
    ports.fill(&mut bytes);
    let mut s = String::with_capacity(32);
    for b in bytes {
        for n in [b >> 4, b & 0xf] {
            s.push(char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 }));
        }
    }
    s
}

/// Per-request context shared by the handlers.
struct Ctx<'a> {
    config: &'a Config,
    req: &'a RequestHead,
    trace_id: &'a str,
}

impl Ctx<'_> {
    fn cors(&self) -> Vec<(String, String)> {
        responses::cors_headers(
            &self.config.cors,
            self.req.header("origin"),
            &self.config.trace_header,
        )
    }

    /// Adds CORS, trace and length headers; drops the body of `HEAD`.
    fn finalize(&self, mut r: Response, with_cors: bool) -> Response {
        if with_cors {
            r.headers.extend(self.cors());
        }
        r.headers
            .push((self.config.trace_header.clone(), self.trace_id.to_string()));
        finish_body(&mut r, &self.req.method);
        r
    }

    // Not inlined: Cranelift's compile work grows faster than a function's size, and
    // LLVM would fold this into the request handler (scripts/size-report measures it).
    #[inline(never)]
    fn rejection(&self, rejection: &Rejection) -> Response {
        let status = rejection.status();
        let response = match rejection {
            Rejection::KeysUnavailable { retry_after_secs } => {
                let mut r =
                    responses::json_error(status, rejection.error_code(), rejection.description());
                r.headers
                    .push(("retry-after".into(), retry_after_secs.to_string()));
                r
            }
            Rejection::InsufficientScope { required } => {
                let resource_metadata = discovery::resource_metadata_url(self.config, self.req);
                responses::challenge(
                    status,
                    &Challenge {
                        error: rejection.error_code(),
                        description: rejection.description(),
                        scope: Some(required),
                        resource_metadata: resource_metadata.as_deref(),
                    },
                )
            }
            _ => {
                let resource_metadata = discovery::resource_metadata_url(self.config, self.req);
                let scopes = self.config.required_scopes().join(" ");
                responses::challenge(
                    status,
                    &Challenge {
                        error: rejection.error_code(),
                        description: rejection.description(),
                        scope: if scopes.is_empty() {
                            None
                        } else {
                            Some(&scopes)
                        },
                        resource_metadata: resource_metadata.as_deref(),
                    },
                )
            }
        };
        self.finalize(response, true)
    }
}

fn finish_body(r: &mut Response, method: &str) {
    if r.status != 204 && r.status != 304 {
        r.headers
            .push(("content-length".into(), r.body.len().to_string()));
    }
    if method.eq_ignore_ascii_case("HEAD") || r.status == 204 {
        r.body.clear();
    }
}

fn respond<P: Ports>(ports: &P, log: &RequestLog, response: Response) -> Decision {
    ports.log_line(&log.render(response.status, ports.now_millis()));
    Decision::Respond(response)
}

fn route_name(route: Route<'_>) -> &'static str {
    match route {
        Route::ProtectedResource(_) => "protected_resource_metadata",
        Route::AuthorizationServer(_) => "authorization_server_metadata",
        Route::Mcp => "mcp",
    }
}

/// Handles one request.
pub fn handle<P: Ports>(ports: &P, req: &RequestHead) -> Decision {
    let started_ms = ports.now_millis();
    let mut log = RequestLog::new(started_ms, &req.method);
    let route = discovery::classify(req.path());
    let is_preflight = req.method.eq_ignore_ascii_case("OPTIONS");
    log.set_route(if is_preflight {
        "preflight"
    } else {
        route_name(route)
    });

    let config = Config::load(ports);
    let trace_header = match &config {
        Ok(c) => c.trace_header.clone(),
        Err(_) => DEFAULT_TRACE_HEADER.to_ascii_lowercase(),
    };
    let trace_id = trace_id(ports, req, &trace_header);
    log.set_trace_id(&trace_id);

    let config = match config {
        Ok(c) => c,
        Err(e) => {
            log.set_reason(e.problem);
            log.set_variable(e.variable);
            if e.offending.is_some() {
                log.set_config_detail(e.to_string()); // names the character (the value is not logged)
            }
            let mut r =
                responses::json_error(500, "server_error", "the authorizer is misconfigured");
            r.headers.push((trace_header, trace_id.clone()));
            finish_body(&mut r, &req.method);
            return respond(ports, &log, r);
        }
    };
    // A per-tool policy or scope hierarchy that does not parse fails every request: a policy
    // that cannot be read protects nothing (the log names the variable, the item, the fault).
    if let Err(e) = authorize::check_config(&config) {
        log.set_reason(e.fault.code());
        log.set_variable(e.variable);
        log.set_config_detail(e.to_string());
        let mut r = responses::json_error(500, "server_error", "the authorizer is misconfigured");
        r.headers.push((trace_header, trace_id.clone()));
        finish_body(&mut r, &req.method);
        return respond(ports, &log, r);
    }
    let ctx = Ctx {
        config: &config,
        req,
        trace_id: &trace_id,
    };

    if is_preflight {
        log.set_reason("preflight");
        let r = responses::preflight(&config.cors, req.header("origin"), &config.trace_header);
        return respond(ports, &log, ctx.finalize(r, false));
    }

    if !config.enabled {
        log.set_auth_disabled();
        return Decision::Forward(Box::new(ForwardPlan::new(
            req,
            &config,
            None,
            &trace_id,
            ctx.cors(),
            log,
        )));
    }

    let is_read = req.method.eq_ignore_ascii_case("GET") || req.method.eq_ignore_ascii_case("HEAD");
    let now_secs = started_ms / 1000;
    match route {
        Route::ProtectedResource(_) | Route::AuthorizationServer(_) if !is_read => {
            log.set_reason("method_not_allowed");
            let mut r = responses::json_error(
                405,
                "invalid_request",
                "discovery documents support GET only",
            );
            r.headers
                .push(("allow".into(), "GET, HEAD, OPTIONS".into()));
            respond(ports, &log, ctx.finalize(r, true))
        }
        Route::ProtectedResource(suffix) => {
            match discovery::protected_resource_document(&config, req, suffix) {
                Some(body) => {
                    log.set_reason("protected_resource_metadata");
                    // Without `auth_resource_url` the document depends on request headers.
                    let document = if config.resource_url.is_some() {
                        responses::json_document(body)
                    } else {
                        responses::json_document_derived(body)
                    };
                    respond(ports, &log, ctx.finalize(document, true))
                }
                None => {
                    log.set_reason("invalid_host");
                    let r = responses::json_error(400, "invalid_request", "invalid Host header");
                    respond(ports, &log, ctx.finalize(r, true))
                }
            }
        }
        Route::AuthorizationServer(suffix) => {
            match discovery::authorization_server_document(
                ports, &config, suffix, now_secs, &mut log,
            ) {
                Ok(body) => {
                    log.set_reason("authorization_server_metadata");
                    respond(
                        ports,
                        &log,
                        ctx.finalize(responses::json_document(body), true),
                    )
                }
                Err(unavailable) => {
                    log.set_reason("provider_metadata_unavailable");
                    let mut r = responses::json_error(
                        503,
                        "temporarily_unavailable",
                        "authorization server metadata is temporarily unavailable",
                    );
                    r.headers.push((
                        "retry-after".into(),
                        unavailable.retry_after_secs.to_string(),
                    ));
                    respond(ports, &log, ctx.finalize(r, true))
                }
            }
        }
        Route::Mcp => match authn::authenticate(ports, &req.headers, &config, now_secs, &mut log) {
            Ok(auth) => {
                log.set_reason("forwarded");
                Decision::Forward(Box::new(ForwardPlan::new(
                    req,
                    &config,
                    Some((&auth.identity, auth.provider)),
                    &trace_id,
                    ctx.cors(),
                    log,
                )))
            }
            Err(rejection) => {
                log.set_reason(rejection.description());
                respond(ports, &log, ctx.rejection(&rejection))
            }
        },
    }
}
