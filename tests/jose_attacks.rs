//! The attack corpus: each named case is rejected with its precise reason, and nothing panics.
//! Tokens that must get past the signature are genuinely signed (jsonwebtoken, fixture keys),
//! so each test proves the rule it names rather than a signature failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod jose_support;

use jose::{Alg, Claim, Error, Identity, Jwk, KeySet, Limits, Token};
use jose_support::*;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;

fn verify(compact: &str) -> Result<Identity, Error> {
    Token::parse(compact, &Limits::default())?.verify(&jwks(), &validation(), NOW)
}

fn encode(header: &str, claims: &str, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.as_bytes()),
        b64(claims.as_bytes()),
        b64(signature)
    )
}

#[test]
fn alg_none_in_every_casing() {
    let claims = claims().to_string();
    for mask in 0u8..16 {
        let none: String = "none"
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if mask & (1 << i) != 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        let header = json!({ "alg": none, "typ": "JWT" }).to_string();
        assert_eq!(
            verify(&encode(&header, &claims, b"")).unwrap_err(),
            Error::AlgNone,
            "{none}"
        );
        // With a kid of a real key and a junk signature: still refused at the header.
        let header = json!({ "alg": none, "kid": "rsa-2048" }).to_string();
        assert_eq!(
            verify(&encode(&header, &claims, b"sig")).unwrap_err(),
            Error::AlgNone,
            "{none}"
        );
    }
}

#[test]
fn rs_to_hs_confusion() {
    // The attacker HMACs with the server's public RSA key as the secret: PEM bytes, and the
    // raw modulus as published in the JWKS.
    let jwks: serde_json::Value = serde_json::from_slice(&fixture("jwks.json")).unwrap();
    let modulus = unb64(jwks["keys"][0]["n"].as_str().unwrap());
    for secret in [fixture("rsa-2048.pub.pem"), modulus, fixture("jwks.json")] {
        let key = EncodingKey::from_secret(&secret);
        for (alg, name) in [
            (Algorithm::HS256, "HS256"),
            (Algorithm::HS384, "HS384"),
            (Algorithm::HS512, "HS512"),
        ] {
            let header = json!({ "alg": name, "kid": "rsa-2048" }).to_string();
            let input = format!(
                "{}.{}",
                b64(header.as_bytes()),
                b64(claims().to_string().as_bytes())
            );
            let sig = jsonwebtoken::crypto::sign(input.as_bytes(), &key, alg).unwrap();
            assert_eq!(
                verify(&format!("{input}.{sig}")).unwrap_err(),
                Error::AlgSymmetric
            );
            // Relabelled RS256, the HMAC tag is just a wrong RSA signature.
            let header = json!({ "alg": "RS256", "kid": "rsa-2048" }).to_string();
            let input = format!(
                "{}.{}",
                b64(header.as_bytes()),
                b64(claims().to_string().as_bytes())
            );
            let sig = jsonwebtoken::crypto::sign(input.as_bytes(), &key, alg).unwrap();
            assert_eq!(
                verify(&format!("{input}.{sig}")).unwrap_err(),
                Error::BadSignature
            );
        }
    }
    // And an `oct` key in a JWKS is never usable.
    let oct = json!({ "kty": "oct", "k": "c2VjcmV0", "kid": "hmac" }).to_string();
    assert_eq!(
        Jwk::from_json(oct.as_bytes()).unwrap_err(),
        Error::JwkUnsupportedKeyType
    );
}

#[test]
fn ec_key_offered_for_rs256() {
    // A real RS256 signature, but the kid names the P-256 key.
    let header = json!({ "alg": "RS256", "kid": "ec-p256" }).to_string();
    let compact = mint_raw(&header, &claims().to_string(), Algorithm::RS256, "rsa-2048");
    assert_eq!(verify(&compact).unwrap_err(), Error::KeyAlgMismatch);
    // An ES256 token relabelled ES384 against its own P-256 key.
    let header = json!({ "alg": "ES384", "kid": "ec-p256" }).to_string();
    let compact = mint_raw(&header, &claims().to_string(), Algorithm::ES256, "ec-p256");
    assert_eq!(verify(&compact).unwrap_err(), Error::KeyAlgMismatch);
    // No kid and only EC keys: nothing fits RS256.
    let ec_only = KeySet::from_jwks_json(
        json!({ "keys": [serde_json::from_slice::<serde_json::Value>(&fixture("jwks.json")).unwrap()["keys"][1]] })
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let token = Token::parse(
        &mint(&json!({ "alg": "RS256" }), &claims(), Alg::Rs256),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(
        token.verify(&ec_only, &validation(), NOW).unwrap_err(),
        Error::NoKeyForAlg
    );
    // A JWK that claims an RSA alg for an EC key is refused at parse.
    let mislabelled = json!({ "kty": "EC", "crv": "P-256", "alg": "RS256",
        "x": "u35yc5fzoCGs0DJSfu0J-AEl8g35w4g8QWc5D0XzdZM", "y": "5JLAQjXAPSaMXUcxJgRlz4EdjW3OJ7v0UK1ZpyeMip4" });
    assert_eq!(
        Jwk::from_json(mislabelled.to_string().as_bytes()).unwrap_err(),
        Error::JwkAlgUnsupported
    );
}

/// Group orders (SEC 2 §2.4.2, §2.5.1).
const P256_N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const P384_N: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn psychic_signatures() {
    // CVE-2022-21449: r = s = 0 "verifies" in a verifier that skips the range check.
    for (alg, order) in [(Alg::Es256, P256_N), (Alg::Es384, P384_N)] {
        let header = jose_support::header(alg).to_string();
        let claims = jose_support::claims().to_string();
        let n = hex(order);
        let len = n.len();
        let zero = vec![0u8; len];
        let one = {
            let mut v = vec![0u8; len];
            v[len - 1] = 1;
            v
        };
        let n_plus_1 = {
            let mut v = n.clone();
            v[len - 1] += 1;
            v
        };
        let max = vec![0xffu8; len];
        let cases: [(&[u8], &[u8]); 7] = [
            (&zero, &zero),
            (&n, &n),
            (&zero, &one),
            (&one, &zero),
            (&n, &one),
            (&one, &n_plus_1),
            (&max, &max),
        ];
        for (r, s) in cases {
            let sig = [r, s].concat();
            assert_eq!(
                verify(&encode(&header, &claims, &sig)).unwrap_err(),
                Error::BadSignature,
                "{alg:?}"
            );
        }
        // A genuine signature verifies; the same token with r = s = 0 does not.
        let good = mint(&jose_support::header(alg), &jose_support::claims(), alg);
        verify(&good).unwrap();
        let sig = unb64(good.rsplit_once('.').unwrap().1);
        assert_eq!(sig.len(), 2 * len);
        let mut all_zero = sig.clone();
        all_zero.iter_mut().for_each(|b| *b = 0);
        let (head, _) = good.rsplit_once('.').unwrap();
        assert_eq!(
            verify(&format!("{head}.{}", b64(&all_zero))).unwrap_err(),
            Error::BadSignature
        );
    }
}

/// DER SEQUENCE { INTEGER r, INTEGER s } from raw big-endian r, s (short form lengths).
fn der(r: &[u8], s: &[u8]) -> Vec<u8> {
    fn int(x: &[u8]) -> Vec<u8> {
        let x: Vec<u8> = x.iter().copied().skip_while(|b| *b == 0).collect();
        let mut body = if x.first().is_some_and(|b| b & 0x80 != 0) {
            vec![0]
        } else {
            vec![]
        };
        body.extend_from_slice(&x);
        [vec![0x02, body.len() as u8], body].concat()
    }
    let body = [int(r), int(s)].concat();
    [vec![0x30, body.len() as u8], body].concat()
}

#[test]
fn der_ecdsa_signature_refused() {
    for alg in [Alg::Es256, Alg::Es384] {
        let good = mint(&header(alg), &claims(), alg);
        verify(&good).unwrap();
        let (head, sig) = good.rsplit_once('.').unwrap();
        let raw = unb64(sig);
        let (r, s) = raw.split_at(raw.len() / 2);
        let der = der(r, s);
        assert_eq!(
            verify(&format!("{head}.{}", b64(&der))).unwrap_err(),
            Error::BadSignature,
            "{alg:?}"
        );
    }
}

#[test]
fn kid_path_traversal_and_sql_are_opaque() {
    let hostile = [
        "../../../../etc/passwd",
        "/dev/null",
        "..\\..\\windows\\win.ini",
        "rsa-2048/../ec-p256",
        "' OR '1'='1",
        "rsa-2048' --",
        "rsa-2048\u{0000}",
        "RSA-2048",
        " rsa-2048",
        "https://attacker.example/key",
        "",
    ];
    for kid in hostile {
        assert!(!jwks().has_kid(kid), "{kid:?}");
        // Genuinely signed by the real key: only the kid is wrong, and it is never interpreted.
        let header = json!({ "alg": "RS256", "kid": kid });
        let err = verify(&mint(&header, &claims(), Alg::Rs256)).unwrap_err();
        assert_eq!(err, Error::UnknownKid, "{kid:?}");
    }
    // A non-string kid is a malformed header.
    let header = json!({ "alg": "RS256", "kid": ["rsa-2048"] });
    assert_eq!(
        verify(&mint(&header, &claims(), Alg::Rs256)).unwrap_err(),
        Error::HeaderMemberType
    );
}

#[test]
fn embedded_jwk_jku_x5u_ignored() {
    // The attacker signs with a key of their own and points the header at it.
    let attacker = EncodingKey::from_rsa_pem(&fixture("rsa-2048-other.pem")).unwrap();
    let attacker_jwk = serde_json::to_value(
        jsonwebtoken::jwk::Jwk::from_encoding_key(&attacker, Algorithm::RS256).unwrap(),
    )
    .unwrap();
    let pointers = [
        json!({ "alg": "RS256", "jwk": attacker_jwk }),
        json!({ "alg": "RS256", "jku": "https://attacker.example/jwks.json" }),
        json!({ "alg": "RS256", "x5u": "https://attacker.example/cert.pem" }),
        json!({ "alg": "RS256", "x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"] }),
        json!({ "alg": "RS256", "jwk": attacker_jwk, "jku": "https://attacker.example/jwks.json", "x5u": "https://attacker.example/x" }),
    ];
    for header in pointers {
        // No kid: the only RS256 key in OUR set is chosen, and the attacker's signature fails.
        let compact = mint_raw(
            &header.to_string(),
            &claims().to_string(),
            Algorithm::RS256,
            "rsa-2048-other",
        );
        assert_eq!(
            verify(&compact).unwrap_err(),
            Error::BadSignature,
            "{header}"
        );
        // With the attacker's kid: not in our set.
        let mut with_kid = header.clone();
        with_kid["kid"] = json!("attacker");
        let compact = mint_raw(
            &with_kid.to_string(),
            &claims().to_string(),
            Algorithm::RS256,
            "rsa-2048-other",
        );
        assert_eq!(
            verify(&compact).unwrap_err(),
            Error::UnknownKid,
            "{with_kid}"
        );
    }
}

#[test]
fn crit_b64_zip_refused() {
    let signed = |h: serde_json::Value| {
        verify(&mint_raw(
            &h.to_string(),
            &claims().to_string(),
            Algorithm::RS256,
            "rsa-2048",
        ))
    };
    assert_eq!(
        signed(json!({ "alg": "RS256", "crit": ["exp"], "exp": NOW + 300 })).unwrap_err(),
        Error::CritUnsupported
    );
    assert_eq!(
        signed(json!({ "alg": "RS256", "crit": [] })).unwrap_err(),
        Error::CritUnsupported
    );
    assert_eq!(
        signed(json!({ "alg": "RS256", "crit": "b64" })).unwrap_err(),
        Error::CritUnsupported
    );
    // RFC 7797 as specified (b64 listed in crit) and without crit.
    assert_eq!(
        signed(json!({ "alg": "RS256", "b64": false, "crit": ["b64"] })).unwrap_err(),
        Error::CritUnsupported
    );
    assert_eq!(
        signed(json!({ "alg": "RS256", "b64": false })).unwrap_err(),
        Error::B64Unsupported
    );
    assert_eq!(
        signed(json!({ "alg": "RS256", "zip": "DEF" })).unwrap_err(),
        Error::ZipUnsupported
    );
    assert_eq!(
        signed(json!({ "alg": "RS256", "cty": "JWT" })).unwrap_err(),
        Error::NestedJwt
    );
    assert_eq!(
        signed(json!({ "alg": "RS256", "typ": "dpop+jwt" })).unwrap_err(),
        Error::TypNotAccepted
    );
}

#[test]
fn duplicate_members_refused() {
    let claims = claims().to_string();
    let dup_headers = [
        r#"{"alg":"RS256","alg":"none"}"#,
        r#"{"alg":"none","alg":"RS256"}"#,
        r#"{"alg":"RS256","\u0061lg":"RS256"}"#,
        r#"{"alg":"RS256","kid":"rsa-2048","kid":"ec-p256"}"#,
    ];
    for header in dup_headers {
        let compact = mint_raw(header, &claims, Algorithm::RS256, "rsa-2048");
        assert_eq!(
            verify(&compact).unwrap_err(),
            Error::HeaderDuplicateMember,
            "{header}"
        );
    }
    let header = header(Alg::Rs256).to_string();
    let dup_claims = [
        format!(
            r#"{{"iss":"https://evil.example","iss":"{ISS}","exp":{}}}"#,
            NOW + 300
        ),
        format!(
            r#"{{"iss":"{ISS}","exp":{},"exp":{}}}"#,
            NOW - 1000,
            NOW + 300
        ),
        format!(
            r#"{{"iss":"{ISS}","exp":{},"nested":{{"a":1,"a":2}}}}"#,
            NOW + 300
        ),
    ];
    for claims in dup_claims {
        let compact = mint_raw(&header, &claims, Algorithm::RS256, "rsa-2048");
        assert_eq!(
            verify(&compact).unwrap_err(),
            Error::ClaimsDuplicateMember,
            "{claims}"
        );
    }
}

#[test]
fn string_numeric_dates_refused() {
    // CVE-2026-25537: a string exp must not be skipped as "absent".
    let es = |c: serde_json::Value| verify(&mint(&header(Alg::Es256), &c, Alg::Es256));
    assert_eq!(
        es(claims_with("exp", json!((NOW + 300).to_string()))).unwrap_err(),
        Error::ClaimType(Claim::Exp)
    );
    assert_eq!(
        es(claims_with("exp", json!("1"))).unwrap_err(),
        Error::ClaimType(Claim::Exp)
    );
    assert_eq!(
        es(claims_with("exp", json!(null))).unwrap_err(),
        Error::ClaimType(Claim::Exp)
    );
    assert_eq!(
        es(claims_with("exp", json!([NOW + 300]))).unwrap_err(),
        Error::ClaimType(Claim::Exp)
    );
    assert_eq!(
        es(claims_with("nbf", json!((NOW + 3600).to_string()))).unwrap_err(),
        Error::ClaimType(Claim::Nbf)
    );
    assert_eq!(
        es(claims_with("iat", json!("now"))).unwrap_err(),
        Error::ClaimType(Claim::Iat)
    );
    // Even when exp is optional, a malformed one is refused.
    let lax = jose::Validation {
        require_exp: false,
        ..validation()
    };
    let token = Token::parse(
        &mint(
            &header(Alg::Es256),
            &claims_with("exp", json!("0")),
            Alg::Es256,
        ),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(
        token.verify(&jwks(), &lax, NOW).unwrap_err(),
        Error::ClaimType(Claim::Exp)
    );
}

#[test]
fn aud_of_wrong_type_refused() {
    let es = |c: serde_json::Value| verify(&mint(&header(Alg::Es256), &c, Alg::Es256));
    for aud in [
        json!(1),
        json!(true),
        json!({ "aud": AUD }),
        json!([AUD, 1]),
        json!([[AUD]]),
        json!(null),
    ] {
        assert_eq!(
            es(claims_with("aud", aud.clone())).unwrap_err(),
            Error::ClaimType(Claim::Aud),
            "{aud}"
        );
    }
}

#[test]
fn one_megabyte_token_refused() {
    let megabyte = "A".repeat(1 << 20);
    assert_eq!(
        Token::parse(&megabyte, &Limits::default()).unwrap_err(),
        Error::TokenTooLarge
    );
    let shaped = format!(
        "{}.{}.{}",
        &megabyte[..1000],
        &megabyte[..(1 << 20) - 2000],
        &megabyte[..998]
    );
    assert_eq!(
        Token::parse(&shaped, &Limits::default()).unwrap_err(),
        Error::TokenTooLarge
    );
    // Even with the token cap lifted, a huge header is refused before decoding.
    let lifted = Limits {
        max_token_bytes: 4 << 20,
        ..Limits::default()
    };
    let big_header = format!(
        "{}.e30.",
        b64(format!(r#"{{"alg":"RS256","x":"{}"}}"#, "a".repeat(1 << 20)).as_bytes())
    );
    assert_eq!(
        Token::parse(&big_header, &lifted).unwrap_err(),
        Error::HeaderTooLarge
    );
    // And a 1 MB claims set is parsed without trouble and then fails on its signature.
    let big_claims = claims_with("pad", json!("a".repeat(1 << 20)));
    let compact = mint(&header(Alg::Es256), &big_claims, Alg::Es256);
    assert_eq!(
        Token::parse(&compact, &Limits::default()).unwrap_err(),
        Error::TokenTooLarge
    );
    Token::parse(&compact, &lifted)
        .unwrap()
        .verify(&jwks(), &validation(), NOW)
        .unwrap();
}

#[test]
fn deeply_nested_json_refused() {
    let header = header(Alg::Es256).to_string();
    for depth in [17usize, 200, 100_000] {
        let arrays = format!(
            r#"{{"iss":"{ISS}","x":{}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let objects = format!(
            r#"{{"iss":"{ISS}","x":{}1{}}}"#,
            r#"{"a":"#.repeat(depth),
            "}".repeat(depth)
        );
        for claims in [arrays, objects] {
            let compact = encode(&header, &claims, &[0; 64]);
            let lifted = Limits {
                max_token_bytes: usize::MAX,
                ..Limits::default()
            };
            assert_eq!(
                Token::parse(&compact, &lifted).unwrap_err(),
                Error::JsonTooDeep,
                "{depth}"
            );
            // With our depth cap lifted too, the parser's own nesting bound (127) still holds,
            // and says so.
            let no_cap = Limits {
                max_json_depth: usize::MAX,
                ..lifted
            };
            if depth > 128 {
                assert_eq!(
                    Token::parse(&compact, &no_cap).unwrap_err(),
                    Error::JsonTooDeep,
                    "{depth}"
                );
            }
        }
    }
    let nested_header = format!(
        r#"{{"alg":"ES256","x":{}{}}}"#,
        "[".repeat(64),
        "]".repeat(64)
    );
    let compact = encode(&nested_header, &claims().to_string(), &[0; 64]);
    assert_eq!(
        Token::parse(&compact, &Limits::default()).unwrap_err(),
        Error::JsonTooDeep
    );
    // Within the cap, nesting is fine (Keycloak-style roles).
    let roles = claims_with("resource_access", json!({ "mcp": { "roles": ["admin"] } }));
    verify(&mint(
        &serde_json::from_str(&header).unwrap(),
        &roles,
        Alg::Es256,
    ))
    .unwrap();
}

#[test]
fn compact_shape_and_base64() {
    let good = mint(&header(Alg::Es256), &claims(), Alg::Es256);
    verify(&good).unwrap();
    let (h, rest) = good.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    assert_eq!(
        Token::parse(&format!("{h}.{p}.{s}.x.y"), &Limits::default()).unwrap_err(),
        Error::Jwe
    );
    let shapes = [
        (format!("{h}.{p}"), Error::Malformed),
        (format!("{h}.{p}.{s}.x"), Error::Malformed),
        (format!("{h}.{p}.{s}.x.y.z"), Error::Malformed),
        (String::new(), Error::Malformed),
        ("..".into(), Error::HeaderNotJson),
        (format!("{h}..{s}"), Error::ClaimsNotJson),
    ];
    for (bad, reason) in shapes {
        assert_eq!(
            Token::parse(&bad, &Limits::default()).unwrap_err(),
            reason,
            "{bad}"
        );
    }
    assert_eq!(
        Token::parse(&format!("{h}=.{p}.{s}"), &Limits::default()).unwrap_err(),
        Error::HeaderBase64
    );
    assert_eq!(
        Token::parse(&format!("{h}.{p}+.{s}"), &Limits::default()).unwrap_err(),
        Error::PayloadBase64
    );
    assert_eq!(
        Token::parse(&format!("{h}.{p}.{s} "), &Limits::default()).unwrap_err(),
        Error::SignatureBase64
    );
    // Non-canonical trailing bits: the ES256 signature is 64 bytes = 86 chars, last char holds
    // 2 data bits + 4 zero bits; setting a zero bit makes a second spelling of the same bytes.
    let last = s.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let pos = alphabet.find(last).unwrap();
    let twin = alphabet.chars().nth(pos | 1).unwrap();
    let s2 = format!("{}{twin}", &s[..s.len() - 1]);
    assert_eq!(
        Token::parse(&format!("{h}.{p}.{s2}"), &Limits::default()).unwrap_err(),
        Error::SignatureBase64
    );
    // A JWE-style header in a three-part token.
    let jwe_header = json!({ "alg": "RSA-OAEP", "enc": "A256GCM" }).to_string();
    assert_eq!(
        Token::parse(&encode(&jwe_header, "{}", b""), &Limits::default()).unwrap_err(),
        Error::Jwe
    );
    // Claims that are not an object.
    let h2 = header(Alg::Es256).to_string();
    for claims in ["[]", "\"s\"", "null", "{", "{}{}"] {
        assert_eq!(
            Token::parse(&encode(&h2, claims, b""), &Limits::default()).unwrap_err(),
            Error::ClaimsNotJson,
            "{claims}"
        );
    }
}

#[test]
fn mutations_never_panic() {
    // Every prefix, and every single-character substitution, of valid tokens: errors, no panics,
    // and no mutated token verifies.
    for alg in [Alg::Rs256, Alg::Es256, Alg::EdDsa] {
        let good = mint(&header(alg), &claims(), alg);
        for end in 0..good.len() {
            assert!(verify(&good[..end]).is_err());
        }
        let bytes = good.as_bytes();
        for i in (0..bytes.len()).step_by(3) {
            for replacement in [b'.', b'A', b'_', b'=', 0xC3] {
                if bytes[i] == replacement {
                    continue;
                }
                let mut mutated = bytes.to_vec();
                mutated[i] = replacement;
                if let Ok(text) = std::str::from_utf8(&mutated) {
                    assert!(verify(text).is_err(), "{alg:?} mutation at {i}");
                }
            }
        }
    }
}

#[test]
fn hostile_jwks_documents() {
    // Structural failures are errors; odd keys are skipped; nothing panics.
    assert_eq!(KeySet::from_jwks_json(b"").unwrap_err(), Error::JwksNotJson);
    assert_eq!(
        KeySet::from_jwks_json(b"[]").unwrap_err(),
        Error::JwksNotJson
    );
    assert_eq!(
        KeySet::from_jwks_json(br#"{"keys":1}"#).unwrap_err(),
        Error::JwksMissingKeys
    );
    assert_eq!(
        KeySet::from_jwks_json(br#"{"keys":[],"keys":[]}"#).unwrap_err(),
        Error::JwksNotJson
    );
    assert_eq!(
        KeySet::from_jwks_json(br#"{"keys":[1,"x",null,{}]}"#).unwrap_err(),
        Error::JwksNoUsableKey
    );
    let deep = format!(
        r#"{{"keys":[{}{}]}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(
        KeySet::from_jwks_json(deep.as_bytes()).unwrap_err(),
        Error::JwksNotJson
    );
    let fixture_set: serde_json::Value = serde_json::from_slice(&fixture("jwks.json")).unwrap();
    let mut keys = fixture_set["keys"].as_array().unwrap().clone();
    keys.push(json!({ "kty": "oct", "k": "c2VjcmV0" }));
    keys.push(json!({ "kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA" }));
    keys.push(json!({ "kty": "OKP", "crv": "X25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" }));
    keys.push(json!({ "kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "tiny" }));
    keys.push(json!({ "kty": "RSA", "use": "enc", "kid": "rsa-2048", "n": fixture_set["keys"][0]["n"], "e": "AQAB" }));
    let set = KeySet::from_jwks_json(json!({ "keys": keys }).to_string().as_bytes()).unwrap();
    assert_eq!(
        set.len(),
        4,
        "unusable keys skipped; the enc key's shared kid is not a duplicate"
    );
    // Two usable keys with one kid: ambiguous, so the whole set is refused.
    let mut dup = fixture_set["keys"].as_array().unwrap().clone();
    let mut twin = dup[1].clone();
    twin["kid"] = json!("rsa-2048");
    dup.push(twin);
    assert_eq!(
        KeySet::from_jwks_json(json!({ "keys": dup }).to_string().as_bytes()).unwrap_err(),
        Error::JwksDuplicateKid
    );
}
