//! Fake ports and token minting for the gateway integration tests.
//!
//! Every port records its calls, so tests assert counters (fetches, KV writes) as well as
//! responses. Tokens are minted with `jsonwebtoken` (an independent implementation) from the
//! test-only keys in `tests/fixtures/keys/`.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod concurrent;
pub mod shared;

use std::collections::HashMap;

use base64ct::{Base64UrlUnpadded, Encoding};
use gateway::forward::ForwardPlan;
use gateway::ports::{
    Clock, HttpClient, HttpError, HttpGet, HttpResponse, KeyValue, KvError, Log, Random,
    VariableError, Variables,
};
use gateway::{self, Decision, RequestHead, Response};
use jsonwebtoken::{crypto, Algorithm, EncodingKey};
use serde_json::{json, Value};
use shared::{Shared, SharedCell};

pub const ISSUER: &str = "https://tenant.authkit.app";
pub const JWKS_URL: &str = "https://tenant.authkit.app/oauth2/jwks";
pub const RESOURCE: &str = "https://mcp.example.com/mcp";
/// 2023-11-14T22:13:20Z.
pub const NOW: u64 = 1_700_000_000;
/// `auth_kv_record_key` of [`World::authkit`]: its KV records are authenticated.
pub const RECORD_SECRET: &str = "test-record-key-0123456789abcdef";

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

pub fn jwks_json() -> String {
    fixture("jwks.json")
}

/// A JWK Set with only the keys whose `kid` is listed.
pub fn jwks_with(kids: &[&str]) -> String {
    let all: Value = serde_json::from_str(&jwks_json()).unwrap();
    let keys: Vec<Value> = all["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| kids.contains(&k["kid"].as_str().unwrap()))
        .cloned()
        .collect();
    json!({ "keys": keys }).to_string()
}

/// A JWK Set with one key whose `kid` is removed.
pub fn jwks_without_kid(kid: &str) -> String {
    let all: Value = serde_json::from_str(&jwks_json()).unwrap();
    let mut key = all["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap()
        .clone();
    key.as_object_mut().unwrap().remove("kid");
    json!({ "keys": [key] }).to_string()
}

/// The signing key file and algorithm of a fixture key name.
fn key_for(name: &str) -> (EncodingKey, Algorithm) {
    let pem = fixture(&format!("{name}.pem"));
    match name {
        "rsa-2048" | "rsa-2048-other" => (
            EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
            Algorithm::RS256,
        ),
        "ec-p256" => (
            EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
            Algorithm::ES256,
        ),
        "ec-p384" => (
            EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
            Algorithm::ES384,
        ),
        "ed25519" => (
            EncodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
            Algorithm::EdDSA,
        ),
        other => panic!("unknown key {other}"),
    }
}

fn alg_name(a: Algorithm) -> &'static str {
    match a {
        Algorithm::RS256 => "RS256",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::EdDSA => "EdDSA",
        _ => unreachable!(),
    }
}

/// Mints a compact JWS signed with fixture key `key`. `header` members are merged over
/// `{"alg": …, "typ": "JWT", "kid": key}`; a `null` member removes one (e.g. `"kid": null`).
pub fn mint_with(key: &str, header: Value, claims: &Value) -> String {
    let (encoding, alg) = key_for(key);
    let kid = if key == "rsa-2048-other" {
        "rsa-2048"
    } else {
        key
    };
    let mut h = json!({ "alg": alg_name(alg), "typ": "JWT", "kid": kid });
    for (k, v) in header.as_object().unwrap() {
        if v.is_null() {
            h.as_object_mut().unwrap().remove(k);
        } else {
            h[k] = v.clone();
        }
    }
    let signing_input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(h.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let sig = crypto::sign(signing_input.as_bytes(), &encoding, alg).unwrap();
    format!("{signing_input}.{sig}")
}

/// Standard valid claims for the AuthKit provider.
pub fn claims() -> Value {
    json!({
        "iss": ISSUER,
        "sub": "user_123",
        "aud": RESOURCE,
        "exp": NOW + 3600,
        "iat": NOW - 10,
        "scope": "read write",
        "client_id": "client_abc",
        "email": "user@example.com",
        "email_verified": true
    })
}

/// Claims with `changes` merged in (`null` removes a member).
pub fn claims_with(changes: Value) -> Value {
    let mut c = claims();
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

pub fn mint(key: &str, claims: &Value) -> String {
    mint_with(key, json!({}), claims)
}

pub fn valid_token() -> String {
    mint("rsa-2048", &claims())
}

/// One scripted outbound response (sticky until replaced).
#[derive(Clone)]
pub enum Scripted {
    Ok(HttpResponse),
    Err(HttpError),
}

/// The fake world: every port in one struct.
pub struct World {
    pub vars: Shared<HashMap<String, String>>,
    /// Variables whose read fails (as with an erroring Vault provider): `Err`, not undefined.
    pub unreadable_vars: Shared<Vec<String>>,
    pub kv: Shared<HashMap<String, Vec<u8>>>,
    pub kv_broken: SharedCell<bool>,
    pub kv_sets: SharedCell<usize>,
    pub now_ms: SharedCell<u64>,
    pub routes: Shared<HashMap<String, Scripted>>,
    pub fetches: Shared<Vec<String>>,
    pub logs: Shared<Vec<String>>,
    pub random_counter: SharedCell<u8>,
}

impl World {
    /// No variables at all (every default applies).
    pub fn empty() -> World {
        World {
            vars: Shared::new(HashMap::new()),
            unreadable_vars: Shared::new(Vec::new()),
            kv: Shared::new(HashMap::new()),
            kv_broken: SharedCell::new(false),
            kv_sets: SharedCell::new(0),
            now_ms: SharedCell::new(NOW * 1000),
            routes: Shared::new(HashMap::new()),
            fetches: Shared::new(Vec::new()),
            logs: Shared::new(Vec::new()),
            random_counter: SharedCell::new(0),
        }
    }

    /// An AuthKit provider with `auth_resource_url` as audience, serving the fixture JWKS.
    pub fn authkit() -> World {
        let w = World::empty();
        w.set("auth_kv_record_key", RECORD_SECRET);
        w.set("auth_provider_type", "authkit");
        w.set("auth_provider_issuer", ISSUER);
        w.set("auth_resource_url", RESOURCE);
        w.serve(JWKS_URL, 200, &jwks_json());
        w
    }

    pub fn set(&self, name: &str, value: &str) -> &World {
        self.vars
            .borrow_mut()
            .insert(name.to_string(), value.to_string());
        self
    }

    /// Makes reading `name` fail with a provider error (an error, not an absence).
    pub fn make_unreadable(&self, name: &str) -> &World {
        self.unreadable_vars.borrow_mut().push(name.to_string());
        self
    }

    pub fn serve(&self, url: &str, status: u16, body: &str) {
        self.routes.borrow_mut().insert(
            url.to_string(),
            Scripted::Ok(HttpResponse {
                status,
                location: None,
                body: body.as_bytes().to_vec(),
            }),
        );
    }

    pub fn redirect(&self, url: &str, status: u16, location: &str) {
        self.routes.borrow_mut().insert(
            url.to_string(),
            Scripted::Ok(HttpResponse {
                status,
                location: Some(location.to_string()),
                body: Vec::new(),
            }),
        );
    }

    pub fn fail(&self, url: &str, error: HttpError) {
        self.routes
            .borrow_mut()
            .insert(url.to_string(), Scripted::Err(error));
    }

    pub fn advance_secs(&self, secs: u64) {
        self.now_ms.set(self.now_ms.get() + secs * 1000);
    }

    pub fn fetch_count(&self, url: &str) -> usize {
        self.fetches.borrow().iter().filter(|u| *u == url).count()
    }

    pub fn last_log(&self) -> Value {
        serde_json::from_str(self.logs.borrow().last().expect("a log line")).unwrap()
    }

    pub fn handle(&self, req: &RequestHead) -> Decision {
        gateway::handle(self, req)
    }

    /// Handles a request that must be answered locally.
    pub fn respond(&self, req: &RequestHead) -> Response {
        match self.handle(req) {
            Decision::Respond(r) => r,
            Decision::Forward(p) => {
                panic!("expected a local response, got a forward to {}", p.url())
            }
        }
    }

    /// Handles a request that must be forwarded.
    pub fn forward(&self, req: &RequestHead) -> ForwardPlan {
        match self.handle(req) {
            Decision::Forward(p) => *p,
            Decision::Respond(r) => {
                panic!(
                    "expected a forward, got {} {}",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                )
            }
        }
    }
}

impl KeyValue for World {
    fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        if self.kv_broken.get() {
            return Err(KvError::Failed);
        }
        Ok(self.kv.borrow().get(key).cloned())
    }
    fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        if self.kv_broken.get() {
            return Err(KvError::Failed);
        }
        self.kv_sets.set(self.kv_sets.get() + 1);
        self.kv.borrow_mut().insert(key.to_string(), value.to_vec());
        Ok(())
    }
}

impl Variables for World {
    fn variable(&self, name: &str) -> Result<Option<String>, VariableError> {
        if self.unreadable_vars.borrow().iter().any(|v| v == name) {
            return Err(VariableError::Provider);
        }
        Ok(self.vars.borrow().get(name).cloned())
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
            self.random_counter
                .set(self.random_counter.get().wrapping_add(1));
            *b = self.random_counter.get();
        }
    }
}

impl Log for World {
    fn log_line(&self, line: &str) {
        self.logs.borrow_mut().push(line.to_string());
    }
}

impl HttpClient for World {
    fn get(&self, request: &HttpGet<'_>) -> Result<HttpResponse, HttpError> {
        self.fetches.borrow_mut().push(request.url.to_string());
        match self.routes.borrow().get(request.url) {
            Some(Scripted::Ok(r)) if r.body.len() > request.max_body_bytes => {
                Err(HttpError::TooLarge)
            }
            Some(Scripted::Ok(r)) => Ok(r.clone()),
            Some(Scripted::Err(e)) => Err(*e),
            None => Err(HttpError::Connect),
        }
    }
}

/// A request builder.
pub fn request(method: &str, path: &str) -> RequestHead {
    RequestHead {
        method: method.to_string(),
        scheme: Some("http".into()),
        authority: Some("mcp.example.com".into()),
        path_and_query: path.to_string(),
        headers: vec![("host".into(), b"mcp.example.com".to_vec())],
    }
}

pub trait With {
    fn with(self, name: &str, value: &str) -> Self;
    fn bearer(self, token: &str) -> Self;
}

impl With for RequestHead {
    fn with(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_string(), value.as_bytes().to_vec()));
        self
    }
    fn bearer(self, token: &str) -> Self {
        self.with("Authorization", &format!("Bearer {token}"))
    }
}

/// `POST /mcp` with a bearer token.
pub fn mcp_post(token: &str) -> RequestHead {
    request("POST", "/mcp")
        .with("content-type", "application/json")
        .bearer(token)
}

pub fn body_json(r: &Response) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

/// The forwarded request headers as (name, UTF-8 value).
pub fn sent_headers(plan: &ForwardPlan) -> Vec<(String, String)> {
    plan.request_headers(None)
        .into_iter()
        .map(|(n, v)| (n, String::from_utf8(v).unwrap()))
        .collect()
}

pub fn sent_header(plan: &ForwardPlan, name: &str) -> Option<String> {
    sent_headers(plan)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}
