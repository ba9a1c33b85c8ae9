//! RFC test vectors (vectors/*.json, each naming its source) through the public API.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use jose::{Alg, Error, Jwk, Jws, KeySet, Limits, Token, Validation};
use serde_json::{json, Value};

fn vector(name: &str) -> Value {
    let path = format!("{}/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&path).expect(&path)).unwrap()
}

fn set_of(keys: &[&Value]) -> KeySet {
    KeySet::from_jwks_json(json!({ "keys": keys }).to_string().as_bytes()).unwrap()
}

fn tamper(compact: &str) -> String {
    // Flip one bit in the first signature character (stays canonical base64url).
    let (head, sig) = compact.rsplit_once('.').unwrap();
    let mut sig = sig.to_owned();
    let first = sig.remove(0);
    let flipped = if first == 'A' { 'B' } else { 'A' };
    format!("{head}.{flipped}{sig}")
}

/// RFC 7515 A.2/A.3 payload: {"iss":"joe","exp":1300819380,"http://example.com/is_root":true}
const A_EXP: u64 = 1_300_819_380;

fn verify_7515(name: &str, alg: Alg) {
    let v = vector(name);
    let compact = v["compact"].as_str().unwrap();
    let keys = set_of(&[&v["jwk_public"]]);
    let token = Token::parse(compact, &Limits::default()).unwrap();
    assert_eq!(token.alg(), alg);
    assert_eq!(token.unverified_issuer(), Some("joe"));
    let validation = Validation::new(vec!["joe".into()]);
    let id = token.verify(&keys, &validation, A_EXP - 120).unwrap();
    assert_eq!(id.issuer, "joe");
    assert_eq!(id.claims["http://example.com/is_root"].as_bool(), Some(true));
    // Same token, one leeway past exp.
    assert_eq!(
        token.verify(&keys, &validation, A_EXP + 60),
        Err(Error::Expired)
    );
    let bad = Token::parse(&tamper(compact), &Limits::default()).unwrap();
    assert_eq!(
        bad.verify(&keys, &validation, A_EXP - 120),
        Err(Error::BadSignature)
    );
}

#[test]
fn rfc7515_a2_rs256_verifies() {
    verify_7515("rfc7515-A2.json", Alg::Rs256);
}

#[test]
fn rfc7515_a3_es256_verifies() {
    verify_7515("rfc7515-A3.json", Alg::Es256);
}

#[test]
fn rfc7515_a1_hs256_rejected() {
    let v = vector("rfc7515-A1.json");
    let err = Token::parse(v["compact"].as_str().unwrap(), &Limits::default()).unwrap_err();
    assert_eq!(err, Error::AlgSymmetric);
    let key = v["jwk_public"].to_string();
    assert_eq!(
        Jwk::from_json(key.as_bytes()).unwrap_err(),
        Error::JwkUnsupportedKeyType
    );
    let set = json!({ "keys": [v["jwk_public"]] }).to_string();
    assert_eq!(
        KeySet::from_jwks_json(set.as_bytes()).unwrap_err(),
        Error::JwksNoUsableKey
    );
}

#[test]
fn rfc7515_a4_es512_rejected() {
    let v = vector("rfc7515-A4.json");
    let err = Jws::parse(v["compact"].as_str().unwrap(), &Limits::default()).unwrap_err();
    assert_eq!(err, Error::AlgUnsupported);
    let key = v["jwk_public"].to_string();
    assert_eq!(
        Jwk::from_json(key.as_bytes()).unwrap_err(),
        Error::JwkUnsupportedCurve
    );
}

#[test]
fn rfc7515_a5_none_rejected() {
    let v = vector("rfc7515-A5.json");
    let err = Token::parse(v["compact"].as_str().unwrap(), &Limits::default()).unwrap_err();
    assert_eq!(err, Error::AlgNone);
}

#[test]
fn rfc7517_a1_public_keys() {
    let v = vector("rfc7517-A1-public-keys.json");
    let keys = KeySet::from_jwks_json(v["jwks"].to_string().as_bytes()).unwrap();
    // The EC key is `use: enc`: skipped, not fatal.
    assert_eq!(keys.len(), 1);
    assert!(keys.has_kid("2011-04-29"));
    assert!(!keys.has_kid("1"));
    assert_eq!(keys.keys()[0].alg(), Some(Alg::Rs256));
    let ec = v["jwks"]["keys"][0].to_string();
    assert_eq!(
        Jwk::from_json(ec.as_bytes()).unwrap_err(),
        Error::JwkNotForSignature
    );
}

#[test]
fn rfc7517_a2_private_members_ignored() {
    let private = vector("rfc7517-A2-private-keys.json");
    let public = vector("rfc7517-A1-public-keys.json");
    let from_private = KeySet::from_jwks_json(private["jwks"].to_string().as_bytes()).unwrap();
    let from_public = KeySet::from_jwks_json(public["jwks"].to_string().as_bytes()).unwrap();
    assert_eq!(from_private, from_public);
    // The record holds the public parts only: byte for byte the public set's record.
    assert_eq!(from_private.to_cache_record(), from_public.to_cache_record());
}

#[test]
fn rfc7517_b_x5c_not_used() {
    let v = vector("rfc7517-B-x5c.json");
    let keys = set_of(&[&v["jwk"]]);
    assert!(keys.has_kid("1b94c"));
    assert_eq!(keys.keys()[0].kty(), "RSA");
    // The certificate chain is not in the record: it holds exactly the kid, n and e.
    let record = keys.to_cache_record();
    // magic 24 + tag, alg 2 + kid 4+5 + n 4+256 + e 4+3 = 302 bytes; the chain alone is ~1 KB.
    assert_eq!(record.len(), 302);
    assert_eq!(KeySet::from_cache_record(&record).unwrap(), keys);
}

#[test]
fn rfc7520_section3_keys() {
    let p521 = vector("rfc7520-jwk-3_1.ec_public_key.json").to_string();
    assert_eq!(
        Jwk::from_json(p521.as_bytes()).unwrap_err(),
        Error::JwkUnsupportedCurve
    );
    let public = vector("rfc7520-jwk-3_3.rsa_public_key.json").to_string();
    let private = vector("rfc7520-jwk-3_4.rsa_private_key.json").to_string();
    let public = Jwk::from_json(public.as_bytes()).unwrap();
    assert_eq!(public.kid(), Some("bilbo.baggins@hobbiton.example"));
    assert_eq!(Jwk::from_json(private.as_bytes()).unwrap(), public);
}

fn verify_7520(name: &str, alg: Alg) {
    let v = vector(name);
    let keys = set_of(&[&vector("rfc7520-jwk-3_3.rsa_public_key.json")]);
    let compact = v["output"]["compact"].as_str().unwrap();
    let jws = Jws::parse(compact, &Limits::default()).unwrap();
    assert_eq!(jws.alg(), alg);
    assert_eq!(jws.kid(), Some("bilbo.baggins@hobbiton.example"));
    jws.verify_signature(&keys).unwrap();
    assert_eq!(
        jws.payload(),
        v["input"]["payload"].as_str().unwrap().as_bytes()
    );
    let bad = Jws::parse(&tamper(compact), &Limits::default()).unwrap();
    assert_eq!(bad.verify_signature(&keys), Err(Error::BadSignature));
    // The payload is prose, not a JWT claims set: a Token refuses it.
    assert_eq!(
        Token::parse(compact, &Limits::default()).unwrap_err(),
        Error::ClaimsNotJson
    );
}

#[test]
fn rfc7520_4_1_rs256_verifies() {
    verify_7520("rfc7520-jws-4_1.rsa_v15_signature.json", Alg::Rs256);
}

#[test]
fn rfc7520_4_2_ps384_verifies() {
    verify_7520("rfc7520-jws-4_2.rsa-pss_signature.json", Alg::Ps384);
}

#[test]
fn rfc7520_4_3_es512_rejected() {
    let v = vector("rfc7520-jws-4_3.ecdsa_signature.json");
    let err = Jws::parse(v["output"]["compact"].as_str().unwrap(), &Limits::default()).unwrap_err();
    assert_eq!(err, Error::AlgUnsupported);
    let key = v["input"]["key"].to_string();
    assert_eq!(
        Jwk::from_json(key.as_bytes()).unwrap_err(),
        Error::JwkUnsupportedCurve
    );
}

#[test]
fn rfc8037_a4_ed25519_verifies() {
    let keys = vector("rfc8037-A1-A2-keys.json");
    let v = vector("rfc8037-A4-ed25519-jws.json");
    let set = KeySet::from_jwks_json(keys["public"].to_string().as_bytes()).unwrap();
    // The private JWK (A.1, with `d`) yields the same public key.
    let private = KeySet::from_jwks_json(keys["private"].to_string().as_bytes()).unwrap();
    assert_eq!(private, set);
    let compact = v["output"]["compact"].as_str().unwrap();
    let jws = Jws::parse(compact, &Limits::default()).unwrap();
    assert_eq!(jws.alg(), Alg::EdDsa);
    jws.verify_signature(&set).unwrap();
    assert_eq!(jws.payload(), b"Example of Ed25519 signing");
    let bad = Jws::parse(&tamper(compact), &Limits::default()).unwrap();
    assert_eq!(bad.verify_signature(&set), Err(Error::BadSignature));
}
