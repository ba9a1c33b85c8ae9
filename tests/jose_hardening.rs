//! Issue 13 ("Hardening round 2"), the verification-core items, one regression test per attack,
//! through the public jose API. Tokens are genuinely signed with the fixture keys, so each test
//! proves the rule it names, not a signature failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod jose_support;

use jose::{Alg, Claim, Error, Identity, Jwk, KeySet, Limits, Skipped, Token, Validation, MAX_KEYS};
use jose_support::*;
use serde_json::{json, Value};

fn fixture_keys() -> Vec<Value> {
    serde_json::from_slice::<Value>(&fixture("jwks.json")).unwrap()["keys"]
        .as_array()
        .unwrap()
        .clone()
}

fn fixture_key(kid: &str) -> Value {
    fixture_keys()
        .into_iter()
        .find(|k| k["kid"] == kid)
        .unwrap()
}

fn set(keys: &[Value]) -> Result<(KeySet, Skipped), Error> {
    let mut skipped = Skipped::default();
    let doc = json!({ "keys": keys }).to_string();
    KeySet::from_jwks_json_reporting(doc.as_bytes(), &mut skipped).map(|set| (set, skipped))
}

fn verify_with(token: &str, keys: &KeySet, validation: &Validation) -> Result<Identity, Error> {
    Token::parse(token, &Limits::default())?.verify(keys, validation, NOW)
}

fn verify(token: &str) -> Result<Identity, Error> {
    verify_with(token, &jwks(), &validation())
}

fn vector(name: &str) -> Value {
    let path = format!("{}/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&path).expect(&path)).unwrap()
}

// --- item 10 (F10): a huge JWK Set ---

/// The review's PoC set: 1,620 P-256 keys and then the real RSA key. Only the first 64 usable
/// keys are kept (the rest are skipped, each with a reason), and the cache record the gateway
/// reads on every request holds 64 keys, not 1,621.
#[test]
fn jwk_set_of_1621_keys_keeps_only_the_first_64() {
    let ec = fixture_key("ec-p256");
    let mut keys: Vec<Value> = (0..1620)
        .map(|i| {
            let mut k = ec.clone();
            k["kid"] = json!(format!("k{i}"));
            k
        })
        .collect();
    keys.push(fixture_key("rsa-2048"));
    let (kept, skipped) = set(&keys).unwrap();
    assert_eq!(kept.len(), MAX_KEYS);
    assert_eq!(skipped.count, 1621 - MAX_KEYS);
    assert_eq!(skipped.reasons.len(), jose::MAX_SKIP_REASONS);
    assert_eq!(skipped.reasons[0], (MAX_KEYS, Error::JwksTooManyKeys));
    // The key past the cap is not there: its tokens are an unknown kid, not a 1,621-key scan.
    assert!(!kept.has_kid("rsa-2048"));
    let token = mint(&header(Alg::Rs256), &claims(), Alg::Rs256);
    assert_eq!(
        verify_with(&token, &kept, &validation()).unwrap_err(),
        Error::UnknownKid
    );
    let record = kept.to_cache_record();
    assert_eq!(KeySet::from_cache_record(&record).unwrap().len(), MAX_KEYS);
    // A kept key still verifies, from the record as from the set.
    let mut h = header(Alg::Es256);
    h["kid"] = json!("k63");
    let token = mint(&h, &claims(), Alg::Es256);
    let from_record = KeySet::from_cache_record(&record).unwrap();
    assert!(verify_with(&token, &from_record, &validation()).is_ok());
}

/// A planted or damaged record cannot smuggle in more keys than a set may hold, and a caller
/// cannot build such a set either.
#[test]
fn cache_record_with_65_keys_is_refused() {
    let keys: Vec<Jwk> = (0..=MAX_KEYS)
        .map(|i| {
            let mut k = fixture_key("ed25519");
            k["kid"] = json!(format!("k{i}"));
            Jwk::from_json(k.to_string().as_bytes()).unwrap()
        })
        .collect();
    assert_eq!(
        KeySet::from_keys(keys.clone()).unwrap_err(),
        Error::JwksTooManyKeys
    );
    // Splice a 65th key into a 64-key record: the tail of the record is one key's bytes.
    let record_64 = KeySet::from_keys(keys[..MAX_KEYS].to_vec())
        .unwrap()
        .to_cache_record();
    let record_1 = KeySet::from_keys(keys[MAX_KEYS..].to_vec())
        .unwrap()
        .to_cache_record();
    let magic = record_1.iter().position(|b| *b == b'\n').unwrap() + 1;
    let mut record_65 = record_64.clone();
    record_65.extend_from_slice(&record_1[magic..]);
    assert_eq!(
        KeySet::from_cache_record(&record_65).unwrap_err(),
        Error::CacheRecordInvalid
    );
    assert_eq!(KeySet::from_cache_record(&record_64).unwrap().len(), 64);
}

// --- item 12 (F12): scope values that split differently upstream ---

/// `"read\tmcp:admin"` is one scope to a splitter on U+0020 and two to one that splits on any
/// whitespace: the token is refused, so no two readers can disagree on what was granted.
#[test]
fn tab_or_newline_inside_scope_is_refused_not_split() {
    let rs = |claims: Value| verify(&mint(&header(Alg::Rs256), &claims, Alg::Rs256));
    for bad in [
        "read\tmcp:admin",
        "read\nmcp:admin",
        "read\r\nmcp:admin",
        "read\u{b}mcp:admin",
        "read\u{a0}mcp:admin",
        "read\u{3000}mcp:admin",
        " read",
        "read ",
        "read  mcp:admin",
        "read \"mcp:admin\"",
    ] {
        assert_eq!(
            rs(claims_with("scope", json!(bad))).unwrap_err(),
            Error::ScopeSyntax(Claim::Scope),
            "{bad:?}"
        );
        // The array form must hold scope-tokens, not lists or whitespace-laden strings.
        assert_eq!(
            rs(claims_with("scope", json!(["tools:read", bad]))).unwrap_err(),
            Error::ScopeSyntax(Claim::Scope),
            "{bad:?}"
        );
    }
    assert_eq!(
        rs(claims_with("scope", json!(["read mcp:admin"]))).unwrap_err(),
        Error::ScopeSyntax(Claim::Scope)
    );
    assert_eq!(
        rs(claims_with("scope", json!([""]))).unwrap_err(),
        Error::ScopeSyntax(Claim::Scope)
    );
    // `scp` (read when `scope` is absent) follows the same grammar.
    let mut scp = claims();
    scp.as_object_mut().unwrap().remove("scope");
    scp["scp"] = json!("read\tmcp:admin");
    assert_eq!(rs(scp.clone()).unwrap_err(), Error::ScopeSyntax(Claim::Scp));
    scp["scp"] = json!(["read", "mcp:admin"]);
    assert_eq!(rs(scp).unwrap().scopes, ["read", "mcp:admin"]);
    // Conforming values still parse; an empty string is no scope at all.
    let id = rs(claims_with("scope", json!("a b mcp:tools/x!#$%&'()*+,-./[]^_`{|}~"))).unwrap();
    assert_eq!(id.scopes, ["a", "b", "mcp:tools/x!#$%&'()*+,-./[]^_`{|}~"]);
    assert!(rs(claims_with("scope", json!(""))).unwrap().scopes.is_empty());
    assert!(jose::is_scope_token("mcp:tools"));
    assert!(!jose::is_scope_token("mcp:tools\t"));
}

// --- item 9 (F9): an ID token used as an access token ---

/// A typical ID token (audience a client id the resource also accepts, `nonce`, `at_hash`),
/// typed `JWT` or not at all, is refused by default; a provider that accepts ID tokens can say
/// so. An `at+jwt` token is an access token by its issuer's word, whatever it carries.
#[test]
fn id_token_with_nonce_is_refused_as_an_access_token() {
    let id_token = |extra: Value, typ: Option<&str>| {
        let mut c = claims();
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        let mut h = json!({ "alg": "RS256", "kid": "rsa-2048" });
        if let Some(typ) = typ {
            h["typ"] = json!(typ);
        }
        mint(&h, &c, Alg::Rs256)
    };
    let accepting = Validation {
        accept_id_tokens: true,
        ..validation()
    };
    for marker in [
        json!({"nonce": "n-0S6_WzA2Mj", "azp": "spa-client", "auth_time": NOW - 60}),
        json!({"at_hash": "77QmUPtjPfzWtF2AnpK9RQ"}),
        json!({"c_hash": "LDktKdoQak3Pk0cnXxCltA"}),
        json!({"nonce": "n", "typ": "ID"}),
    ] {
        for typ in [None, Some("JWT"), Some("application/jwt")] {
            let token = id_token(marker.clone(), typ);
            assert_eq!(
                verify(&token).unwrap_err(),
                Error::IdTokenNotAccepted,
                "{marker} {typ:?}"
            );
            assert!(verify_with(&token, &jwks(), &accepting).is_ok());
        }
        // Typed at+jwt: the issuer says access token.
        assert!(verify(&id_token(marker, Some("at+jwt"))).is_ok());
    }
    // Keycloak before 24 copied `nonce` into access tokens, which it marks `"typ": "Bearer"`.
    assert!(verify(&id_token(json!({"nonce": "n", "typ": "Bearer"}), Some("JWT"))).is_ok());
    // A header typ naming any other kind of token is refused at parse, as before.
    assert_eq!(
        verify(&id_token(json!({}), Some("id_token+jwt"))).unwrap_err(),
        Error::TypNotAccepted
    );
}

/// With `require_access_token_type`, only `typ: at+jwt` (RFC 9068 §4) passes: an ID token
/// without markers, typed `JWT` or untyped, cannot pass for an access token.
#[test]
fn untyped_or_jwt_typed_token_refused_when_at_jwt_required() {
    let strict = Validation {
        require_access_token_type: true,
        ..validation()
    };
    let with_typ = |typ: Option<&str>| {
        let mut h = json!({ "alg": "ES256", "kid": "ec-p256" });
        if let Some(typ) = typ {
            h["typ"] = json!(typ);
        }
        mint(&h, &claims(), Alg::Es256)
    };
    for typ in [None, Some("JWT"), Some("application/jwt")] {
        let token = with_typ(typ);
        assert_eq!(
            verify_with(&token, &jwks(), &strict).unwrap_err(),
            Error::TypNotAccessToken,
            "{typ:?}"
        );
        assert!(verify(&token).is_ok(), "default stays lenient: {typ:?}");
    }
    for typ in ["at+jwt", "AT+JWT", "application/at+jwt", "Application/At+Jwt"] {
        assert!(verify_with(&with_typ(Some(typ)), &jwks(), &strict).is_ok(), "{typ}");
    }
    assert!(Token::parse(&with_typ(Some("at+jwt")), &Limits::default()).is_ok());
    assert!(jose::Jws::parse(&with_typ(Some("at+jwt")), &Limits::default())
        .unwrap()
        .is_access_token_typed());
}

// --- item 16: ROCA (CVE-2017-15361) ---

/// Wycheproof json_web_key_test tc7: an RSA key with the ROCA fingerprint. The key is refused
/// when the JWK is parsed, so the set has no usable key and the JWS cannot verify.
#[test]
fn roca_vulnerable_rsa_key_is_refused_at_jwk_parse() {
    let v = vector("wycheproof-json_web_key_test-tc7-roca.json");
    let key = &v["public"]["keys"][0];
    assert_eq!(
        Jwk::from_json(key.to_string().as_bytes()).unwrap_err(),
        Error::JwkRsaRocaVulnerable
    );
    let mut skipped = Skipped::default();
    assert_eq!(
        KeySet::from_jwks_json_reporting(v["public"].to_string().as_bytes(), &mut skipped)
            .unwrap_err(),
        Error::JwksNoUsableKey
    );
    assert_eq!(skipped.reasons, [(0, Error::JwkRsaRocaVulnerable)]);
    // Next to a sound key, the ROCA key is skipped and the sound key still serves.
    let (keys, skipped) = set(&[key.clone(), fixture_key("rsa-2048")]).unwrap();
    assert_eq!((keys.len(), skipped.count), (1, 1));
    assert!(!keys.has_kid("kid-rsa-roca-sign"));
    let jws = jose::Jws::parse(v["jws"].as_str().unwrap(), &Limits::default()).unwrap();
    assert_eq!(jws.verify_signature(&keys).unwrap_err(), Error::UnknownKid);
    // The fixture keys, generated by OpenSSL, do not have the fingerprint.
    Jwk::from_json(fixture_key("rsa-2048").to_string().as_bytes()).unwrap();
}

// --- item 17: EC points off their curve ---

/// A kid-less P-256 key next to an invalid one: before, both were kept, and a valid kid-less
/// ES256 token failed as "ambiguous"; now the invalid key is skipped, with its reason.
#[test]
fn off_curve_ec_key_does_not_make_kid_less_token_ambiguous() {
    let mut good = fixture_key("ec-p256");
    good.as_object_mut().unwrap().remove("kid");
    let mut bad = good.clone();
    let mut y = unb64(bad["y"].as_str().unwrap());
    y[31] ^= 1;
    bad["y"] = json!(b64(&y));
    assert_eq!(
        Jwk::from_json(bad.to_string().as_bytes()).unwrap_err(),
        Error::JwkEcPointNotOnCurve
    );
    let (keys, skipped) = set(&[bad.clone(), good]).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(skipped.reasons, [(0, Error::JwkEcPointNotOnCurve)]);
    let token = mint(&json!({"alg": "ES256", "typ": "JWT"}), &claims(), Alg::Es256);
    assert!(verify_with(&token, &keys, &validation()).is_ok());
    // Alone, the invalid key leaves no usable key (nothing is cached that cannot verify).
    assert_eq!(set(&[bad]).unwrap_err(), Error::JwksNoUsableKey);

    // P-384 likewise, and a point at (0, 0).
    let mut p384 = fixture_key("ec-p384");
    let mut x = unb64(p384["x"].as_str().unwrap());
    x[0] ^= 0x01;
    p384["x"] = json!(b64(&x));
    assert_eq!(
        Jwk::from_json(p384.to_string().as_bytes()).unwrap_err(),
        Error::JwkEcPointNotOnCurve
    );
    let mut zero = fixture_key("ec-p256");
    zero["x"] = json!(b64(&[0u8; 32]));
    zero["y"] = json!(b64(&[0u8; 32]));
    assert_eq!(
        Jwk::from_json(zero.to_string().as_bytes()).unwrap_err(),
        Error::JwkEcPointNotOnCurve
    );
}

/// The Ed25519 counterpart: an `x` whose y is at or above 2^255 − 19 is a second spelling of
/// another key (RFC 8032 §5.1.3 refuses it; ring would reduce it silently).
#[test]
fn non_canonical_ed25519_key_is_refused() {
    let mut ed = fixture_key("ed25519");
    for low in [0xef, 0xf0, 0xff] {
        let mut x = [0xffu8; 32];
        x[0] = low;
        x[31] = 0x7f;
        ed["x"] = json!(b64(&x));
        assert_eq!(
            Jwk::from_json(ed.to_string().as_bytes()).unwrap_err(),
            Error::JwkOkpNonCanonical,
            "{low:#x}"
        );
        x[31] = 0xff; // the sign bit does not make it canonical
        ed["x"] = json!(b64(&x));
        assert_eq!(
            Jwk::from_json(ed.to_string().as_bytes()).unwrap_err(),
            Error::JwkOkpNonCanonical
        );
    }
}
