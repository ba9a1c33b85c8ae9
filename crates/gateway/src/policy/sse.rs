//! Filtering a `text/event-stream` list response event by event, keeping it streaming.
//!
//! The upstream's bytes are fed in as they arrive ([`SseFilter::feed`]); every complete event
//! is written out at once, so a stream of progress notifications followed by the result keeps
//! its timing. Events are split as the WHATWG HTML Standard §9.2.6 ("Interpreting an event
//! stream") splits them: lines end at CRLF, LF or CR; an empty line ends the event; `data`
//! lines are joined with LF; one leading U+FEFF of the stream is ignored. An event whose
//! joined `data` is a JSON-RPC list result is filtered ([`super::list_filter`]) and re-emitted
//! as its other lines (`id`, `event`, `retry`, comments) plus one `data:` line; every other
//! event — notifications, events without data, events with a type other than `message` (MCP
//! clients only read `message` events) — passes byte for byte.
//!
//! An event larger than the bound, or whose data cannot be parsed, passes unfiltered if the
//! policy's default is `allow` and is dropped if it is `deny`; either way the caller learns
//! why ([`Unfilterable`]) to log it.

use super::list_filter::{filter_bytes, DropReason};
use super::matcher::Caller;
use super::syntax::Policy;

/// A bound on one buffered event: 1 MiB (a list of a few thousand tools).
pub const DEFAULT_MAX_EVENT_BYTES: usize = 1 << 20;

const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// An event that could not be filtered: whether it was dropped (default `deny`) or passed
/// as received (default `allow`), and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unfilterable {
    /// Why it could not be filtered.
    pub reason: DropReason,
    /// `true`: not sent to the client; `false`: sent unfiltered.
    pub dropped: bool,
}

/// Where the bytes of the current event go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Buffered until the event ends, then parsed.
    Buffer,
    /// Too large, default allow: copied to the output as they come.
    Pass,
    /// Too large, default deny: discarded.
    Discard,
}

/// The streaming filter for one response. Holds no borrow, so it can live across `await`s;
/// the policy and caller are passed to each call.
#[derive(Debug)]
pub struct SseFilter {
    max_event_bytes: usize,
    event: Vec<u8>,
    mode: Mode,
    /// Bytes on the current line so far (an empty line ends the event).
    line_len: usize,
    /// The last byte was a CR: an LF right after it completes the same line ending.
    after_cr: bool,
    /// The CR ended an event: `Some(true)` if an LF after it is to be copied out (the event
    /// went out byte for byte), `Some(false)` if not (rewritten or dropped).
    cr_ended_event: Option<bool>,
    /// How many bytes of a leading BOM were read.
    bom_seen: usize,
    /// The stream may still be reading a leading BOM.
    bom_open: bool,
    /// The current event is the stream's first (a BOM may precede it).
    first_event: bool,
    dropped: usize,
}

impl SseFilter {
    /// A filter buffering at most `max_event_bytes` of one event (see
    /// [`DEFAULT_MAX_EVENT_BYTES`]).
    pub fn new(max_event_bytes: usize) -> SseFilter {
        SseFilter {
            max_event_bytes,
            event: Vec::new(),
            mode: Mode::Buffer,
            line_len: 0,
            after_cr: false,
            cr_ended_event: None,
            bom_seen: 0,
            bom_open: true,
            first_event: true,
            dropped: 0,
        }
    }

    /// How many events were dropped so far.
    pub fn dropped_events(&self) -> usize {
        self.dropped
    }

    /// Takes the next `chunk` from the upstream and appends to `out` what the client gets
    /// now. Returns the first event of this chunk that could not be filtered, if any.
    pub fn feed(
        &mut self,
        chunk: &[u8],
        policy: &Policy<'_>,
        caller: Caller<'_>,
        out: &mut Vec<u8>,
    ) -> Option<Unfilterable> {
        let mut first = None;
        for &b in chunk {
            if self.after_cr {
                self.after_cr = false;
                let ended = self.cr_ended_event.take();
                if b == b'\n' {
                    match ended {
                        Some(true) => out.push(b),
                        Some(false) => {}
                        None => self.push(b, policy, out, &mut first),
                    }
                    continue;
                }
            }
            if self.bom_open {
                if BOM.get(self.bom_seen) == Some(&b) {
                    self.bom_seen += 1;
                    self.bom_open = self.bom_seen < BOM.len();
                    self.push(b, policy, out, &mut first);
                    continue;
                }
                // Not a BOM after all: what was taken for one is line content.
                self.bom_open = false;
                self.line_len = core::mem::take(&mut self.bom_seen);
            }
            self.push(b, policy, out, &mut first);
            if b == b'\r' || b == b'\n' {
                self.after_cr = b == b'\r';
                if self.line_len == 0 {
                    let emitted_raw = self.end_event(policy, caller, out, true, &mut first);
                    if self.after_cr {
                        self.cr_ended_event = Some(emitted_raw);
                    }
                }
                self.line_len = 0;
            } else {
                self.line_len += 1;
            }
        }
        first
    }

    /// The upstream's body ended: an unterminated last event (which a conforming client
    /// would not dispatch, WHATWG §9.2.6) goes out as it came, or filtered and still
    /// unterminated, or not at all.
    pub fn finish(
        &mut self,
        policy: &Policy<'_>,
        caller: Caller<'_>,
        out: &mut Vec<u8>,
    ) -> Option<Unfilterable> {
        let mut first = None;
        if self.mode == Mode::Buffer && !self.event.is_empty() {
            self.end_event(policy, caller, out, false, &mut first);
        }
        self.event = Vec::new();
        first
    }

    fn push(
        &mut self,
        b: u8,
        policy: &Policy<'_>,
        out: &mut Vec<u8>,
        first: &mut Option<Unfilterable>,
    ) {
        match self.mode {
            Mode::Pass => out.push(b),
            Mode::Discard => {}
            Mode::Buffer => {
                self.event.push(b);
                if self.event.len() > self.max_event_bytes {
                    let dropped = !policy.default_allow;
                    if dropped {
                        self.dropped += 1;
                        self.mode = Mode::Discard;
                    } else {
                        out.extend_from_slice(&self.event);
                        self.mode = Mode::Pass;
                    }
                    self.event.clear();
                    first.get_or_insert(Unfilterable {
                        reason: DropReason::EventTooLarge,
                        dropped,
                    });
                }
            }
        }
    }

    /// Ends the current event; returns whether it went out byte for byte.
    fn end_event(
        &mut self,
        policy: &Policy<'_>,
        caller: Caller<'_>,
        out: &mut Vec<u8>,
        terminated: bool,
        first: &mut Option<Unfilterable>,
    ) -> bool {
        let mode = core::mem::replace(&mut self.mode, Mode::Buffer);
        let skip = if core::mem::replace(&mut self.first_event, false) {
            self.bom_seen
        } else {
            0
        };
        self.bom_seen = 0;
        self.bom_open = false;
        let raw = core::mem::take(&mut self.event);
        let emitted_raw = match mode {
            Mode::Pass => true,
            Mode::Discard => false,
            Mode::Buffer => self.process(&raw, skip, policy, caller, out, terminated, first),
        };
        // Keep the allocation for the next event.
        self.event = raw;
        self.event.clear();
        emitted_raw
    }

    #[allow(clippy::too_many_arguments)]
    fn process(
        &mut self,
        raw: &[u8],
        skip: usize,
        policy: &Policy<'_>,
        caller: Caller<'_>,
        out: &mut Vec<u8>,
        terminated: bool,
        first: &mut Option<Unfilterable>,
    ) -> bool {
        let text = raw.get(skip..).unwrap_or_default();
        let mut data: Vec<u8> = Vec::new();
        let mut other_type = false;
        for line in lines(text) {
            let (field, value) = field(line);
            match field {
                b"data" => {
                    data.extend_from_slice(value);
                    data.push(b'\n');
                }
                b"event" => other_type = !value.is_empty() && value != b"message",
                _ => {}
            }
        }
        data.pop();
        // No data, or empty data (the 2025-11-25 priming event: an `id` and an empty `data`),
        // carries no JSON-RPC message to filter.
        if other_type || data.trim_ascii().is_empty() {
            out.extend_from_slice(raw);
            return true;
        }
        let value = match filter_bytes(&data, policy, caller) {
            Ok(None) => {
                out.extend_from_slice(raw);
                return true;
            }
            Ok(Some(value)) => ::json::to_vec(&value).map_err(|_| DropReason::Unparseable),
            Err(reason) => Err(reason),
        };
        match value {
            Ok(json) => {
                for line in lines(text).filter(|l| field(l).0 != b"data") {
                    out.extend_from_slice(line);
                    out.push(b'\n');
                }
                out.extend_from_slice(b"data: ");
                out.extend_from_slice(&json);
                out.extend_from_slice(if terminated { b"\n\n" } else { b"\n" });
                false
            }
            Err(reason) => {
                let dropped = !policy.default_allow;
                first.get_or_insert(Unfilterable { reason, dropped });
                if dropped {
                    self.dropped += 1;
                    false
                } else {
                    out.extend_from_slice(raw);
                    true
                }
            }
        }
    }
}

/// The non-empty lines of an event (ends: CRLF, LF or CR).
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|&b| b == b'\r' || b == b'\n')
        .filter(|l| !l.is_empty())
}

/// A line's field name and value: a comment (`:…`) has an empty name; the value loses one
/// leading space (WHATWG §9.2.6 "process the field").
fn field(line: &[u8]) -> (&[u8], &[u8]) {
    match line.iter().position(|&b| b == b':') {
        Some(0) => (b"", line),
        Some(i) => {
            let (name, rest) = line.split_at(i);
            let value = rest.get(1..).unwrap_or_default();
            (name, value.strip_prefix(b" ").unwrap_or(value))
        }
        None => (line, b""),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::policy::ScopeHierarchy;
    use ::json::{Map, Value};

    const LIST: &str = r#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_file"},{"name":"write_file"}]}}"#;
    // Members keep their document order (crates/json maps are insertion-ordered).
    const FILTERED: &str = r#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_file"}]}}"#;

    /// Feeds `stream` in chunks of `size` bytes; returns the output and the faults seen.
    fn run(stream: &[u8], size: usize, policy: &str, max: usize) -> (Vec<u8>, Vec<Unfilterable>) {
        let p = Policy::parse("auth_policy", policy).unwrap();
        let token = vec!["mcp:read".to_string()];
        let granted = ScopeHierarchy::default().expand(&token);
        let claims = Map::new();
        let caller = Caller {
            scopes: &granted,
            claims: &claims,
        };
        let mut f = SseFilter::new(max);
        let (mut out, mut faults) = (Vec::new(), Vec::new());
        for chunk in stream.chunks(size) {
            faults.extend(f.feed(chunk, &p, caller, &mut out));
        }
        faults.extend(f.finish(&p, caller, &mut out));
        (out, faults)
    }

    const DENY: &str = "tools/call:write_* -> mcp:write; tools/call -> mcp:read";
    const ALLOW: &str = "tools/call:write_* -> mcp:write; default allow";

    fn s(b: &[u8]) -> &str {
        core::str::from_utf8(b).unwrap()
    }

    #[test]
    fn list_result_event_is_filtered_at_every_chunking_and_line_ending() {
        for eol in ["\n", "\r\n", "\r"] {
            let stream = format!(
                ": keepalive{eol}event: message{eol}id: 7{eol}data: {LIST}{eol}{eol}data: {{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}}{eol}{eol}"
            );
            let expected_rest = format!(
                "data: {{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}}{eol}{eol}"
            );
            for size in [1, 2, 3, 7, 64, 4096] {
                let (out, faults) = run(stream.as_bytes(), size, DENY, DEFAULT_MAX_EVENT_BYTES);
                assert!(faults.is_empty());
                let expected = format!(
                    ": keepalive\nevent: message\nid: 7\ndata: {FILTERED}\n\n{expected_rest}"
                );
                assert_eq!(s(&out), expected, "eol {eol:?} size {size}");
            }
        }
    }

    #[test]
    fn multi_line_data_is_joined_before_parsing() {
        let stream = "data: {\"jsonrpc\":\"2.0\",\"id\":1,\ndata:\"result\":{\"tools\":[{\"name\":\"write_file\"}]}}\n\n";
        let (out, _) = run(stream.as_bytes(), 5, DENY, DEFAULT_MAX_EVENT_BYTES);
        let v: Value =
            ::json::from_str(s(&out).strip_prefix("data: ").unwrap().trim_end()).unwrap();
        assert_eq!(v["result"]["tools"], ::json::json!([]));
    }

    #[test]
    fn other_events_pass_byte_for_byte() {
        let stream = "id: 1\ndata:\n\nevent: endpoint\ndata: /x\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\r\n\r\n: c\n\n";
        for size in [1, 4, 100] {
            let (out, faults) = run(stream.as_bytes(), size, DENY, DEFAULT_MAX_EVENT_BYTES);
            assert_eq!((s(&out), faults.len()), (stream, 0));
        }
    }

    #[test]
    fn bom_prefixed_stream_cannot_smuggle_an_unfiltered_list() {
        let stream = format!("\u{feff}data: {LIST}\n\n");
        for size in [1, 2, 100] {
            let (out, _) = run(stream.as_bytes(), size, DENY, DEFAULT_MAX_EVENT_BYTES);
            assert_eq!(s(&out), format!("data: {FILTERED}\n\n"), "size {size}");
        }
    }

    #[test]
    fn non_json_list_event_is_dropped_under_deny_and_passed_under_allow() {
        let stream =
            "data: {not json\n\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}\n\n";
        let (out, faults) = run(stream.as_bytes(), 3, DENY, DEFAULT_MAX_EVENT_BYTES);
        assert_eq!(
            s(&out),
            "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}\n\n"
        );
        assert_eq!(
            faults,
            [Unfilterable {
                reason: DropReason::Unparseable,
                dropped: true
            }]
        );
        let (out, faults) = run(stream.as_bytes(), 3, ALLOW, DEFAULT_MAX_EVENT_BYTES);
        assert_eq!(s(&out), stream);
        assert_eq!(
            faults,
            [Unfilterable {
                reason: DropReason::Unparseable,
                dropped: false
            }]
        );
    }

    #[test]
    fn oversized_event_is_bounded() {
        let stream = format!("data: {LIST}\n\ndata: {{\"jsonrpc\":\"2.0\",\"method\":\"n\"}}\n\n");
        let (out, faults) = run(stream.as_bytes(), 10, DENY, 40);
        // The list event is over 40 bytes: dropped; the short notification passes.
        assert_eq!(s(&out), "data: {\"jsonrpc\":\"2.0\",\"method\":\"n\"}\n\n");
        assert_eq!(
            faults,
            [Unfilterable {
                reason: DropReason::EventTooLarge,
                dropped: true
            }]
        );
        let (out, faults) = run(stream.as_bytes(), 10, ALLOW, 40);
        assert_eq!(s(&out), stream);
        assert!(!faults[0].dropped);
    }

    #[test]
    fn unterminated_last_event_is_filtered_but_stays_unterminated() {
        let stream = format!("data: {LIST}\n");
        let (out, _) = run(stream.as_bytes(), 8, DENY, DEFAULT_MAX_EVENT_BYTES);
        assert_eq!(s(&out), format!("data: {FILTERED}\n"));
        let (out, _) = run(b"data: x", 8, ALLOW, DEFAULT_MAX_EVENT_BYTES);
        assert_eq!(s(&out), "data: x");
    }

    #[test]
    fn events_are_emitted_as_soon_as_they_end() {
        let p = Policy::parse("auth_policy", DENY).unwrap();
        let token = vec!["mcp:read".to_string()];
        let granted = ScopeHierarchy::default().expand(&token);
        let claims = Map::new();
        let caller = Caller {
            scopes: &granted,
            claims: &claims,
        };
        let mut f = SseFilter::new(DEFAULT_MAX_EVENT_BYTES);
        let mut out = Vec::new();
        f.feed(
            b"data: {\"jsonrpc\":\"2.0\",\"method\":\"p\"}\n",
            &p,
            caller,
            &mut out,
        );
        assert!(out.is_empty());
        f.feed(b"\ndata: {", &p, caller, &mut out);
        assert_eq!(s(&out), "data: {\"jsonrpc\":\"2.0\",\"method\":\"p\"}\n\n");
    }
}
