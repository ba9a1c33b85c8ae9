//! Shared helpers for the `jose_*` integration tests: tokens minted by an independent library
//! (jsonwebtoken, RustCrypto backend) with the test-only keys in tests/fixtures/keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code
)]

use base64ct::{Base64UrlUnpadded, Encoding};
use jose::{Alg, KeySet, Validation};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{json, Value};

pub const NOW: u64 = 1_750_000_000;
pub const ISS: &str = "https://issuer.example";
pub const AUD: &str = "https://mcp.example/mcp";

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).expect(&path)
}

/// The fixture JWK Set: rsa-2048, ec-p256, ec-p384, ed25519.
pub fn jwks() -> KeySet {
    KeySet::from_jwks_json(&fixture("jwks.json")).unwrap()
}

pub fn jwt_alg(alg: Alg) -> Algorithm {
    match alg {
        Alg::Rs256 => Algorithm::RS256,
        Alg::Rs384 => Algorithm::RS384,
        Alg::Rs512 => Algorithm::RS512,
        Alg::Ps256 => Algorithm::PS256,
        Alg::Ps384 => Algorithm::PS384,
        Alg::Ps512 => Algorithm::PS512,
        Alg::Es256 => Algorithm::ES256,
        Alg::Es384 => Algorithm::ES384,
        Alg::EdDsa => Algorithm::EdDSA,
    }
}

/// The fixture key (file stem = kid) that signs `alg`.
pub fn kid_for(alg: Alg) -> &'static str {
    match alg {
        Alg::Es256 => "ec-p256",
        Alg::Es384 => "ec-p384",
        Alg::EdDsa => "ed25519",
        _ => "rsa-2048",
    }
}

pub fn encoding_key(stem: &str) -> EncodingKey {
    let pem = fixture(&format!("{stem}.pem"));
    match stem {
        s if s.starts_with("rsa") => EncodingKey::from_rsa_pem(&pem).unwrap(),
        s if s.starts_with("ec") => EncodingKey::from_ec_pem(&pem).unwrap(),
        _ => EncodingKey::from_ed_pem(&pem).unwrap(),
    }
}

pub fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

pub fn unb64(text: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(text).unwrap()
}

/// Signs exactly these header and claims bytes with the key file `stem` under `alg`.
pub fn mint_raw(header: &str, claims: &str, alg: Algorithm, stem: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let sig = jsonwebtoken::crypto::sign(input.as_bytes(), &encoding_key(stem), alg).unwrap();
    format!("{input}.{sig}")
}

/// Signs JSON header and claims with the fixture key for `alg`.
pub fn mint(header: &Value, claims: &Value, alg: Alg) -> String {
    mint_raw(
        &header.to_string(),
        &claims.to_string(),
        jwt_alg(alg),
        kid_for(alg),
    )
}

/// A header naming `alg` and its fixture kid.
pub fn header(alg: Alg) -> Value {
    json!({ "alg": alg.as_str(), "typ": "JWT", "kid": kid_for(alg) })
}

/// Claims that pass `validation()` at `NOW`.
pub fn claims() -> Value {
    json!({
        "iss": ISS, "aud": AUD, "sub": "user-1", "exp": NOW + 300, "iat": NOW - 10, "nbf": NOW - 10,
        "scope": "tools:read tools:call", "client_id": "client-1", "email": "user@example.com"
    })
}

pub fn validation() -> Validation {
    Validation {
        audiences: Some(vec![AUD.into()]),
        ..Validation::new(vec![ISS.into()])
    }
}

/// `claims()` with one member replaced (or removed, for `Value::Null`... use `without`).
pub fn claims_with(name: &str, value: Value) -> Value {
    let mut c = claims();
    c[name] = value;
    c
}
