//! One structured JSON log line per request.
//!
//! The line carries the trace id, route, status, a fixed reason, the provider, the subject and
//! the duration, plus counters and warnings. It never carries a token, a key, or any header
//! value other than the trace id: every field is either a `&'static str` chosen by the code, a
//! number, or a value that already passed validation (trace id, provider name, `sub`).

/// Accumulates what happened during one request; rendered once with [`RequestLog::render`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestLog {
    started_ms: u64,
    trace_id: String,
    method: String,
    route: &'static str,
    reason: &'static str,
    variable: Option<&'static str>,
    config_detail: Option<String>,
    provider: Option<String>,
    sub: Option<String>,
    auth_disabled: bool,
    jwks_fetches: u32,
    kid_miss: Option<bool>,
    warnings: Vec<&'static str>,
    details: Vec<&'static str>,
}

impl RequestLog {
    /// Starts a record at `started_ms` for a request with `method`.
    pub fn new(started_ms: u64, method: &str) -> RequestLog {
        let method = if method.len() <= 16 && method.bytes().all(|b| b.is_ascii_alphabetic()) {
            method.to_string()
        } else {
            "OTHER".to_string()
        };
        RequestLog {
            started_ms,
            method,
            route: "unknown",
            reason: "",
            ..RequestLog::default()
        }
    }

    /// Sets the trace id (already validated or generated).
    pub fn set_trace_id(&mut self, trace_id: &str) {
        self.trace_id = trace_id.to_string();
    }

    /// Sets the route name (`preflight`, `protected_resource_metadata`, ...).
    pub fn set_route(&mut self, route: &'static str) {
        self.route = route;
    }

    /// Sets the outcome's fixed reason.
    pub fn set_reason(&mut self, reason: &'static str) {
        self.reason = reason;
    }

    /// The reason set so far.
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// A configuration fault's full text (which item of which variable, and what is wrong).
    pub fn set_config_detail(&mut self, detail: String) {
        self.config_detail = Some(detail);
    }

    /// The configuration variable at fault.
    pub fn set_variable(&mut self, variable: &'static str) {
        self.variable = Some(variable);
    }

    /// Records the provider that handled the token.
    pub fn set_provider(&mut self, provider: &str) {
        self.provider = Some(provider.to_string());
    }

    /// Records the verified subject.
    pub fn set_sub(&mut self, sub: Option<&str>) {
        self.sub = sub.map(|s| s.chars().take(256).collect());
    }

    /// Marks the request as passed through with authentication disabled.
    pub fn set_auth_disabled(&mut self) {
        self.auth_disabled = true;
        self.warn("auth_disabled");
    }

    /// Adds a warning (deduplicated).
    pub fn warn(&mut self, warning: &'static str) {
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    /// Adds a diagnostic detail (deduplicated), e.g. why a fetch failed.
    pub fn detail(&mut self, detail: &'static str) {
        if !self.details.contains(&detail) {
            self.details.push(detail);
        }
    }

    /// Counts one outbound provider fetch.
    pub fn count_fetch(&mut self) {
        self.jwks_fetches += 1;
    }

    /// Records an unknown `kid` and whether it triggered a refetch.
    pub fn note_kid_miss(&mut self, refetched: bool) {
        self.kid_miss = Some(refetched);
    }

    /// The warnings so far.
    pub fn warnings(&self) -> &[&'static str] {
        &self.warnings
    }

    /// Renders the JSON line for a response with `status`, finished at `now_ms`.
    pub fn render(&self, status: u16, now_ms: u64) -> String {
        let level = if status >= 500 {
            "error"
        } else if !self.warnings.is_empty() {
            "warn"
        } else {
            "info"
        };
        let mut out = String::with_capacity(256);
        out.push_str("{\"level\":\"");
        out.push_str(level);
        out.push_str("\",\"ts_ms\":");
        out.push_str(&self.started_ms.to_string());
        push_field(&mut out, "trace_id", &self.trace_id);
        push_field(&mut out, "method", &self.method);
        push_field(&mut out, "route", self.route);
        out.push_str(",\"status\":");
        out.push_str(&status.to_string());
        push_field(&mut out, "reason", self.reason);
        if let Some(v) = self.variable {
            push_field(&mut out, "variable", v);
        }
        if let Some(d) = &self.config_detail {
            push_field(&mut out, "config_detail", d);
        }
        if let Some(p) = &self.provider {
            push_field(&mut out, "provider", p);
        }
        if let Some(s) = &self.sub {
            push_field(&mut out, "sub", s);
        }
        if self.auth_disabled {
            push_field(&mut out, "auth", "DISABLED");
        }
        out.push_str(",\"duration_ms\":");
        out.push_str(&now_ms.saturating_sub(self.started_ms).to_string());
        if self.jwks_fetches > 0 {
            out.push_str(",\"jwks_fetches\":");
            out.push_str(&self.jwks_fetches.to_string());
        }
        if let Some(refetched) = self.kid_miss {
            out.push_str(",\"kid_miss\":");
            out.push_str(if refetched {
                "\"refetched\""
            } else {
                "\"cooldown\""
            });
        }
        push_list(&mut out, "warnings", &self.warnings);
        push_list(&mut out, "details", &self.details);
        out.push('}');
        out
    }
}

fn push_field(out: &mut String, name: &str, value: &str) {
    out.push_str(",\"");
    out.push_str(name);
    out.push_str("\":");
    push_json_string(out, value);
}

fn push_list(out: &mut String, name: &str, items: &[&str]) {
    if items.is_empty() {
        return;
    }
    out.push_str(",\"");
    out.push_str(name);
    out.push_str("\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(out, item);
    }
    out.push(']');
}

/// Appends `s` as a JSON string (RFC 8259 §7), escaping quotes, backslashes and controls.
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{2028}' || c == '\u{2029}' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let n = c as u32;
                out.push_str("\\u");
                for shift in [12u32, 8, 4, 0] {
                    let d = ((n >> shift) & 0xf) as usize;
                    out.push(char::from(*HEX.get(d).unwrap_or(&b'0')));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn renders_valid_json_with_escapes() {
        let mut log = RequestLog::new(1000, "POST");
        log.set_trace_id("abc");
        log.set_route("mcp");
        log.set_reason("forwarded");
        log.set_provider("authkit");
        log.set_sub(Some("user\"1\n\u{1}"));
        log.warn("jwks_stale");
        log.warn("jwks_stale");
        log.count_fetch();
        log.note_kid_miss(false);
        let line = log.render(200, 1012);
        let v: ::json::Value = ::json::from_str(&line).unwrap();
        assert_eq!(v["level"], "warn");
        assert_eq!(v["trace_id"], "abc");
        assert_eq!(v["status"], 200);
        assert_eq!(v["sub"], "user\"1\n\u{1}");
        assert_eq!(v["duration_ms"], 12);
        assert_eq!(v["jwks_fetches"], 1);
        assert_eq!(v["kid_miss"], "cooldown");
        assert_eq!(v["warnings"], ::json::json!(["jwks_stale"]));
        assert!(!line.contains('\n'));
    }

    #[test]
    fn hostile_method_is_not_echoed() {
        let log = RequestLog::new(0, "GET\"}{");
        assert!(log.render(400, 0).contains("\"method\":\"OTHER\""));
    }

    #[test]
    fn server_errors_are_error_level() {
        let mut log = RequestLog::new(0, "GET");
        log.set_variable("auth_provider_issuer");
        let v: ::json::Value = ::json::from_str(&log.render(500, 0)).unwrap();
        assert_eq!(v["level"], "error");
        assert_eq!(v["variable"], "auth_provider_issuer");
    }
}
