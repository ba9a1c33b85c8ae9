//! The Spin adapter: with `libc_shim`, the only module that names `spin_sdk`.
//!
//! It implements the [`ports`](gateway::ports) with Spin's APIs (`key_value`, `variables`,
//! `wasi:http` outgoing handler, WASI 0.2 clocks, randomness and stderr) and holds the
//! component's `wasi:http/incoming-handler` export, which hands the request head to
//! [`gateway::handle`] and then either writes the local response or performs the forward,
//! streaming the upstream body back chunk by chunk: a `text/event-stream` reply reaches the
//! client event by event.
//!
//! wasi-http streams are used through their blocking calls (`blocking_read`,
//! `blocking_write_and_flush`, `Pollable::block`): each request has exactly one flow of
//! control, so nothing else could run while we wait, and the data still moves as soon as it
//! arrives. No `expect`/`unwrap` on SDK results: every failure has an explicit answer.
// The export moves resource handles between two bindings of the same WASI types (`unsafe`).
#![allow(unsafe_code)]

use spin_sdk::http::{
    ErrorCode, Fields, IncomingRequest, IncomingResponse, Method, OutgoingBody, OutgoingRequest,
    OutgoingResponse, ResponseOutparam, Scheme,
};
use spin_sdk::key_value::Store;
use spin_sdk::wit::wasi::cli0_2_0::stderr;
use spin_sdk::wit::wasi::clocks0_2_0::{monotonic_clock, wall_clock};
use spin_sdk::wit::wasi::random0_2_0::random;
use spin_sdk::wit::wasi::http0_2_0::outgoing_handler;
use spin_sdk::wit::wasi::http0_2_0::types::{
    FutureIncomingResponse, IncomingBody, InputStream, OutputStream, RequestOptions,
};

use gateway::forward::{ForwardPlan, UpstreamFailure};
use gateway::ports::{
    Clock, HttpClient, HttpError, HttpGet, HttpResponse, KeyValue, KvError, Log, Random,
    VariableError, Variables,
};
use gateway::url::{self as urls, Url};
use gateway::{self, Decision, RequestHead, Response};

/// wasi output streams accept at most 4096 bytes per `blocking_write_and_flush`.
const WRITE_CHUNK: usize = 4096;
/// Read granularity for bodies.
const READ_CHUNK: u64 = 64 * 1024;

/// The ports, backed by Spin.
struct SpinPorts {
    store: Option<Store>,
}

impl SpinPorts {
    /// Opens the authorizer's own store, `mcp_authorizer` (spin.toml `key_value_stores`,
    /// defined in runtime-config.toml): no other component may be granted it, so nothing else
    /// can write the JWKS cache (review F1). A manifest written before that label existed
    /// still grants `default`: it is used then, with a warning line on every request, so an
    /// upgrade of the module alone keeps working until the manifest is fixed. Neither: no
    /// store, and protected requests fail closed (503, `kv_read_failed`).
    fn open() -> SpinPorts {
        const LABEL: &str = "mcp_authorizer";
        let store = match Store::open(LABEL) {
            Ok(store) => Some(store),
            Err(_) => {
                let fallback = Store::open_default().ok();
                if fallback.is_some() {
                    write_stderr(
                        b"{\"level\":\"warn\",\"reason\":\"kv_store_shared\",\"store\":\"default\",\"fix\":\"grant key_value_stores = [\\\"mcp_authorizer\\\"] (runtime-config.toml defines it) and set auth_kv_record_key\"}\n",
                    );
                }
                fallback
            }
        };
        SpinPorts { store }
    }
}

impl KeyValue for SpinPorts {
    fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let store = self.store.as_ref().ok_or(KvError::Unavailable)?;
        store.get(key).map_err(|_| KvError::Failed)
    }

    fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        let store = self.store.as_ref().ok_or(KvError::Unavailable)?;
        store.set(key, value).map_err(|_| KvError::Failed)
    }
}

impl Variables for SpinPorts {
    /// Only `undefined` reads as absent: every other error (a failing Vault / Key Vault
    /// provider, an unresolved template) is reported, so the core fails closed on it.
    fn variable(&self, name: &str) -> Result<Option<String>, VariableError> {
        use spin_sdk::variables::Error;
        match spin_sdk::variables::get(name) {
            Ok(value) => Ok(Some(value)),
            Err(Error::Undefined(_)) => Ok(None),
            Err(Error::InvalidName(_)) => Err(VariableError::InvalidName),
            Err(Error::Provider(_)) => Err(VariableError::Provider),
            Err(Error::Other(_)) => Err(VariableError::Other),
        }
    }
}

// Clock, randomness and the log use the WASI 0.2 interfaces (`wasi:clocks`, `wasi:random`,
// `wasi:cli/stderr`) that spin-sdk's bindings already import, not std's `SystemTime`,
// `RandomState` and `io::stderr`: those go through WASI preview1 imports, and a module with
// preview1 imports needs the preview1 adapter in its component (about 70 M instructions of
// compile work on every fresh node; README "Cold start").

impl Clock for SpinPorts {
    /// `wasi:clocks/wall-clock.now`: seconds and nanoseconds since the Unix epoch.
    fn now_millis(&self) -> u64 {
        let now = wall_clock::now();
        now.seconds
            .saturating_mul(1000)
            .saturating_add(u64::from(now.nanoseconds / 1_000_000))
    }
}

impl Random for SpinPorts {
    /// `wasi:random/random.get-random-bytes`: the host's cryptographically secure source.
    fn fill(&self, out: &mut [u8]) {
        let bytes = random::get_random_bytes(out.len() as u64);
        for (dst, src) in out.iter_mut().zip(bytes.iter()) {
            *dst = *src;
        }
    }
}

impl Log for SpinPorts {
    fn log_line(&self, line: &str) {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        write_stderr(&bytes);
    }
}

/// Writes one log record to `wasi:cli/stderr` (Spin keeps a component's stderr as its log).
fn write_stderr(bytes: &[u8]) {
    let _ = write_all(&stderr::get_stderr(), bytes);
}

/// Milliseconds on `wasi:clocks/monotonic-clock` (nanoseconds, arbitrary origin).
fn monotonic_millis() -> u64 {
    monotonic_clock::now() / 1_000_000
}

impl HttpClient for SpinPorts {
    fn get(&self, request: &HttpGet<'_>) -> Result<HttpResponse, HttpError> {
        blocking_get(request)
    }
}

fn map_error_code(code: &ErrorCode) -> HttpError {
    match code {
        ErrorCode::DnsTimeout
        | ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => HttpError::Timeout,
        ErrorCode::DnsError(_)
        | ErrorCode::DestinationNotFound
        | ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpProhibited
        | ErrorCode::DestinationIpUnroutable
        | ErrorCode::ConnectionRefused
        | ErrorCode::ConnectionTerminated
        | ErrorCode::ConnectionLimitReached
        | ErrorCode::TlsProtocolError
        | ErrorCode::TlsCertificateError
        | ErrorCode::TlsAlertReceived(_) => HttpError::Connect,
        ErrorCode::HttpRequestDenied => HttpError::Denied,
        ErrorCode::HttpResponseBodySize(_) => HttpError::TooLarge,
        _ => HttpError::Other,
    }
}

fn to_method(method: &str) -> Method {
    match method {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "PATCH" => Method::Patch,
        "HEAD" => Method::Head,
        "OPTIONS" => Method::Options,
        "CONNECT" => Method::Connect,
        "TRACE" => Method::Trace,
        other => Method::Other(other.to_string()),
    }
}

fn method_str(method: &Method) -> String {
    match method {
        Method::Get => "GET".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Patch => "PATCH".into(),
        Method::Head => "HEAD".into(),
        Method::Options => "OPTIONS".into(),
        Method::Connect => "CONNECT".into(),
        Method::Trace => "TRACE".into(),
        Method::Other(o) => o.clone(),
    }
}

fn fields_from(headers: &[(String, Vec<u8>)]) -> Fields {
    let fields = Fields::new();
    for (name, value) in headers {
        // A header the host refuses (forbidden or malformed) is skipped, not fatal.
        let _ = fields.append(name, value);
    }
    fields
}

fn timeout_options(
    connect_ms: u64,
    first_byte_ms: u64,
    between_bytes_ms: Option<u64>,
) -> RequestOptions {
    let options = RequestOptions::new();
    let ns = |ms: u64| ms.saturating_mul(1_000_000);
    let _ = options.set_connect_timeout(Some(ns(connect_ms)));
    let _ = options.set_first_byte_timeout(Some(ns(first_byte_ms)));
    if let Some(ms) = between_bytes_ms {
        let _ = options.set_between_bytes_timeout(Some(ns(ms)));
    }
    options
}

/// Sends a prepared request and waits for the response head.
fn send(
    request: OutgoingRequest,
    options: RequestOptions,
    body: &[u8],
) -> Result<IncomingResponse, HttpError> {
    let outgoing_body = request.body().map_err(|_| HttpError::Other)?;
    let future =
        outgoing_handler::handle(request, Some(options)).map_err(|c| map_error_code(&c))?;
    {
        let stream = outgoing_body.write().map_err(|_| HttpError::Other)?;
        let ok = write_all(&stream, body);
        drop(stream);
        if !ok {
            // The host stopped accepting the body; the response future reports why.
            drop(outgoing_body);
            return wait(future);
        }
    }
    let _ = OutgoingBody::finish(outgoing_body, None);
    wait(future)
}

fn wait(future: FutureIncomingResponse) -> Result<IncomingResponse, HttpError> {
    future.subscribe().block();
    match future.get() {
        Some(Ok(Ok(response))) => Ok(response),
        Some(Ok(Err(code))) => Err(map_error_code(&code)),
        _ => Err(HttpError::Other),
    }
}

fn write_all(stream: &OutputStream, mut data: &[u8]) -> bool {
    while !data.is_empty() {
        let n = data.len().min(WRITE_CHUNK);
        let (head, tail) = data.split_at(n);
        if stream.blocking_write_and_flush(head).is_err() {
            return false;
        }
        data = tail;
    }
    true
}

fn header_value(headers: &[(String, Vec<u8>)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| String::from_utf8(v.clone()).ok())
}

/// One provider-document `GET` (no redirects followed; the core decides).
fn blocking_get(request: &HttpGet<'_>) -> Result<HttpResponse, HttpError> {
    let url = Url::parse(request.url).map_err(|_| HttpError::Other)?;
    let headers = fields_from(&[("accept".into(), b"application/json".to_vec())]);
    let outgoing = OutgoingRequest::new(headers);
    let scheme = match url.scheme() {
        urls::Scheme::Http => Scheme::Http,
        urls::Scheme::Https => Scheme::Https,
    };
    outgoing
        .set_method(&Method::Get)
        .map_err(|_| HttpError::Other)?;
    outgoing
        .set_scheme(Some(&scheme))
        .map_err(|_| HttpError::Other)?;
    outgoing
        .set_authority(Some(&url.authority()))
        .map_err(|_| HttpError::Other)?;
    outgoing
        .set_path_with_query(Some(&url.path_and_query()))
        .map_err(|_| HttpError::Other)?;
    // wasi-http bounds each wait (connect, first byte, between bytes), not the whole exchange:
    // a provider dribbling one byte just inside the idle timeout could hold the request for
    // days. So the deadline is also checked against the monotonic clock once the headers are
    // in and after every chunk, and a body wait is at most one second: a fetch ends by the
    // deadline plus one second once its headers arrived (connect and headers: the timeout each).
    let started = monotonic_millis();
    let elapsed = || monotonic_millis().saturating_sub(started);
    let deadline = request.timeout_ms;
    let options = timeout_options(
        request.timeout_ms,
        request.timeout_ms,
        Some(request.timeout_ms.min(1000)),
    );
    let response = send(outgoing, options, &[])?;
    if elapsed() >= deadline {
        return Err(HttpError::Timeout);
    }

    let status = response.status();
    let headers = response.headers().entries();
    if let Some(len) =
        header_value(&headers, "content-length").and_then(|v| v.trim().parse::<u64>().ok())
    {
        if len > request.max_body_bytes as u64 {
            return Err(HttpError::TooLarge);
        }
    }
    let location = header_value(&headers, "location");
    let reader = IncomingBodyReader::of_response(&response).ok_or(HttpError::Other)?;
    let mut body = Vec::new();
    while let Some(chunk) = reader.read() {
        body.extend_from_slice(&chunk);
        if body.len() > request.max_body_bytes {
            return Err(HttpError::TooLarge);
        }
        if elapsed() >= deadline {
            return Err(HttpError::Timeout);
        }
    }
    if reader.finish_failed() {
        // A between-bytes timeout ends the stream with an error, reported here.
        return Err(if elapsed() >= deadline {
            HttpError::Timeout
        } else {
            HttpError::Other
        });
    }
    Ok(HttpResponse {
        status,
        location,
        body,
    })
}

/// Reads an incoming body (request or response) through blocking reads.
struct IncomingBodyReader {
    stream: Option<InputStream>,
    body: Option<IncomingBody>,
}

impl IncomingBodyReader {
    fn of_request(request: &IncomingRequest) -> Option<IncomingBodyReader> {
        let body = request.consume().ok()?;
        let stream = body.stream().ok()?;
        Some(IncomingBodyReader {
            stream: Some(stream),
            body: Some(body),
        })
    }

    fn of_response(response: &IncomingResponse) -> Option<IncomingBodyReader> {
        let body = response.consume().ok()?;
        let stream = body.stream().ok()?;
        Some(IncomingBodyReader {
            stream: Some(stream),
            body: Some(body),
        })
    }

    /// The next chunk, or `None` at the end of the stream (or on error; see `finish_failed`).
    fn read(&self) -> Option<Vec<u8>> {
        let stream = self.stream.as_ref()?;
        loop {
            match stream.blocking_read(READ_CHUNK) {
                Ok(chunk) if chunk.is_empty() => continue,
                Ok(chunk) => return Some(chunk),
                Err(_) => return None,
            }
        }
    }

    /// Ends the body and reports whether it ended in an error (wasi-http reports body
    /// failures through the trailers future, RFC-free but precise).
    fn finish_failed(mut self) -> bool {
        drop(self.stream.take());
        match self.body.take() {
            Some(body) => {
                let trailers = IncomingBody::finish(body);
                trailers.subscribe().block();
                !matches!(trailers.get(), Some(Ok(Ok(_))))
            }
            None => false,
        }
    }
}

fn write_response(out: ResponseOutparam, response: &Response) {
    let headers: Vec<(String, Vec<u8>)> = response
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
        .collect();
    let outgoing = OutgoingResponse::new(fields_from(&headers));
    let _ = outgoing.set_status_code(response.status);
    let Ok(body) = outgoing.body() else {
        out.set(outgoing);
        return;
    };
    out.set(outgoing);
    if let Ok(stream) = body.write() {
        let _ = write_all(&stream, &response.body);
        drop(stream);
    }
    let _ = OutgoingBody::finish(body, None);
}

fn head_of(request: &IncomingRequest) -> RequestHead {
    RequestHead {
        method: method_str(&request.method()),
        scheme: request.scheme().map(|s| match s {
            Scheme::Http => "http".to_string(),
            Scheme::Https => "https".to_string(),
            Scheme::Other(o) => o,
        }),
        authority: request.authority(),
        path_and_query: request.path_with_query().unwrap_or_else(|| "/".to_string()),
        headers: request.headers().entries(),
    }
}

/// Performs a forward: read the whole body (refused past the cap, before anything is sent),
/// maybe rewrite it, send it, stream the response back.
fn forward(
    ports: &SpinPorts,
    request: IncomingRequest,
    out: ResponseOutparam,
    mut plan: ForwardPlan,
) {
    if let Some(refused) = plan.refuse_before_body() {
        write_response(out, &refused.response);
        plan.finish(ports, refused.response.status, refused.reason);
        return;
    }
    let cap = plan.max_body_bytes();
    let reader = IncomingBodyReader::of_request(&request);
    let mut buffered: Vec<u8> = Vec::new();
    let mut complete = true;
    if let Some(r) = reader {
        while buffered.len() <= cap {
            match r.read() {
                Some(chunk) => buffered.extend_from_slice(&chunk),
                None => break,
            }
        }
        complete = buffered.len() <= cap;
        if complete && r.finish_failed() {
            // The client aborted the upload: nothing sensible to forward.
            write_response(out, &plan.incomplete_body_response());
            plan.finish(ports, 400, "request_body_incomplete");
            return;
        }
        // Over the cap: the reader (and the unread rest) is dropped; the 413 below answers.
    }
    let rewritten = match plan.upstream_body(&buffered, complete) {
        Ok(rewritten) => rewritten,
        Err(refused) => {
            write_response(out, &refused.response);
            plan.finish(ports, refused.response.status, refused.reason);
            return;
        }
    };
    // A list call under a per-tool policy: its answer is filtered on the way back.
    let mut filter = plan.response_filter(&buffered);
    let body: &[u8] = rewritten.as_deref().unwrap_or(&buffered);
    let content_length = if body.is_empty() && plan.original_content_length.is_none() {
        // A body-less request (GET/DELETE): keep what the client said.
        plan.original_content_length
    } else {
        Some(body.len() as u64)
    };

    let outgoing = OutgoingRequest::new(fields_from(&plan.request_headers(content_length)));
    let scheme = match plan.scheme {
        urls::Scheme::Http => Scheme::Http,
        urls::Scheme::Https => Scheme::Https,
    };
    let prepared = outgoing.set_method(&to_method(&plan.method)).is_ok()
        && outgoing.set_scheme(Some(&scheme)).is_ok()
        && outgoing.set_authority(Some(&plan.authority)).is_ok()
        && outgoing
            .set_path_with_query(Some(&plan.path_and_query))
            .is_ok();
    if !prepared {
        let failure = plan.failure_response(UpstreamFailure::Unreachable, &buffered, true);
        write_response(out, &failure);
        plan.finish(ports, failure.status, "upstream_request_invalid");
        return;
    }
    let options = timeout_options(plan.connect_timeout_ms, plan.first_byte_timeout_ms, None);
    let response = match send(outgoing, options, body) {
        Ok(r) => r,
        Err(e) => {
            let failure = match e {
                HttpError::Timeout => UpstreamFailure::Timeout,
                _ => UpstreamFailure::Unreachable,
            };
            let r = plan.failure_response(failure, &buffered, true);
            write_response(out, &r);
            plan.log_mut().detail(e.as_str());
            plan.finish(
                ports,
                r.status,
                if failure == UpstreamFailure::Timeout {
                    "upstream_timeout"
                } else {
                    "upstream_unreachable"
                },
            );
            return;
        }
    };
    drop(request);

    let status = response.status();
    let mut headers = plan.response_headers(&response.headers().entries());
    if let Some(f) = filter.as_mut() {
        if f.start(header_value(&headers, "content-type").as_deref()) {
            // The filtered body has another length: let the host frame it.
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-length"));
        }
    }
    let outgoing = OutgoingResponse::new(fields_from(&headers));
    let _ = outgoing.set_status_code(status);
    let Ok(client_body) = outgoing.body() else {
        out.set(outgoing);
        plan.finish(ports, status, "response_body_unavailable");
        return;
    };
    out.set(outgoing);
    let Ok(client_stream) = client_body.write() else {
        plan.finish(ports, status, "response_body_unavailable");
        return;
    };

    // Stream the upstream body through, chunk by chunk (server-sent events arrive as sent).
    let mut reason = plan_reason(&plan);
    match IncomingBodyReader::of_response(&response) {
        Some(upstream) => {
            let mut client_gone = false;
            let mut filtered = Vec::new();
            while let Some(chunk) = upstream.read() {
                let data: &[u8] = match filter.as_mut() {
                    Some(f) => {
                        filtered.clear();
                        f.feed(&chunk, &mut filtered, plan.log_mut());
                        &filtered
                    }
                    None => &chunk,
                };
                if !write_all(&client_stream, data) {
                    client_gone = true;
                    break;
                }
            }
            // A client that went away ends the relay at once: waiting for the upstream's trailers
            // would hang on an endless event stream (GET /mcp) and the request would never be
            // logged. Dropping the reader (stream, then body) closes the upstream connection.
            let upstream_failed = !client_gone && upstream.finish_failed();
            if let (Some(f), false, false) = (filter.as_mut(), client_gone, upstream_failed) {
                filtered.clear();
                f.finish(&mut filtered, plan.log_mut());
                client_gone = !write_all(&client_stream, &filtered);
            }
            drop(client_stream);
            if client_gone {
                reason = "client_disconnected";
                drop(client_body);
            } else if upstream_failed {
                // Leave the client body unfinished: the host signals an incomplete response.
                reason = "upstream_body_failed";
                drop(client_body);
            } else {
                let _ = OutgoingBody::finish(client_body, None);
            }
        }
        None => {
            drop(client_stream);
            let _ = OutgoingBody::finish(client_body, None);
        }
    }
    drop(response);
    plan.finish(ports, status, reason);
}

fn plan_reason(plan: &ForwardPlan) -> &'static str {
    if plan.auth_context().is_some() {
        "forwarded"
    } else {
        "forwarded_unauthenticated"
    }
}

/// The component's one export, `wasi:http/incoming-handler@0.2.0` (the `wasi` crate's
/// `proxy::export!`, which also embeds that world's component type). It calls [`handle`]
/// directly: spin-sdk's `#[http_component]` would wrap it in its async executor (a poll loop,
/// wakers, a mutex, the `wasi:io/poll.poll` import), which a handler that blocks on its own
/// pollables never needs.
struct Component;

impl wasi::exports::http::incoming_handler::Guest for Component {
    fn handle(
        request: wasi::http::types::IncomingRequest,
        response_out: wasi::http::types::ResponseOutparam,
    ) {
        // Static constructors, once, as spin-sdk's own export does: calling them explicitly
        // tells wasm-ld this reactor runs them itself, so it does not wrap every export
        // (`cabi_realloc` included) in constructor and destructor calls.
        spin_sdk::wit_bindgen::rt::run_ctors_once();
        // The same `wasi:http/types@0.2.0` resources, owned: each handle moves to spin-sdk's
        // binding of the type. `forget`, not `take_handle`: the wasi crate's drop code (and its
        // `[resource-drop]response-outparam` import) is then not linked at all.
        let (request_handle, out_handle) = (request.handle(), response_out.handle());
        core::mem::forget(request);
        core::mem::forget(response_out);
        // SAFETY: each handle is owned and, after the `forget`s, by nothing else.
        let (request, out) = unsafe {
            (
                IncomingRequest::from_handle(request_handle),
                ResponseOutparam::from_handle(out_handle),
            )
        };
        handle(request, out);
    }
}

wasi::http::proxy::export!(Component);

fn handle(request: IncomingRequest, out: ResponseOutparam) {
    let ports = SpinPorts::open();
    let head = head_of(&request);
    match gateway::handle(&ports, &head) {
        Decision::Respond(response) => write_response(out, &response),
        Decision::Forward(plan) => forward(&ports, request, out, *plan),
    }
}
