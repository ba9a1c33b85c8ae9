//! The ports: the only ways the gateway core touches the world.
//!
//! The core ([`crate::gateway`]) is sans-IO: it takes a request head and an implementation of
//! [`Ports`], and returns a decision. The Spin adapter implements these traits with `spin_sdk`;
//! native tests implement them with fakes whose every call is counted. Spin creates a fresh
//! instance per request, so nothing here may rely on in-memory state surviving a request: all
//! caching goes through [`KeyValue`].

/// Why a key-value operation failed. The core treats every failure as a cache miss (and logs a
/// warning): a broken store must degrade caching, never authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvError {
    /// The store could not be opened (not granted in `key_value_stores`, or absent).
    Unavailable,
    /// The store refused or failed the operation.
    Failed,
}

/// A byte-valued key-value store (Spin's `fermyon:spin/key-value@2.0.0`, store `default`).
pub trait KeyValue {
    /// The value stored under `key`, or `None` when absent.
    fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    /// Stores `value` under `key`, replacing any previous value.
    fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), KvError>;
}

/// Why a variable could not be read. Distinct from "undefined": a variable that exists but
/// cannot be read (a Vault or Azure Key Vault provider failing, a template whose application
/// variable has no value) must fail closed, never fall back to its default, because for policy
/// variables the default is the permissive choice (no required scopes, CORS `*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableError {
    /// The host refused the name (Spin `error::invalid-name`).
    InvalidName,
    /// The variables provider failed to produce the value (Spin `error::provider`).
    Provider,
    /// Any other host error (Spin `error::other`).
    Other,
}

/// Read access to configuration variables (Spin's `fermyon:spin/variables@2.0.0`).
pub trait Variables {
    /// `Ok(Some(value))`; `Ok(None)` when the variable is undefined (Spin `error::undefined`),
    /// for which the core applies the variable's default (an empty value also means "default",
    /// except for `auth_cors_allowed_origins`, where empty explicitly disables CORS); `Err` when
    /// it exists but cannot be read, which the core turns into a 500 naming the variable.
    fn variable(&self, name: &str) -> Result<Option<String>, VariableError>;
}

/// Wall-clock time.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> u64;
}

/// A source of unpredictable bytes (trace ids only; nothing security-critical).
pub trait Random {
    /// Fills `out` with random bytes.
    fn fill(&self, out: &mut [u8]);
}

/// Where the one structured log line per request goes.
pub trait Log {
    /// Emits one complete JSON line (without the trailing newline).
    fn log_line(&self, line: &str);
}

/// An outbound `GET` for a provider document (a JWK Set or OpenID Connect discovery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpGet<'a> {
    /// Absolute `http`/`https` URL, already checked against the allowed hosts.
    pub url: &'a str,
    /// The response body may not exceed this many bytes; a longer body is [`HttpError::TooLarge`].
    pub max_body_bytes: usize,
    /// Bound on connecting and on waiting for the response, in milliseconds.
    pub timeout_ms: u64,
}

/// The response to an [`HttpGet`]. Redirects are not followed by the port: the core decides
/// (same-host only), so `location` carries a 3xx response's `Location` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The `Location` header, if any (RFC 9110 §10.2.2).
    pub location: Option<String>,
    /// The body, at most `max_body_bytes` long.
    pub body: Vec<u8>,
}

/// Why an outbound request produced no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpError {
    /// Name resolution or connection failed, or the host refused the request.
    Connect,
    /// Connecting or waiting for the response took longer than the timeout.
    Timeout,
    /// The body exceeded `max_body_bytes` (by `Content-Length` or while reading).
    TooLarge,
    /// The request was not permitted (e.g. host not in `allowed_outbound_hosts`).
    Denied,
    /// Anything else (protocol error, reset while reading the body, ...).
    Other,
}

impl HttpError {
    /// A short, fixed description for logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            HttpError::Connect => "connect_failed",
            HttpError::Timeout => "timeout",
            HttpError::TooLarge => "response_too_large",
            HttpError::Denied => "outbound_denied",
            HttpError::Other => "http_error",
        }
    }
}

/// Outbound HTTP. Blocking: each request has one flow of control (Spin runs one instance per
/// request), so the adapter waits on wasi-http's pollables instead of running an executor. A
/// synchronous core is also smaller and cheaper to compile than one made of `async` state
/// machines (5.8 KB of module and 29 M Cranelift instructions less when this was measured).
pub trait HttpClient {
    /// Performs one `GET` without following redirects.
    fn get(&self, request: &HttpGet<'_>) -> Result<HttpResponse, HttpError>;
}

/// Everything the core needs, as one bound.
pub trait Ports: KeyValue + Variables + Clock + Random + Log + HttpClient {}

impl<T: KeyValue + Variables + Clock + Random + Log + HttpClient> Ports for T {}
