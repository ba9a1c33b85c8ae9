//! Property tests of the verification core (issue 7): hostile bytes and hostile JSON never
//! panic, and parsing allocates within a fixed multiple of the input size.
//!
//! Allocation is measured with a counting global allocator (per thread, see `prop_support`):
//! `peak` is the most bytes live at once during one call, `total` every byte requested.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod prop_support;

use base64ct::{Base64UrlUnpadded, Encoding};
use jose::{Jwk, Jws, KeySet, Limits, Token, Validation};
use prop_support::fuzz_support::{fixed_keys, sign_ed25519, JWKS_JSON, NOW};
use prop_support::{arb_document, arb_json, arb_object, measure, Allocs, Counting};
use proptest::prelude::*;
use serde_json::{json, Value};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The bound: `peak <= PEAK_PER_BYTE * input + SLACK` and `total <= TOTAL_PER_BYTE * input +
/// SLACK`, where `input` is the length of the bytes parsed (the compact token, the JWK Set).
///
/// The multiple is driven by JSON: a member such as `{"":0}` (6 bytes) becomes a `BTreeMap`
/// leaf node of several hundred bytes. Measured worst cases (see `worst_case_shapes`) stay
/// well under these; any change that allocates per byte beyond them fails here.
const PEAK_PER_BYTE: usize = 128;
const TOTAL_PER_BYTE: usize = 160;
const SLACK: usize = 16 * 1024;

fn within_bound(what: &str, input: usize, a: Allocs) {
    assert!(
        a.peak <= PEAK_PER_BYTE * input + SLACK && a.total <= TOTAL_PER_BYTE * input + SLACK,
        "{what}: {input} input bytes allocated peak {} / total {} bytes ({} allocations)",
        a.peak,
        a.total,
        a.count
    );
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

fn validations() -> [Validation; 2] {
    [
        Validation::new(vec!["https://issuer.example".into()]),
        Validation {
            audiences: Some(vec!["https://mcp.example/mcp".into()]),
            leeway_secs: 0,
            require_exp: false,
            ..Validation::new(vec!["https://issuer.example".into(), "joe".into()])
        },
    ]
}

/// Parse and verify; the allocation bound holds for the parse.
fn parse_and_verify(compact: &str) {
    let limits = Limits::default();
    let allocs = measure(|| Token::parse(compact, &limits));
    within_bound("Token::parse", compact.len(), allocs);
    let _ = Jws::parse(compact, &limits);
    if let Ok(token) = Token::parse(compact, &limits) {
        let _ = (token.alg(), token.kid(), token.unverified_issuer());
        for v in validations() {
            let _ = token.verify(fixed_keys(), &v, NOW);
        }
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn token_from_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        parse_and_verify(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_from_arbitrary_text(text in "[A-Za-z0-9_.=+/ -]{0,400}") {
        parse_and_verify(&text);
    }

    #[test]
    fn token_from_arbitrary_parts(header in arb_document(), payload in arb_document(), sig in prop::collection::vec(any::<u8>(), 0..80)) {
        parse_and_verify(&format!("{}.{}.{}", b64(&header), b64(&payload), b64(&sig)));
    }

}

// Signing (Ed25519) and whole-document parsing cost more per case in a debug build: 256 cases.
proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..config() })]

    /// Correctly signed (Ed25519 fixture key), so hostile claims reach the registered-claim
    /// checks; the header is a real EdDSA header with arbitrary extra members.
    #[test]
    fn signed_token_with_arbitrary_claims(mut header in arb_object(), claims in arb_json(), kid in any::<bool>()) {
        header.insert("alg".into(), json!("EdDSA"));
        if kid { header.insert("kid".into(), json!("ed25519")); } else { header.remove("kid"); }
        let compact = sign_ed25519(&serde_json::to_vec(&header).unwrap(), &serde_json::to_vec(&claims).unwrap());
        parse_and_verify(&compact);
    }

    #[test]
    fn signed_token_with_plausible_claims(
        exp in prop_oneof![Just(json!(NOW + 60)), arb_json()],
        nbf in arb_json(), iat in arb_json(), aud in arb_json(), scope in arb_json(),
        iss in prop_oneof![Just(json!("https://issuer.example")), arb_json()],
    ) {
        let claims = json!({"iss": iss, "exp": exp, "nbf": nbf, "iat": iat, "aud": aud, "scope": scope});
        let compact = sign_ed25519(br#"{"alg":"EdDSA","kid":"ed25519"}"#, claims.to_string().as_bytes());
        parse_and_verify(&compact);
    }

    #[test]
    fn jwks_from_arbitrary_bytes(doc in arb_document()) {
        jwks_roundtrip(&doc);
    }

    #[test]
    fn jwks_from_arbitrary_key_objects(keys in prop::collection::vec(arb_object(), 0..6)) {
        let doc = serde_json::to_vec(&json!({"keys": keys})).unwrap();
        jwks_roundtrip(&doc);
    }

    #[test]
    fn cache_record_from_arbitrary_bytes_after_the_magic(body in prop::collection::vec(any::<u8>(), 0..600)) {
        // The binary record (version 2): whatever follows the magic, no panic, bounded
        // allocation, and what parses re-encodes to itself.
        let mut doc = b"mcp-authorizer-keyset/2\n".to_vec();
        doc.extend_from_slice(&body);
        let allocs = measure(|| KeySet::from_cache_record(&doc));
        within_bound("KeySet::from_cache_record", doc.len(), allocs);
        if let Ok(set) = KeySet::from_cache_record(&doc) {
            prop_assert_eq!(KeySet::from_cache_record(&set.to_cache_record()), Ok(set));
        }
    }
}

/// Any document: no panic, bounded allocation, and a parsed set reads back from its own cache
/// record unchanged.
fn jwks_roundtrip(doc: &[u8]) {
    let allocs = measure(|| KeySet::from_jwks_json(doc));
    within_bound("KeySet::from_jwks_json", doc.len(), allocs);
    let allocs = measure(|| KeySet::from_cache_record(doc));
    within_bound("KeySet::from_cache_record", doc.len(), allocs);
    let _ = Jwk::from_json(doc);
    if let Ok(set) = KeySet::from_jwks_json(doc) {
        let record = set.to_cache_record();
        assert_eq!(KeySet::from_cache_record(&record).as_ref(), Ok(&set));
    }
}

/// Families of inputs chosen to allocate the most per byte, at the size limits: the figures
/// that set `PEAK_PER_BYTE`. Printed with `cargo test --test prop_jose -- --nocapture`.
#[test]
fn worst_case_shapes() {
    let limits = Limits::default();
    let header = b64(br#"{"alg":"EdDSA","kid":"ed25519"}"#);
    // Claims of about `n` bytes built from one repeated element.
    let claims = |unit: &str, n: usize| {
        format!("{{\"a\":[{}]}}", vec![unit; n / (unit.len() + 1)].join(","))
    };
    let mut worst: f64 = 0.0;
    for unit in [
        "0",
        "[]",
        "{}",
        "{\"\":0}",
        "[0]",
        "\"\"",
        "{\"\":{\"\":0}}",
        "1e300",
        "true",
    ] {
        // Largest payload that fits the 16 KiB token limit with a 64-byte signature.
        let compact = format!(
            "{header}.{}.{}",
            b64(claims(unit, 11_000).as_bytes()),
            b64(&[0; 64])
        );
        assert!(compact.len() <= limits.max_token_bytes, "{}", compact.len());
        assert!(Token::parse(&compact, &limits).is_ok(), "{unit}");
        let a = measure(|| Token::parse(&compact, &limits));
        within_bound(unit, compact.len(), a);
        let ratio = a.peak as f64 / compact.len() as f64;
        worst = worst.max(ratio);
        println!(
            "Token::parse  {unit:>16}: {} B in, peak {} B ({ratio:.1}x), total {} B, {} allocs",
            compact.len(),
            a.peak,
            a.total,
            a.count
        );
    }
    // Many distinct member names in one object.
    let names: Vec<String> = (0..1400).map(|i| format!("\"{i:x}\":0")).collect();
    let compact = format!(
        "{header}.{}.{}",
        b64(format!("{{{}}}", names.join(",")).as_bytes()),
        b64(&[0; 64])
    );
    let a = measure(|| Token::parse(&compact, &limits));
    within_bound("names", compact.len(), a);
    println!(
        "Token::parse  {:>16}: {} B in, peak {} B ({:.1}x)",
        "distinct names",
        compact.len(),
        a.peak,
        a.peak as f64 / compact.len() as f64
    );

    // JWK Sets at the gateway's 256 KiB document cap: junk keys, and many real keys.
    let fixture: Value = serde_json::from_str(JWKS_JSON).unwrap();
    let real = fixture["keys"].as_array().unwrap();
    let many_real: Vec<Value> = (0..180)
        .map(|i| {
            let mut k = real[i % real.len()].clone();
            k["kid"] = json!(format!("k{i}"));
            k
        })
        .collect();
    let docs = [
        (
            "junk keys {}",
            format!("{{\"keys\":[{}]}}", vec!["{}"; 80_000].join(",")),
        ),
        (
            "junk keys {\"\":0}",
            format!("{{\"keys\":[{}]}}", vec!["{\"\":0}"; 35_000].join(",")),
        ),
        (
            "kty-only keys",
            format!(
                "{{\"keys\":[{}]}}",
                vec!["{\"kty\":\"RSA\"}"; 18_000].join(",")
            ),
        ),
        ("real keys", json!({"keys": many_real}).to_string()),
    ];
    for (name, doc) in &docs {
        let a = measure(|| KeySet::from_jwks_json(doc.as_bytes()));
        within_bound(name, doc.len(), a);
        let ratio = a.peak as f64 / doc.len() as f64;
        worst = worst.max(ratio);
        println!(
            "from_jwks_json {name:>16}: {} B in, peak {} B ({ratio:.1}x), total {} B",
            doc.len(),
            a.peak,
            a.total
        );
    }
    let record = KeySet::from_jwks_json(docs[3].1.as_bytes())
        .unwrap()
        .to_cache_record();
    let a = measure(|| KeySet::from_cache_record(&record));
    within_bound("cache record", record.len(), a);
    println!(
        "from_cache_record {:>13}: {} B in, peak {} B ({:.1}x)",
        "180 keys",
        record.len(),
        a.peak,
        a.peak as f64 / record.len() as f64
    );
    println!("worst peak multiple: {worst:.1}x (bound {PEAK_PER_BYTE}x + {SLACK} B)");
}

/// Oversized input is refused before any per-byte work: a 1 MiB token costs (almost) nothing.
#[test]
fn oversized_token_allocates_nothing_per_byte() {
    let huge = "a".repeat(1 << 20);
    let a = measure(|| Token::parse(&huge, &Limits::default()));
    assert!(a.total < 1024, "{a:?}");
    let deep = format!(
        "{}.e30.",
        b64(format!("{{\"a\":{}{}}}", "[".repeat(3000), "]".repeat(3000)).as_bytes())
    );
    let a = measure(|| Token::parse(&deep, &Limits::default()));
    within_bound("deep header", deep.len(), a);
}
