//! JWK parsing rules (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2): each refusal has its reason.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod jose_support;

use jose::{Alg, Error, Jwk, KeySet};
use jose_support::*;
use serde_json::{json, Value};

fn fixture_key(i: usize) -> Value {
    serde_json::from_slice::<Value>(&fixture("jwks.json")).unwrap()["keys"][i].clone()
}

fn parse(v: &Value) -> Result<Jwk, Error> {
    Jwk::from_json(v.to_string().as_bytes())
}

fn with(mut v: Value, name: &str, value: Value) -> Value {
    v[name] = value;
    v
}

fn without(mut v: Value, name: &str) -> Value {
    v.as_object_mut().unwrap().remove(name);
    v
}

#[test]
fn rsa_modulus_and_exponent_ranges() {
    let rsa = fixture_key(0);
    parse(&rsa).unwrap();
    let odd = |len: usize, top: u8| {
        let mut n = vec![0xffu8; len];
        n[0] = top;
        b64(&n)
    };
    // Below 2048 bits (as Wycheproof's legacy 1024-bit keys would be): refused at parse.
    assert_eq!(
        parse(&with(rsa.clone(), "n", json!(odd(128, 0xff)))).unwrap_err(),
        Error::JwkRsaModulusTooSmall
    );
    assert_eq!(
        parse(&with(rsa.clone(), "n", json!(odd(256, 0x7f)))).unwrap_err(),
        Error::JwkRsaModulusTooSmall
    );
    // Exactly 2048 bits is accepted: 0x80ff…ff with a low byte that leaves no small factor
    // (0x80ff…ff itself is divisible by 3, which `roca` refuses as no RSA modulus).
    let mut n2048 = unb64(&odd(256, 0x80));
    assert_eq!(
        parse(&with(rsa.clone(), "n", json!(b64(&n2048)))).unwrap_err(),
        Error::JwkRsaModulusInvalid
    );
    while parse(&with(rsa.clone(), "n", json!(b64(&n2048)))).is_err() {
        n2048[255] -= 2;
    }
    assert_eq!(
        parse(&with(rsa.clone(), "n", json!(b64(&n2048)))).map(|k| k.kty()),
        Ok("RSA")
    );
    assert_eq!(
        parse(&with(rsa.clone(), "n", json!(odd(1025, 0x01)))).unwrap_err(),
        Error::JwkRsaModulusTooLarge
    );
    assert_eq!(
        parse(&with(rsa.clone(), "n", json!(""))).unwrap_err(),
        Error::JwkRsaModulusTooSmall
    );
    let mut even = vec![0xffu8; 256];
    even[255] = 0xfe;
    assert_eq!(
        parse(&with(rsa.clone(), "n", json!(b64(&even)))).unwrap_err(),
        Error::JwkRsaModulusInvalid
    );
    // A leading zero octet is tolerated and normalised away (same integer).
    let n = unb64(rsa["n"].as_str().unwrap());
    let padded = parse(&with(
        rsa.clone(),
        "n",
        json!(b64(&[&[0u8][..], &n].concat())),
    ))
    .unwrap();
    assert_eq!(padded, parse(&rsa).unwrap());
    for (e, ok) in [
        (&[1u8][..], false),
        (&[2], false),
        (&[3], true),
        (&[1, 0, 0], false),
        (&[1, 0, 1], true),
        (&[0, 1, 0, 1], true),
        (&[1, 0xff, 0xff, 0xff, 0xff], true),
        (&[2, 0, 0, 0, 1], false),
        (&[1, 0, 0, 0, 0, 1], false),
        (&[], false),
    ] {
        let got = parse(&with(rsa.clone(), "e", json!(b64(e))));
        assert_eq!(got.is_ok(), ok, "e = {e:?}");
        if !ok {
            assert_eq!(got.unwrap_err(), Error::JwkRsaExponentInvalid, "e = {e:?}");
        }
    }
    assert_eq!(
        parse(&without(rsa.clone(), "n")).unwrap_err(),
        Error::JwkMissingMember
    );
    assert_eq!(
        parse(&with(rsa.clone(), "e", json!(65537))).unwrap_err(),
        Error::JwkInvalidMember
    );
    assert_eq!(
        parse(&with(rsa, "n", json!("AQAB="))).unwrap_err(),
        Error::JwkInvalidMember
    );
}

#[test]
fn ec_coordinates_exact_and_in_range() {
    for (i, size) in [(1usize, 32usize), (2, 48)] {
        let ec = fixture_key(i);
        parse(&ec).unwrap();
        let x = unb64(ec["x"].as_str().unwrap());
        assert_eq!(x.len(), size);
        // RFC 7518 §6.2.1.2: full size, no shorter, no longer (not even a zero-padded 33 bytes).
        assert_eq!(
            parse(&with(ec.clone(), "x", json!(b64(&x[1..])))).unwrap_err(),
            Error::JwkEcCoordinateLength
        );
        let longer = [&[0u8][..], &x].concat();
        assert_eq!(
            parse(&with(ec.clone(), "x", json!(b64(&longer)))).unwrap_err(),
            Error::JwkEcCoordinateLength
        );
        assert_eq!(
            parse(&with(ec.clone(), "y", json!(b64(&vec![0xff; size])))).unwrap_err(),
            Error::JwkEcPointInvalid
        );
        assert_eq!(
            parse(&with(ec.clone(), "crv", json!("P-521"))).unwrap_err(),
            Error::JwkUnsupportedCurve
        );
        assert_eq!(
            parse(&with(ec.clone(), "crv", json!("secp256k1"))).unwrap_err(),
            Error::JwkUnsupportedCurve
        );
        assert_eq!(
            parse(&without(ec.clone(), "y")).unwrap_err(),
            Error::JwkMissingMember
        );
        assert_eq!(
            parse(&without(ec, "crv")).unwrap_err(),
            Error::JwkMissingMember
        );
    }
    // In range but not on the curve: refused when the JWK is parsed (before, only ring's point
    // validation at verification caught it).
    let ec = fixture_key(1);
    let mut y = unb64(ec["y"].as_str().unwrap());
    y[31] ^= 1;
    assert_eq!(
        parse(&with(ec, "y", json!(b64(&y)))).unwrap_err(),
        Error::JwkEcPointNotOnCurve
    );
}

#[test]
fn okp_ed25519_only() {
    let ed = fixture_key(3);
    parse(&ed).unwrap();
    let x = unb64(ed["x"].as_str().unwrap());
    assert_eq!(
        parse(&with(ed.clone(), "x", json!(b64(&x[..31])))).unwrap_err(),
        Error::JwkOkpKeyLength
    );
    assert_eq!(
        parse(&with(ed.clone(), "crv", json!("X25519"))).unwrap_err(),
        Error::JwkUnsupportedCurve
    );
    assert_eq!(
        parse(&with(ed.clone(), "crv", json!("Ed448"))).unwrap_err(),
        Error::JwkUnsupportedCurve
    );
    assert_eq!(
        parse(&with(ed, "alg", json!("ES256"))).unwrap_err(),
        Error::JwkAlgUnsupported
    );
}

#[test]
fn use_key_ops_alg_kid() {
    let rsa = fixture_key(0);
    assert_eq!(
        parse(&with(rsa.clone(), "use", json!("enc"))).unwrap_err(),
        Error::JwkNotForSignature
    );
    assert_eq!(
        parse(&with(rsa.clone(), "use", json!(1))).unwrap_err(),
        Error::JwkInvalidMember
    );
    parse(&with(rsa.clone(), "key_ops", json!(["verify"]))).unwrap();
    parse(&with(rsa.clone(), "key_ops", json!(["sign", "verify"]))).unwrap();
    assert_eq!(
        parse(&with(rsa.clone(), "key_ops", json!(["encrypt"]))).unwrap_err(),
        Error::JwkNotForSignature
    );
    assert_eq!(
        parse(&with(rsa.clone(), "key_ops", json!([]))).unwrap_err(),
        Error::JwkNotForSignature
    );
    assert_eq!(
        parse(&with(rsa.clone(), "key_ops", json!("verify"))).unwrap_err(),
        Error::JwkInvalidMember
    );
    assert_eq!(
        parse(&with(rsa.clone(), "alg", json!("RSA-OAEP"))).unwrap_err(),
        Error::JwkAlgUnsupported
    );
    assert_eq!(
        parse(&with(rsa.clone(), "alg", json!("ES256"))).unwrap_err(),
        Error::JwkAlgUnsupported
    );
    assert_eq!(
        parse(&with(rsa.clone(), "alg", json!("HS256"))).unwrap_err(),
        Error::JwkAlgUnsupported
    );
    let ps = parse(&with(rsa.clone(), "alg", json!("PS256"))).unwrap();
    assert!(ps.fits(Alg::Ps256) && !ps.fits(Alg::Rs256) && !ps.fits(Alg::Es256));
    let any = parse(&rsa).unwrap();
    for alg in Alg::ALL {
        assert_eq!(
            any.fits(alg),
            alg.as_str().starts_with('R') || alg.as_str().starts_with('P'),
            "{alg:?}"
        );
    }
    assert_eq!(
        parse(&with(rsa.clone(), "kid", json!(5))).unwrap_err(),
        Error::JwkInvalidMember
    );
    assert_eq!(
        parse(&without(rsa.clone(), "kty")).unwrap_err(),
        Error::JwkMissingMember
    );
    assert_eq!(
        parse(&with(rsa.clone(), "kty", json!("rsa"))).unwrap_err(),
        Error::JwkUnsupportedKeyType
    );
    assert_eq!(
        Jwk::from_json(br#"{"kty":"RSA","kty":"EC"}"#).unwrap_err(),
        Error::JwkNotJson
    );
    // Certificates and private members are never read, whatever they hold.
    let noisy = with(
        with(rsa.clone(), "x5c", json!(["not base64 !"])),
        "d",
        json!(12),
    );
    assert_eq!(parse(&noisy).unwrap(), parse(&rsa).unwrap());
}

#[test]
fn small_keys_leave_no_usable_set() {
    let mut n = vec![0xffu8; 128];
    n[0] = 0xc1;
    let set =
        json!({ "keys": [{ "kty": "RSA", "kid": "legacy-1024", "n": b64(&n), "e": "AQAB" }] });
    assert_eq!(
        KeySet::from_jwks_json(set.to_string().as_bytes()).unwrap_err(),
        Error::JwksNoUsableKey
    );
}
