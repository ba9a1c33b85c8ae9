//! JWK Set documents and key-set cache records, both as received (hostile bytes).
//!
//! Asserts: no panic; a parsed set survives its own cache record unchanged (what the gateway
//! writes to KV it must read back); every key's `kid` is unique; a key verifies a fixed message
//! without panicking whatever its (validated) material; `Jwk::from_json` never panics either.
#![no_main]

use jose::{Alg, Jwk, KeySet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(set) = KeySet::from_jwks_json(data) {
        check_set(&set);
        let record = set.to_cache_record();
        let back = KeySet::from_cache_record(&record)
            .expect("a cache record this code wrote must read back");
        assert_eq!(back, set);
        assert_eq!(
            back.to_cache_record(),
            record,
            "the cache record is not a fixed point"
        );
    }
    if let Ok(set) = KeySet::from_cache_record(data) {
        check_set(&set);
        let again = KeySet::from_cache_record(&set.to_cache_record()).expect("re-encoded record");
        assert_eq!(again, set);
    }
    let _ = Jwk::from_json(data);
});

fn check_set(set: &KeySet) {
    assert!(!set.is_empty());
    assert_eq!(set.len(), set.keys().len());
    let mut kids: Vec<&str> = set.keys().iter().filter_map(Jwk::kid).collect();
    kids.sort_unstable();
    let n = kids.len();
    kids.dedup();
    assert_eq!(n, kids.len(), "duplicate kid survived");
    for key in set.keys() {
        if let Some(kid) = key.kid() {
            assert!(set.has_kid(kid));
        }
        assert!(matches!(key.kty(), "RSA" | "EC" | "OKP"));
        // A forged signature must never verify, whatever key material got through parsing:
        // all zeros, and the Ed25519 "universal" forgery R = B, S = 1 (valid for every message
        // under a small-order key, see tests/fuzz_regressions.rs).
        let mut universal = [0u8; 64];
        universal[0] = 0x58;
        universal[1..32].fill(0x66);
        universal[32] = 1;
        for alg in Alg::ALL {
            for message in [&b"fuzz.message"[..], b"", b"eyJhbGciOiJFZERTQSJ9.e30"] {
                for signature in [&[0u8; 64][..], &universal, &[0u8; 256], &[0u8; 96]] {
                    assert!(
                        key.verify(alg, message, signature).is_err(),
                        "forged signature verified: {key:?} {alg:?}"
                    );
                }
            }
        }
    }
}
