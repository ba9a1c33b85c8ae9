//! Regression tests for what the fuzzing work (issue 7) found: each says how it was found.
//! The gateway findings listed under "Open" in fuzz/README.md (forgery behind bodies serde_json
//! refuses or behind the size cap, the quadratic duplicate check) are fixed: those bodies are
//! now refused (400/413) instead of forwarded, and the tests below pin that.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod prop_support;

use gateway::auth_context::{inspect, AuthContext, MAX_PARSE_BYTES};
use prop_support::fuzz_support::json_oracle::{auth_contexts_in, parse_unbounded};
use serde_json::Value;

fn context() -> AuthContext {
    AuthContext {
        authenticated_user: Some("user_1".into()),
        email: None,
        provider: "authkit".into(),
        issuer: "https://tenant.authkit.app".into(),
        client_id: Some("client_1".into()),
        scopes: vec!["read".into()],
    }
}

/// What the MCP server receives for `body` — nothing when the gateway refuses it — and every
/// `_authContext` a lenient JSON parser (JavaScript's `JSON.parse`, Python's `json`) reads in
/// it, with whether it sits in an `initialize`.
fn forwarded_contexts(body: &[u8], injected: Option<&AuthContext>) -> Vec<(bool, Value)> {
    let Ok(out) = inspect(body, injected, MAX_PARSE_BYTES) else {
        return Vec::new();
    };
    let sent = out.as_deref().unwrap_or(body);
    auth_contexts_in(&parse_unbounded(sent).expect("a lenient parser reads the forwarded body"))
}

/// The body is refused (not forwarded), with and without an identity to inject.
fn assert_refused(body: &[u8]) {
    assert!(inspect(body, Some(&context()), MAX_PARSE_BYTES).is_err());
    assert!(inspect(body, None, MAX_PARSE_BYTES).is_err());
}

fn assert_not_forged(body: &[u8]) {
    let ctx = context();
    // The injected context as the independent parser reads the bytes the gateway writes.
    let expected: serde_json::Value =
        serde_json::from_slice(&json::to_vec(&ctx.to_value()).unwrap_or_default()).unwrap();
    for (is_initialize, found) in forwarded_contexts(body, Some(&ctx)) {
        assert!(
            is_initialize && found == expected,
            "forged _authContext forwarded: {found}"
        );
    }
    assert_eq!(
        forwarded_contexts(body, None),
        vec![],
        "forged _authContext forwarded with auth disabled"
    );
}

const FORGED: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"_authContext":{"authenticated_user":"admin"}}"#;

/// Control: the plain forgery is overwritten (initialize) or stripped (auth disabled).
#[test]
fn plain_forgery_is_replaced() {
    assert_not_forged(format!("{FORGED}}}").as_bytes());
}

/// Found by review while writing `initialize_rewrite`'s oracle (the fuzzer did not reach it in
/// 1.8 M runs; the target flags this input at once): serde_json refuses nesting deeper than
/// 128, `rewrite_body` returned `None` and the body was forwarded verbatim, forged identity
/// included; Node's and Python's parsers read it. Fixed: a body that must be inspected and does
/// not parse is refused (400, JSON-RPC parse error).
#[test]
fn forgery_behind_deep_nesting() {
    let pad = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let body = format!("{FORGED},\"pad\":{pad}}}");
    assert_refused(body.as_bytes());
    assert_not_forged(body.as_bytes());
}

/// Same route: a lone UTF-16 surrogate escape, which serde_json refuses and `JSON.parse` /
/// Python's `json` accept.
#[test]
fn forgery_behind_lone_surrogate() {
    let body = format!("{FORGED},\"pad\":\"\\ud800\"}}");
    assert_refused(body.as_bytes());
    assert_not_forged(body.as_bytes());
}

/// Same route: a number outside f64's range, which serde_json refuses and others read as
/// infinity.
#[test]
fn forgery_behind_huge_number() {
    let body = format!("{FORGED},\"pad\":1e400}}");
    assert_refused(body.as_bytes());
    assert_not_forged(body.as_bytes());
}

/// The documented size cut-off was a forgery route too: a body over `MAX_PARSE_BYTES` was
/// forwarded unparsed, so padding a forged `initialize` past 4 MiB delivered it verbatim.
/// ("`x-auth-*` remain authoritative" only helps servers that ignore `_authContext`.) Fixed:
/// bodies over the cap are refused (413).
#[test]
fn forgery_behind_size_cap() {
    let pad = "x".repeat(MAX_PARSE_BYTES);
    let body = format!("{FORGED},\"pad\":\"{pad}\"}}");
    assert_refused(body.as_bytes());
    assert_not_forged(body.as_bytes());
}

// ---- jose -------------------------------------------------------------------------------------

mod ed25519_small_order {
    use base64ct::{Base64UrlUnpadded, Encoding};
    use jose::{Alg, Error, Jwk};

    /// The Ed25519 base point B, encoded (RFC 8032 §5.1).
    const BASE_POINT: &str = "5866666666666666666666666666666666666666666666666666666666666666";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn okp(x: &[u8]) -> String {
        format!(
            r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#,
            Base64UrlUnpadded::encode_string(x)
        )
    }

    /// Found while writing the `jwks` target's oracle (a forged signature must never verify,
    /// whatever key material parsing let through; the target now tries this forgery): a JWK whose
    /// `x` is a small-order point makes signatures verify without any private key. With the
    /// identity point as the key, `R = B, S = 1` satisfies `[S]B = R + [k]A` for EVERY message,
    /// so a JWK Set carrying such a key (a broken or hostile provider, a poisoned cache) would
    /// let anyone mint tokens. ring, like RFC 8032, does not refuse such keys; the core now
    /// does, as libsodium does.
    #[test]
    fn small_order_public_keys_are_refused() {
        let mut identity = vec![0u8; 32];
        identity[0] = 1;
        let mut forged = hex(BASE_POINT);
        forged.push(1);
        forged.extend([0u8; 31]);
        let key = Jwk::from_json(okp(&identity).as_bytes());
        assert_eq!(
            key.as_ref().err(),
            Some(&Error::JwkOkpSmallOrder),
            "identity point accepted as a key"
        );
        // Before the fix this verified: show the forgery it would have allowed is what we refuse.
        for message in [&b"any.message"[..], b"another"] {
            if let Ok(key) = &key {
                assert!(key.verify(Alg::EdDsa, message, &forged).is_err());
            }
        }
        let small_order = [
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0100000000000000000000000000000000000000000000000000000000000000",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        ];
        for x in small_order {
            for sign in [0u8, 0x80] {
                let mut x = hex(x);
                x[31] |= sign;
                assert!(Jwk::from_json(okp(&x).as_bytes()).is_err(), "{x:02x?}");
            }
        }
        // An ordinary key still parses (RFC 8037 A.2).
        let rfc8037 = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assert!(Jwk::from_json(okp(&rfc8037).as_bytes()).is_ok());
    }

    /// The forgery itself, at the ring layer the core builds on: documents why the JWK check
    /// is needed (ring verifies `[S]B = R + [k]A` without refusing a small-order `A`).
    #[test]
    fn ring_alone_accepts_the_universal_forgery() {
        use ring::signature::{UnparsedPublicKey, ED25519};
        let mut identity = vec![0u8; 32];
        identity[0] = 1;
        let mut forged = hex(BASE_POINT);
        forged.push(1);
        forged.extend([0u8; 31]);
        for message in [&b"any.message"[..], b"another", b""] {
            let verdict = UnparsedPublicKey::new(&ED25519, &identity).verify(message, &forged);
            // If ring ever refuses small-order keys itself, this fails: the JWK check then stays
            // as defence in depth, and this test can go.
            assert!(verdict.is_ok(), "ring now refuses the forgery itself");
        }
    }
}

// ---- gateway resource bounds ------------------------------------------------------------------

/// An `initialize` body whose params hold `n` distinct members, `"k<i>":0`.
fn wide_initialize(n: usize) -> Vec<u8> {
    let members: Vec<String> = (0..n).map(|i| format!("\"k{i}\":0")).collect();
    format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{{}}}}}"#,
        members.join(",")
    )
    .into_bytes()
}

/// Found by review (inputs under libFuzzer's length limits stay fast): `has_duplicate_members`
/// kept the names seen in a `Vec` and scanned it for each new name (fixed: duplicates are now
/// found by `Map::insert` while the value is built):
/// quadratic in the members of one object. A 4 MiB body (the parse cap) holds ~500 000 such
/// members, i.e. ~10^11 string comparisons of CPU for one request. Work per byte must stay
/// bounded: doubling the body must not quadruple the time.
#[test]
fn duplicate_check_is_not_quadratic() {
    let ctx = context();
    // Best of three runs each, to damp noise on a shared machine.
    let time = |n: usize| {
        let body = wide_initialize(n);
        (0..3)
            .map(|_| {
                let start = std::time::Instant::now();
                assert!(matches!(
                    inspect(&body, Some(&ctx), MAX_PARSE_BYTES),
                    Ok(Some(_))
                ));
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let small = time(5_000);
    let large = time(20_000);
    println!(
        "5k members: {small:.3}s, 20k members: {large:.3}s, ratio {:.1} (linear: 4, quadratic: 16)",
        large / small
    );
    assert!(
        large / small < 8.0,
        "5k members: {small:.3}s, 20k: {large:.3}s"
    );
}
