//! Tokens minted by an independent library (jsonwebtoken on RustCrypto) verify here, with every
//! accepted algorithm; the registered-claim rules, key selection and the cache record hold.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod jose_support;

use jose::{Alg, Claim, Error, KeySet, Limits, Token, Validation};
use jose_support::*;
use serde_json::json;

fn verify(compact: &str) -> Result<jose::Identity, Error> {
    Token::parse(compact, &Limits::default())?.verify(&jwks(), &validation(), NOW)
}

#[test]
fn every_alg_round_trips_through_jsonwebtoken() {
    for alg in Alg::ALL {
        let compact = jsonwebtoken::encode(
            &jsonwebtoken::Header {
                kid: Some(kid_for(alg).into()),
                ..jsonwebtoken::Header::new(jwt_alg(alg))
            },
            &claims(),
            &encoding_key(kid_for(alg)),
        )
        .unwrap();
        let token = Token::parse(&compact, &Limits::default()).unwrap();
        assert_eq!((token.alg(), token.kid()), (alg, Some(kid_for(alg))));
        assert_eq!(token.unverified_issuer(), Some(ISS));
        let id = token
            .verify(&jwks(), &validation(), NOW)
            .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        assert_eq!(id.issuer, ISS);
        assert_eq!(id.subject.as_deref(), Some("user-1"));
        assert_eq!(id.audiences, [AUD]);
        assert_eq!(id.scopes, ["tools:read", "tools:call"]);
        assert_eq!(id.client_id.as_deref(), Some("client-1"));
        assert_eq!(id.email.as_deref(), Some("user@example.com"));
        assert_eq!(id.claims["exp"].as_u64(), Some(NOW + 300));
    }
}

#[test]
fn at_jwt_typ_accepted() {
    for typ in ["at+jwt", "application/at+jwt", "JWT"] {
        let h = json!({ "alg": "ES256", "kid": "ec-p256", "typ": typ });
        verify(&mint(&h, &claims(), Alg::Es256)).unwrap();
    }
    let h = json!({ "alg": "ES256", "kid": "ec-p256" });
    verify(&mint(&h, &claims(), Alg::Es256)).unwrap();
}

#[test]
fn wrong_key_is_bad_signature() {
    let compact = mint_raw(
        &header(Alg::Rs256).to_string(),
        &claims().to_string(),
        jsonwebtoken::Algorithm::RS256,
        "rsa-2048-other",
    );
    assert_eq!(verify(&compact).unwrap_err(), Error::BadSignature);
}

#[test]
fn key_selection() {
    // No kid: exactly one key in the set fits each alg.
    for alg in [Alg::Rs256, Alg::Ps512, Alg::Es256, Alg::Es384, Alg::EdDsa] {
        let h = json!({ "alg": alg.as_str() });
        verify(&mint(&h, &claims(), alg)).unwrap_or_else(|e| panic!("{alg:?}: {e}"));
    }
    // Unknown kid: the one error the gateway answers with a (rate-limited) JWKS refetch.
    let h = json!({ "alg": "RS256", "kid": "rotated-key" });
    let err = verify(&mint(&h, &claims(), Alg::Rs256)).unwrap_err();
    assert_eq!(err, Error::UnknownKid);
    assert!(err.is_unknown_kid());
    assert!(!Error::BadSignature.is_unknown_kid());
    // No kid and two RSA keys: refuse rather than try each.
    let rsa =
        &serde_json::from_slice::<serde_json::Value>(&fixture("jwks.json")).unwrap()["keys"][0];
    let (mut a, mut b) = (rsa.clone(), rsa.clone());
    a["kid"] = json!("a");
    b["kid"] = json!("b");
    let two = KeySet::from_jwks_json(json!({ "keys": [a, b] }).to_string().as_bytes()).unwrap();
    let token = Token::parse(
        &mint(&json!({ "alg": "RS256" }), &claims(), Alg::Rs256),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(
        token.verify(&two, &validation(), NOW).unwrap_err(),
        Error::AmbiguousKey
    );
    // A key's own `alg` restricts it: RS256-only key, PS256 token.
    let mut only_rs256 = rsa.clone();
    only_rs256["alg"] = json!("RS256");
    let set =
        KeySet::from_jwks_json(json!({ "keys": [only_rs256] }).to_string().as_bytes()).unwrap();
    let ps = Token::parse(
        &mint(&header(Alg::Ps256), &claims(), Alg::Ps256),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(
        ps.verify(&set, &validation(), NOW).unwrap_err(),
        Error::KeyAlgMismatch
    );
    let rs = Token::parse(
        &mint(&header(Alg::Rs256), &claims(), Alg::Rs256),
        &Limits::default(),
    )
    .unwrap();
    rs.verify(&set, &validation(), NOW).unwrap();
}

#[test]
fn registered_claims() {
    let es = |c: serde_json::Value| verify(&mint(&header(Alg::Es256), &c, Alg::Es256));
    assert_eq!(
        es(claims_with("exp", json!(NOW - 61))).unwrap_err(),
        Error::Expired
    );
    es(claims_with("exp", json!(NOW - 59))).unwrap();
    assert_eq!(
        es(claims_with("nbf", json!(NOW + 61))).unwrap_err(),
        Error::NotYetValid
    );
    assert_eq!(
        es(claims_with("iat", json!(NOW + 61))).unwrap_err(),
        Error::IssuedInFuture
    );
    assert_eq!(
        es(claims_with("iss", json!("https://evil.example"))).unwrap_err(),
        Error::IssuerMismatch
    );
    assert_eq!(
        es(claims_with("aud", json!("https://other.example"))).unwrap_err(),
        Error::AudienceMismatch
    );
    es(claims_with("aud", json!(["https://other.example", AUD]))).unwrap();
    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_eq!(es(no_exp.clone()).unwrap_err(), Error::MissingExp);
    let lax = Validation {
        require_exp: false,
        ..validation()
    };
    let token = Token::parse(
        &mint(&header(Alg::Es256), &no_exp, Alg::Es256),
        &Limits::default(),
    )
    .unwrap();
    token.verify(&jwks(), &lax, NOW).unwrap();
    // Audience unchecked by choice.
    let any_aud = Validation::new(vec![ISS.into()]);
    let token = Token::parse(
        &mint(
            &header(Alg::Es256),
            &claims_with("aud", json!("x")),
            Alg::Es256,
        ),
        &Limits::default(),
    )
    .unwrap();
    token.verify(&jwks(), &any_aud, NOW).unwrap();
    assert_eq!(
        es(claims_with("scp", json!(7))).unwrap().scopes,
        ["tools:read", "tools:call"],
        "scope wins over scp"
    );
    assert_eq!(
        es(claims_with("email", json!(1))).unwrap_err(),
        Error::ClaimType(Claim::Email)
    );
}

#[test]
fn cache_record_round_trip() {
    let keys = jwks();
    assert_eq!(keys.len(), 4);
    assert!(!keys.is_empty());
    for kid in ["rsa-2048", "ec-p256", "ec-p384", "ed25519"] {
        assert!(keys.has_kid(kid), "{kid}");
    }
    let record = keys.to_cache_record();
    let back = KeySet::from_cache_record(&record).unwrap();
    assert_eq!(back, keys);
    for alg in Alg::ALL {
        let token = Token::parse(&mint(&header(alg), &claims(), alg), &Limits::default()).unwrap();
        token.verify(&back, &validation(), NOW).unwrap();
    }
    // A record is not a JWKS and vice versa; damage means refetch.
    assert_eq!(
        KeySet::from_cache_record(&fixture("jwks.json")).unwrap_err(),
        Error::CacheRecordInvalid
    );
    // The JSON record of version 1 (before the binary record) is refused: refetch.
    let v1 = br#"{"mcp-authorizer-keyset":1,"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
    assert_eq!(
        KeySet::from_cache_record(v1).unwrap_err(),
        Error::CacheRecordInvalid
    );
    let magic_end = record.iter().position(|b| *b == b'\n').unwrap() + 1;
    let mut v3 = record.clone();
    v3[magic_end - 2] = b'3';
    assert_eq!(
        KeySet::from_cache_record(&v3).unwrap_err(),
        Error::CacheRecordInvalid
    );
    // Every truncation, and every change of a key's kind or alg byte, is refused or reads back
    // a different, still well-formed set: never a panic, never a key outside the rules.
    for cut in 0..record.len() {
        if let Ok(set) = KeySet::from_cache_record(&record[..cut]) {
            assert!(set.len() < keys.len(), "{cut}");
        }
    }
    for value in 0..=255u8 {
        let mut changed = record.clone();
        changed[magic_end] = value;
        let _ = KeySet::from_cache_record(&changed);
        changed[magic_end] = record[magic_end];
        changed[magic_end + 1] = value;
        let _ = KeySet::from_cache_record(&changed);
    }
    let mut off_kind = record.clone();
    off_kind[magic_end] = 0x80 | 9;
    assert_eq!(
        KeySet::from_cache_record(&off_kind).unwrap_err(),
        Error::CacheRecordInvalid
    );
    assert_eq!(
        KeySet::from_cache_record(b"").unwrap_err(),
        Error::CacheRecordInvalid
    );
}
