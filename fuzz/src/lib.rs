//! Shared fixtures for the fuzz targets: the fixed key set, an Ed25519 signer (so fuzzed claims
//! reach the checks that run only after a valid signature), fake ports for the gateway, and the
//! invariants every target asserts.
//!
//! Everything here is deterministic: the same input always takes the same path.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::OnceLock;

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use gateway::ports::{
    Clock, HttpClient, HttpError, HttpGet, HttpResponse, KeyValue, KvError, Log, Random,
    VariableError, Variables,
};
use jose::KeySet;
use ring::signature::Ed25519KeyPair;

/// The fixture JWK Set (rsa-2048, ec-p256, ec-p384, ed25519): TEST-ONLY public keys.
pub const JWKS_JSON: &str = include_str!("../../tests/fixtures/keys/jwks.json");
/// The TEST-ONLY Ed25519 private key (PKCS#8 v1 PEM) whose public half is `ed25519` in the set.
const ED25519_PEM: &str = include_str!("../../tests/fixtures/keys/ed25519.pem");

/// 2023-11-14T22:13:20Z, the fixed "now" of every target.
pub const NOW: u64 = 1_700_000_000;
/// The AuthKit issuer the gateway target configures (JWKS at `{ISSUER}/oauth2/jwks`).
pub const ISSUER: &str = "https://tenant.authkit.app";
pub const JWKS_URL: &str = "https://tenant.authkit.app/oauth2/jwks";
/// A second, OIDC provider whose JWKS URI is discovered.
pub const OIDC_ISSUER: &str = "https://idp.example.com";
pub const OIDC_DISCOVERY_URL: &str = "https://idp.example.com/.well-known/openid-configuration";
pub const OIDC_JWKS_URL: &str = "https://idp.example.com/jwks";
/// `auth_resource_url`, hence the audience both providers accept.
pub const RESOURCE: &str = "https://mcp.example.com/mcp";

/// The fixture key set, parsed once.
pub fn fixed_keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::from_jwks_json(JWKS_JSON.as_bytes()).expect("fixture JWKS parses"))
}

fn ed25519() -> &'static Ed25519KeyPair {
    static KEY: OnceLock<Ed25519KeyPair> = OnceLock::new();
    KEY.get_or_init(|| {
        let body: String = ED25519_PEM
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = Base64::decode_vec(&body).expect("PEM body");
        // PKCS#8 v1 for Ed25519 ends with the 32-byte seed.
        Ed25519KeyPair::from_seed_unchecked(&der[der.len() - 32..]).expect("seed")
    })
}

/// `BASE64URL(header).BASE64URL(payload).BASE64URL(Ed25519 signature)`, signed with the fixture
/// key whatever the header says (Ed25519 signatures are deterministic).
pub fn sign_ed25519(header: &[u8], payload: &[u8]) -> String {
    let signing_input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header),
        Base64UrlUnpadded::encode_string(payload)
    );
    let signature = ed25519().sign(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        Base64UrlUnpadded::encode_string(signature.as_ref())
    )
}

/// Splits `data` at the first `sep` (the rest is empty when there is none).
pub fn split_at_byte(data: &[u8], sep: u8) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == sep) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// RFC 9110 §5.6.2 token (a valid field name).
pub fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A field value this gateway may emit: no CR, LF, NUL or other controls but HTAB (RFC 9110 §5.5).
pub fn is_safe_field_value(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// One scripted outbound response.
#[derive(Clone, Debug)]
pub enum Scripted {
    Ok(HttpResponse),
    Err(HttpError),
}

/// Every port in one struct; KV and HTTP are scripted by the target.
#[derive(Default)]
pub struct World {
    pub vars: HashMap<String, String>,
    pub kv: RefCell<HashMap<String, Vec<u8>>>,
    /// When set, every `kv_get` returns these bytes (a damaged or poisoned store).
    pub kv_override: Option<Vec<u8>>,
    pub kv_broken: bool,
    pub now_ms: Cell<u64>,
    pub routes: HashMap<String, Scripted>,
    pub fetches: Cell<usize>,
    pub logs: RefCell<Vec<String>>,
    pub random: Cell<u8>,
}

impl World {
    pub fn new() -> World {
        let w = World::default();
        w.now_ms.set(NOW * 1000);
        w
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_string(), value.to_string());
    }

    pub fn serve(&mut self, url: &str, status: u16, location: Option<String>, body: Vec<u8>) {
        self.routes.insert(
            url.to_string(),
            Scripted::Ok(HttpResponse {
                status,
                location,
                body,
            }),
        );
    }
}

impl KeyValue for World {
    fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        if self.kv_broken {
            return Err(KvError::Failed);
        }
        if let Some(bytes) = &self.kv_override {
            return Ok(Some(bytes.clone()));
        }
        Ok(self.kv.borrow().get(key).cloned())
    }
    fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        if self.kv_broken {
            return Err(KvError::Failed);
        }
        self.kv.borrow_mut().insert(key.to_string(), value.to_vec());
        Ok(())
    }
}

impl Variables for World {
    fn variable(&self, name: &str) -> Result<Option<String>, VariableError> {
        Ok(self.vars.get(name).cloned())
    }
}

impl Clock for World {
    fn now_millis(&self) -> u64 {
        self.now_ms.get()
    }
}

impl Random for World {
    fn fill(&self, out: &mut [u8]) {
        for b in out.iter_mut() {
            self.random.set(self.random.get().wrapping_add(1));
            *b = self.random.get();
        }
    }
}

impl Log for World {
    fn log_line(&self, line: &str) {
        // Each line must be one JSON object: logs are parsed downstream.
        assert!(
            !line.contains('\n'),
            "log line contains a newline: {line:?}"
        );
        assert!(
            serde_json::from_str::<serde_json::Value>(line)
                .map(|v| v.is_object())
                .unwrap_or(false),
            "log line is not a JSON object: {line:?}"
        );
        self.logs.borrow_mut().push(line.to_string());
    }
}

impl HttpClient for World {
    fn get(&self, request: &HttpGet<'_>) -> Result<HttpResponse, HttpError> {
        self.fetches.set(self.fetches.get() + 1);
        match self.routes.get(request.url) {
            Some(Scripted::Ok(r)) if r.body.len() > request.max_body_bytes => {
                Err(HttpError::TooLarge)
            }
            Some(Scripted::Ok(r)) => Ok(r.clone()),
            Some(Scripted::Err(e)) => Err(*e),
            None => Err(HttpError::Connect),
        }
    }
}

/// An independent, deliberately lenient JSON reader: the view of an MCP server's parser, not
/// this crate's. It keeps every member of an object in order (so both "first wins" and "last
/// wins" readers are covered), accepts numbers of any magnitude and lone surrogate escapes
/// (as JavaScript's `JSON.parse` and Python's `json` do), and nests up to [`json_oracle::MAX_DEPTH`].
pub mod json_oracle {
    /// A JSON value with all object members kept.
    #[derive(Debug, Clone, PartialEq)]
    pub enum J {
        Null,
        Bool(bool),
        /// The number's source text.
        Num(String),
        /// Lone surrogates become U+FFFD.
        Str(String),
        Arr(Vec<J>),
        Obj(Vec<(String, J)>),
    }

    /// Deeper documents are left undecided (`None`).
    pub const MAX_DEPTH: usize = 1000;

    /// Parses one JSON text (surrounding whitespace allowed); `None` if it is not JSON or nests
    /// deeper than [`MAX_DEPTH`].
    pub fn parse_unbounded(bytes: &[u8]) -> Option<J> {
        let mut p = P { b: bytes, i: 0 };
        p.ws();
        let v = p.value(0)?;
        p.ws();
        (p.i == bytes.len()).then_some(v)
    }

    struct P<'a> {
        b: &'a [u8],
        i: usize,
    }

    impl P<'_> {
        fn peek(&self) -> Option<u8> {
            self.b.get(self.i).copied()
        }
        fn ws(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.i += 1;
            }
        }
        fn eat(&mut self, lit: &[u8]) -> Option<()> {
            if self.b.get(self.i..self.i + lit.len())? == lit {
                self.i += lit.len();
                Some(())
            } else {
                None
            }
        }
        fn value(&mut self, depth: usize) -> Option<J> {
            if depth > MAX_DEPTH {
                return None;
            }
            match self.peek()? {
                b'n' => self.eat(b"null").map(|()| J::Null),
                b't' => self.eat(b"true").map(|()| J::Bool(true)),
                b'f' => self.eat(b"false").map(|()| J::Bool(false)),
                b'"' => self.string().map(J::Str),
                b'[' => {
                    self.i += 1;
                    let mut items = Vec::new();
                    self.ws();
                    if self.peek()? == b']' {
                        self.i += 1;
                        return Some(J::Arr(items));
                    }
                    loop {
                        self.ws();
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.peek()? {
                            b',' => self.i += 1,
                            b']' => {
                                self.i += 1;
                                return Some(J::Arr(items));
                            }
                            _ => return None,
                        }
                    }
                }
                b'{' => {
                    self.i += 1;
                    let mut members = Vec::new();
                    self.ws();
                    if self.peek()? == b'}' {
                        self.i += 1;
                        return Some(J::Obj(members));
                    }
                    loop {
                        self.ws();
                        if self.peek()? != b'"' {
                            return None;
                        }
                        let name = self.string()?;
                        self.ws();
                        self.eat(b":")?;
                        self.ws();
                        members.push((name, self.value(depth + 1)?));
                        self.ws();
                        match self.peek()? {
                            b',' => self.i += 1,
                            b'}' => {
                                self.i += 1;
                                return Some(J::Obj(members));
                            }
                            _ => return None,
                        }
                    }
                }
                b'-' | b'0'..=b'9' => self.number(),
                _ => None,
            }
        }
        fn number(&mut self) -> Option<J> {
            let start = self.i;
            if self.peek() == Some(b'-') {
                self.i += 1;
            }
            match self.peek()? {
                b'0' => self.i += 1,
                b'1'..=b'9' => self.digits(),
                _ => return None,
            }
            if self.peek() == Some(b'.') {
                self.i += 1;
                if !self.peek()?.is_ascii_digit() {
                    return None;
                }
                self.digits();
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                self.i += 1;
                if matches!(self.peek(), Some(b'+' | b'-')) {
                    self.i += 1;
                }
                if !self.peek()?.is_ascii_digit() {
                    return None;
                }
                self.digits();
            }
            Some(J::Num(
                String::from_utf8(self.b[start..self.i].to_vec()).ok()?,
            ))
        }
        fn digits(&mut self) {
            while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                self.i += 1;
            }
        }
        fn hex4(&mut self) -> Option<u32> {
            let s = core::str::from_utf8(self.b.get(self.i..self.i + 4)?).ok()?;
            if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            self.i += 4;
            u32::from_str_radix(s, 16).ok()
        }
        fn string(&mut self) -> Option<String> {
            self.i += 1; // opening quote
            let mut out = String::new();
            loop {
                let start = self.i;
                while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                    self.i += 1;
                }
                out.push_str(core::str::from_utf8(&self.b[start..self.i]).ok()?);
                match self.peek()? {
                    b'"' => {
                        self.i += 1;
                        return Some(out);
                    }
                    b'\\' => {
                        self.i += 1;
                        let c = self.peek()?;
                        self.i += 1;
                        match c {
                            b'"' => out.push('"'),
                            b'\\' => out.push('\\'),
                            b'/' => out.push('/'),
                            b'b' => out.push('\u{8}'),
                            b'f' => out.push('\u{c}'),
                            b'n' => out.push('\n'),
                            b'r' => out.push('\r'),
                            b't' => out.push('\t'),
                            b'u' => {
                                let hi = self.hex4()?;
                                let c = if (0xd800..0xdc00).contains(&hi)
                                    && self.b.get(self.i..self.i + 2) == Some(b"\\u")
                                {
                                    let save = self.i;
                                    self.i += 2;
                                    match self.hex4()? {
                                        lo @ 0xdc00..=0xdfff => char::from_u32(
                                            0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00),
                                        ),
                                        _ => {
                                            self.i = save;
                                            None
                                        }
                                    }
                                } else {
                                    char::from_u32(hi)
                                };
                                out.push(c.unwrap_or('\u{fffd}'));
                            }
                            _ => return None,
                        }
                    }
                    _ => return None, // control character
                }
            }
        }
    }

    /// Converts to `serde_json::Value` when the value has no duplicate member and every number
    /// is one serde_json reads; `None` otherwise.
    pub fn to_value(j: &J) -> Option<serde_json::Value> {
        use serde_json::Value;
        Some(match j {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Num(n) => serde_json::from_str(n).ok()?,
            J::Str(s) => Value::String(s.clone()),
            J::Arr(items) => Value::Array(items.iter().map(to_value).collect::<Option<_>>()?),
            J::Obj(members) => {
                let mut map = serde_json::Map::new();
                for (k, v) in members {
                    if map.insert(k.clone(), to_value(v)?).is_some() {
                        return None;
                    }
                }
                Value::Object(map)
            }
        })
    }

    fn members<'a>(j: &'a J, name: &'a str) -> impl Iterator<Item = &'a J> + 'a {
        let list: &[(String, J)] = match j {
            J::Obj(m) => m,
            _ => &[],
        };
        list.iter().filter(move |(k, _)| k == name).map(|(_, v)| v)
    }

    /// Every `params._authContext` in a JSON-RPC message or batch, under any reading of
    /// duplicate members, with whether its message is unambiguously an `initialize` request.
    /// A value that is not a plain JSON object (duplicates, odd numbers) comes back as `Null`.
    pub fn auth_contexts_in(body: &J) -> Vec<(bool, serde_json::Value)> {
        let messages: Vec<&J> = match body {
            J::Arr(items) => items.iter().collect(),
            other => vec![other],
        };
        let mut out = Vec::new();
        for message in messages {
            let methods: Vec<&J> = members(message, "method").collect();
            let is_initialize =
                !methods.is_empty() && methods.iter().all(|m| **m == J::Str("initialize".into()));
            for params in members(message, "params") {
                for context in members(params, "_authContext") {
                    out.push((
                        is_initialize,
                        to_value(context).unwrap_or(serde_json::Value::Null),
                    ));
                }
            }
        }
        out
    }
}
