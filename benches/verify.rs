//! Token verification benches (issue 5), one group per JWS algorithm:
//!
//! - `ring`: bare ring signature verification of the same signing input with the same key — the
//!   floor no JWT verifier can go under;
//! - `ours`: the full check this gateway runs — parse, key selection, verify, claims;
//! - `jsonwebtoken`: the same token through the `jsonwebtoken` crate with equivalent validation
//!   (iss, aud, exp required and checked, nbf checked when present, leeway 60 s).
//!
//! Plus the two key-loading paths: a JWKS document to keys, and the normalised KV-cache record to
//! keys. Tokens are minted by `jsonwebtoken` from the test-only keys in `tests/fixtures/keys/`.
//!
//! Run with `cargo bench --bench verify`; `scripts/bench-report` turns the results into ratios.
//!
//! Count mode, for instruction counts that do not depend on the machine's load: with
//! `VERIFY_BENCH_COUNT=N` and one argument `group/name` (e.g. `RS256/ours`), the binary runs that
//! routine exactly N times inside `count_loop` and exits, so
//! `valgrind --tool=callgrind --toggle-collect='*count_loop*'` measures N iterations and nothing
//! else (`scripts/bench-report --instructions` does this for every routine). Interleaved mode,
//! `VERIFY_BENCH_INTERLEAVED=<seconds per group>`, alternates the contenders of each group in
//! short batches and prints the fastest batch per routine (`scripts/bench-report --interleaved`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64ct::{Base64UrlUnpadded, Encoding};
use criterion::Criterion;
use jose::{KeySet, Limits, Token, Validation};
use ring::signature;

const KEYS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");
const ISSUER: &str = "https://issuer.example";
const AUDIENCE: &str = "https://mcp.example/mcp";

/// `iat` of every token: 2023-11-14, in the past of any machine running this.
const ISSUED_AT: u64 = 1_700_000_000;
/// `exp` of every token: 2100-01-01, far in its future.
const EXPIRES: u64 = 4_102_444_800;

/// The current time: `jsonwebtoken` reads the system clock itself, so every verifier gets the
/// same "now", which lies between `ISSUED_AT` and `EXPIRES`.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{KEYS_DIR}/{name}")).unwrap()
}

fn jwk(jwks: &serde_json::Value, kid: &str) -> serde_json::Value {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap()
        .clone()
}

fn b64(s: &serde_json::Value) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(s.as_str().unwrap()).unwrap()
}

/// The key as bare ring takes it: the same form the jose crate hands to ring.
enum RingKey {
    /// RSA (n, e) components, verified with `RsaPublicKeyComponents`.
    Rsa(&'static signature::RsaParameters, Vec<u8>, Vec<u8>),
    /// EC (uncompressed SEC 1 point) or Ed25519 (32 bytes), verified with `UnparsedPublicKey`.
    Raw(&'static dyn signature::VerificationAlgorithm, Vec<u8>),
}

/// One algorithm's case: the token, the bare-ring inputs and the jsonwebtoken key and validation.
struct Case {
    name: &'static str,
    token: String,
    /// The token's signing input and decoded signature, for bare ring.
    signing_input: String,
    signature: Vec<u8>,
    ring: RingKey,
    jwt_key: jsonwebtoken::DecodingKey,
    jwt_validation: jsonwebtoken::Validation,
}

fn mint(alg: jsonwebtoken::Algorithm, kid: &str, pem: &str) -> String {
    use jsonwebtoken::{encode, EncodingKey, Header};
    let pem = read(pem);
    let key = match alg {
        jsonwebtoken::Algorithm::ES256 | jsonwebtoken::Algorithm::ES384 => {
            EncodingKey::from_ec_pem(&pem).unwrap()
        }
        jsonwebtoken::Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem).unwrap(),
        _ => EncodingKey::from_rsa_pem(&pem).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    // Fixed times, valid for every contender's clock: the tokens, and so the instruction
    // counts of count mode, are the same on every run (Ed25519 and RFC 6979 ECDSA signatures
    // are deterministic; only PSS salts vary).
    let claims = serde_json::json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "client_id": "client-1",
        "scope": "tools:read tools:call", "iat": ISSUED_AT, "exp": EXPIRES,
    });
    encode(&header, &claims, &key).unwrap()
}

/// jsonwebtoken's validation, made equivalent to ours: one algorithm, `exp`, `iss` and `aud`
/// required and checked (its default checks `iss`/`aud` only when present), `nbf` checked when
/// present, 60 s leeway. Still not identical, and to its advantage: it is handed the key (no
/// `kid` lookup), and checks no `iat`, no `typ`/`crit`, and no duplicate JSON members.
fn jwt_validation(alg: jsonwebtoken::Algorithm) -> jsonwebtoken::Validation {
    let mut v = jsonwebtoken::Validation::new(alg);
    v.set_issuer(&[ISSUER]);
    v.set_audience(&[AUDIENCE]);
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    v.validate_nbf = true;
    v.leeway = 60;
    v
}

fn case(
    name: &'static str,
    alg: jsonwebtoken::Algorithm,
    kid: &str,
    ring: RingKey,
    jwt_key: jsonwebtoken::DecodingKey,
) -> Case {
    let token = mint(alg, kid, &format!("{kid}.pem"));
    let (signing_input, sig_b64) = token.rsplit_once('.').unwrap();
    let signature = Base64UrlUnpadded::decode_vec(sig_b64).unwrap();
    Case {
        name,
        signing_input: signing_input.to_owned(),
        signature,
        token,
        ring,
        jwt_key,
        jwt_validation: jwt_validation(alg),
    }
}

fn cases(jwks: &serde_json::Value) -> Vec<Case> {
    use jsonwebtoken::{Algorithm as A, DecodingKey as D};
    let rsa = jwk(jwks, "rsa-2048");
    let (n_s, e_s) = (rsa["n"].as_str().unwrap(), rsa["e"].as_str().unwrap());
    let (n, e) = (b64(&rsa["n"]), b64(&rsa["e"]));
    let ec = |kid: &str| {
        let k = jwk(jwks, kid);
        let mut point = vec![4u8];
        point.extend(b64(&k["x"]));
        point.extend(b64(&k["y"]));
        let key = D::from_ec_components(k["x"].as_str().unwrap(), k["y"].as_str().unwrap());
        (point, key.unwrap())
    };
    let (p256, p256_key) = ec("ec-p256");
    let (p384, p384_key) = ec("ec-p384");
    let ed = jwk(jwks, "ed25519");
    vec![
        case(
            "RS256",
            A::RS256,
            "rsa-2048",
            RingKey::Rsa(&signature::RSA_PKCS1_2048_8192_SHA256, n.clone(), e.clone()),
            D::from_rsa_components(n_s, e_s).unwrap(),
        ),
        case(
            "PS256",
            A::PS256,
            "rsa-2048",
            RingKey::Rsa(&signature::RSA_PSS_2048_8192_SHA256, n, e),
            D::from_rsa_components(n_s, e_s).unwrap(),
        ),
        case(
            "ES256",
            A::ES256,
            "ec-p256",
            RingKey::Raw(&signature::ECDSA_P256_SHA256_FIXED, p256),
            p256_key,
        ),
        case(
            "ES384",
            A::ES384,
            "ec-p384",
            RingKey::Raw(&signature::ECDSA_P384_SHA384_FIXED, p384),
            p384_key,
        ),
        case(
            "EdDSA",
            A::EdDSA,
            "ed25519",
            RingKey::Raw(&signature::ED25519, b64(&ed["x"])),
            D::from_ed_components(ed["x"].as_str().unwrap()).unwrap(),
        ),
    ]
}

/// Everything the routines borrow, built once before any measurement.
struct Fixtures {
    cases: Vec<Case>,
    jwks_bytes: Vec<u8>,
    keys: KeySet,
    record: Vec<u8>,
    limits: Limits,
    validation: Validation,
    /// Read once, as the gateway reads the clock once per request.
    now: u64,
}

impl Fixtures {
    fn new() -> Fixtures {
        let jwks_bytes = read("jwks.json");
        let jwks: serde_json::Value = serde_json::from_slice(&jwks_bytes).unwrap();
        let keys = KeySet::from_jwks_json(&jwks_bytes).unwrap();
        let record = keys.to_cache_record();
        let mut validation = Validation::new(vec![ISSUER.to_owned()]);
        validation.audiences = Some(vec![AUDIENCE.to_owned()]);
        Fixtures {
            cases: cases(&jwks),
            jwks_bytes,
            keys,
            record,
            limits: Limits::default(),
            validation,
            now: now(),
        }
    }
}

/// One measured routine: Criterion's `group/name`, and one iteration of work. The result of
/// each iteration goes through `black_box`, so nothing is optimised away.
struct Routine<'a> {
    group: &'static str,
    name: &'static str,
    run: Box<dyn Fn() + 'a>,
}

/// (a) the floor: ring alone, on the same bytes with the same key.
fn ring_verify(case: &Case) -> Result<(), ring::error::Unspecified> {
    let message = black_box(case.signing_input.as_bytes());
    let sig = black_box(case.signature.as_slice());
    match &case.ring {
        RingKey::Raw(alg, bytes) => {
            signature::UnparsedPublicKey::new(*alg, bytes).verify(message, sig)
        }
        RingKey::Rsa(params, n, e) => {
            signature::RsaPublicKeyComponents { n, e }.verify(params, message, sig)
        }
    }
}

/// (b) our full check: `Token::parse`, then `Token::into_identity` (key by `kid`, signature,
/// claims, `Identity`), the path for a token verified once, as the gateway does per request.
/// (`Token::verify`, which keeps the token, also copies the claims map: ~3.7k instructions more.)
fn ours(fx: &Fixtures, token: &str) -> Result<usize, jose::Error> {
    Token::parse(token, &fx.limits)
        .and_then(|t| t.into_identity(&fx.keys, &fx.validation, fx.now))
        .map(|identity| identity.scopes.len())
}

/// (c) jsonwebtoken, claims into a JSON map like our `Identity.claims`.
fn theirs(case: &Case, token: &str) -> jsonwebtoken::errors::Result<serde_json::Value> {
    jsonwebtoken::decode::<serde_json::Value>(token, &case.jwt_key, &case.jwt_validation)
        .map(|d| d.claims)
}

fn routines(fx: &Fixtures) -> Vec<Routine<'_>> {
    let mut out = Vec::new();
    for case in &fx.cases {
        // Every contender must accept the token before it is timed.
        ring_verify(case).unwrap();
        assert_eq!(ours(fx, &case.token), Ok(2), "{}", case.name);
        theirs(case, &case.token).unwrap();
        out.push(Routine {
            group: case.name,
            name: "ring",
            run: Box::new(move || {
                black_box(ring_verify(case)).ok();
            }),
        });
        out.push(Routine {
            group: case.name,
            name: "ours",
            run: Box::new(move || {
                black_box(ours(fx, black_box(&case.token))).ok();
            }),
        });
        out.push(Routine {
            group: case.name,
            name: "jsonwebtoken",
            run: Box::new(move || {
                black_box(theirs(case, black_box(&case.token))).ok();
            }),
        });
    }
    assert_eq!(KeySet::from_cache_record(&fx.record), Ok(fx.keys.clone()));
    out.push(Routine {
        group: "keys",
        name: "jwks_document",
        run: Box::new(move || {
            black_box(KeySet::from_jwks_json(black_box(&fx.jwks_bytes))).ok();
        }),
    });
    out.push(Routine {
        group: "keys",
        name: "cache_record",
        run: Box::new(move || {
            black_box(KeySet::from_cache_record(black_box(&fx.record))).ok();
        }),
    });
    out
}

/// Runs `run` exactly `iterations` times; the only code callgrind counts in count mode.
#[inline(never)]
fn count_loop(run: &dyn Fn(), iterations: u64) {
    for _ in 0..iterations {
        run();
    }
}

/// Interleaved mode, for ratios on a loaded machine: the routines of one group take turns in
/// batches of about a millisecond for `per_group`, so a burst of load from elsewhere hits every
/// contender alike; prints, per routine, the fastest batch's time per call and the median.
fn interleaved(routines: &[Routine<'_>], per_group: Duration) {
    let mut groups: Vec<&str> = routines.iter().map(|r| r.group).collect();
    groups.dedup();
    for group in groups {
        let members: Vec<&Routine<'_>> = routines.iter().filter(|r| r.group == group).collect();
        let batches: Vec<u64> = members
            .iter()
            .map(|r| {
                let start = Instant::now();
                count_loop(&*r.run, 3);
                let per_call = start.elapsed().as_secs_f64() / 3.0;
                ((1e-3 / per_call) as u64).max(1)
            })
            .collect();
        let mut samples: Vec<Vec<f64>> = vec![Vec::new(); members.len()];
        let start = Instant::now();
        while start.elapsed() < per_group {
            for ((routine, batch), times) in members.iter().zip(&batches).zip(&mut samples) {
                let t = Instant::now();
                count_loop(&*routine.run, *batch);
                times.push(t.elapsed().as_nanos() as f64 / *batch as f64);
            }
        }
        for (routine, mut times) in members.iter().zip(samples) {
            times.sort_by(f64::total_cmp);
            let median = times[times.len() / 2];
            println!(
                "{group}/{} {:.1} {median:.1} {}",
                routine.name,
                times[0],
                times.len()
            );
        }
    }
}

fn main() {
    let fx = Fixtures::new();
    let routines = routines(&fx);

    if let Ok(iterations) = std::env::var("VERIFY_BENCH_COUNT") {
        let iterations: u64 = iterations.parse().expect("VERIFY_BENCH_COUNT: a number");
        let id = std::env::args()
            .nth(1)
            .expect("count mode needs one argument, group/name");
        let routine = routines
            .iter()
            .find(|r| format!("{}/{}", r.group, r.name) == id)
            .unwrap_or_else(|| panic!("no routine {id}"));
        count_loop(&*routine.run, iterations);
        return;
    }

    if let Ok(seconds) = std::env::var("VERIFY_BENCH_INTERLEAVED") {
        let seconds: f64 = seconds.parse().expect("VERIFY_BENCH_INTERLEAVED: seconds");
        interleaved(&routines, Duration::from_secs_f64(seconds));
        return;
    }

    let mut c = Criterion::default().configure_from_args();
    let mut groups: Vec<&str> = routines.iter().map(|r| r.group).collect();
    groups.dedup();
    for group_name in groups {
        let mut group = c.benchmark_group(group_name);
        for routine in routines.iter().filter(|r| r.group == group_name) {
            group.bench_function(routine.name, |b| b.iter(|| (routine.run)()));
        }
        group.finish();
    }
    c.final_summary();
}
