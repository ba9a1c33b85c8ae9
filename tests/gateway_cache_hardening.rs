//! Issue 13 items 1–3 (review F1–F3): the KV cache against planted records, concurrent
//! instances and a failing store. Each test is named after the attack it stops; the
//! concurrency ones keep many `gateway::handle` futures in flight with a provider that answers
//! only when released (`gateway_support::concurrent`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod gateway_support;

use gateway::jwks_cache::{kv_key, Record, JWKS_PREFIX};
use gateway::kv_record::RecordKey;
use gateway::provider::DISCOVERY_PREFIX;
use gateway::{Decision, RequestHead};
use gateway_support::concurrent::{run_concurrently, start, status_of, Concurrent};
use gateway_support::*;
use jose::KeySet;
use serde_json::{json, Value};

/// Public JWK of `tests/fixtures/keys/rsa-2048-other.pem`: a key the provider never published.
const ATTACKER_N: &str = "1laTtK3xX61qoBfo3d--Mqawfljw4MmLzzgp9YoUVcUbkfOrKJg4YthrHNzqXH091dGr_pcBelSUhece_QBneZziONkTwJcmX9NRplKU9MK94vjCxevLAmyRCTpXzTIdB7F1KYkxQiwDjBqXNLjZ_hbfh4KZk9J-8tftsRxEylkDAAkri1PpoHcVC4uaPZ0KxlLx_xAmKUizPYhLn5kWIw-57NqlchCfPf3YGQ-DAMckBigyANRY85oxBp9n7pnWdWc7TT8bjCzCg7BvenppvOkswftI74AbTr7VL-l7Q7r0x3o6CQ2gt1oLPGfLjSRv-VQtLBxPKmFSLIMUBpK5GQ";
const IDP: &str = "https://idp.example.com";
const IDP_JWKS: &str = "https://idp.example.com/jwks";
const IDP_DISCOVERY: &str = "https://idp.example.com/.well-known/openid-configuration";

fn attacker_keys_record(source: &str) -> Record {
    let jwks = json!({"keys": [{"kty": "RSA", "kid": "attacker", "n": ATTACKER_N, "e": "AQAB"}]});
    Record {
        fetched_at: NOW,
        attempted_at: NOW,
        source: source.to_string(),
        payload: KeySet::from_jwks_json(jwks.to_string().as_bytes())
            .unwrap()
            .to_cache_record(),
    }
}

/// A token for any identity, signed with the attacker's key.
fn attacker_token(iss: &str) -> String {
    mint_with(
        "rsa-2048-other",
        json!({"kid": "attacker"}),
        &claims_with(json!({"iss": iss, "sub": "admin", "scope": "admin mcp:tools"})),
    )
}

fn log_has(w: &World, field: &str, item: &str) -> bool {
    w.logs.borrow().iter().any(|l| {
        let v: Value = serde_json::from_str(l).unwrap();
        v[field]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == item))
    })
}

fn oidc_world() -> World {
    let w = World::empty();
    w.set("auth_kv_record_key", RECORD_SECRET);
    w.set("auth_provider_type", "oidc");
    w.set("auth_provider_name", "idp");
    w.set("auth_provider_issuer", IDP);
    w.set("auth_provider_audience", RESOURCE);
    w.serve(
        IDP_DISCOVERY,
        200,
        &json!({"issuer": IDP, "jwks_uri": IDP_JWKS}).to_string(),
    );
    w.serve(IDP_JWKS, 200, &jwks_json());
    w
}

fn idp_token(key: &str, kid: &str) -> String {
    mint_with(
        key,
        json!({"kid": kid}),
        &claims_with(json!({"iss": IDP, "exp": NOW + 7200})),
    )
}

// ---------------------------------------------------------------------------------------------
// Item 1 (F1): records in KV are authenticated
// ---------------------------------------------------------------------------------------------

#[test]
fn planted_kv_record_with_foreign_key_is_a_cache_miss() {
    let w = World::authkit();
    w.kv.borrow_mut().insert(
        kv_key(JWKS_PREFIX, JWKS_URL),
        attacker_keys_record(JWKS_URL).encode(),
    );
    let r = w.respond(&mcp_post(&attacker_token(ISSUER)));
    assert_eq!(
        r.status, 401,
        "a planted key authenticated a forged identity"
    );
    // The planted record was a miss: the provider was asked, and its real keys replaced it.
    assert_eq!(w.fetch_count(JWKS_URL), 1);
    let line = w.last_log();
    assert_eq!(line["details"][0], "kv_record_unsigned");
    assert!(log_has(&w, "warnings", "kv_record_rejected"));
    let _ = w.forward(&mcp_post(&valid_token()));
}

#[test]
fn planted_kv_record_signed_under_a_guessed_secret_is_a_cache_miss() {
    let w = World::authkit();
    let guessed = RecordKey::from_secret("an-attacker-guess-0123456789abcdef").unwrap();
    let key = kv_key(JWKS_PREFIX, JWKS_URL);
    w.kv.borrow_mut().insert(
        key.clone(),
        attacker_keys_record(JWKS_URL).seal(&key, Some(&guessed)),
    );
    assert_eq!(w.respond(&mcp_post(&attacker_token(ISSUER))).status, 401);
    assert_eq!(w.last_log()["details"][0], "kv_record_tag_mismatch");
}

#[test]
fn authentic_record_moved_to_another_key_is_a_cache_miss() {
    // A record the authorizer itself wrote, copied by the attacker under another key name
    // (here: the JWKS slot of another URL whose source it claims) does not verify.
    let w = World::authkit();
    let secret = RecordKey::from_secret(RECORD_SECRET).unwrap();
    let elsewhere = kv_key(JWKS_PREFIX, "https://other.example.com/jwks");
    let sealed = attacker_keys_record(JWKS_URL).seal(&elsewhere, Some(&secret));
    w.kv.borrow_mut()
        .insert(kv_key(JWKS_PREFIX, JWKS_URL), sealed);
    assert_eq!(w.respond(&mcp_post(&attacker_token(ISSUER))).status, 401);
    assert_eq!(w.last_log()["details"][0], "kv_record_tag_mismatch");
}

#[test]
fn planted_discovery_record_cannot_repoint_jwks_uri() {
    let w = oidc_world();
    let evil_jwks = "https://idp.example.com/attacker-jwks";
    w.serve(
        evil_jwks,
        200,
        &json!({"keys": [{"kty": "RSA", "kid": "attacker", "n": ATTACKER_N, "e": "AQAB"}]})
            .to_string(),
    );
    let planted = Record {
        fetched_at: NOW,
        attempted_at: NOW,
        source: IDP.into(),
        payload: json!({"issuer": IDP, "jwks_uri": evil_jwks})
            .to_string()
            .into_bytes(),
    };
    w.kv.borrow_mut()
        .insert(kv_key(DISCOVERY_PREFIX, IDP), planted.encode());
    assert_eq!(w.respond(&mcp_post(&attacker_token(IDP))).status, 401);
    assert_eq!(w.fetch_count(evil_jwks), 0, "the planted jwks_uri was used");
    assert_eq!(w.fetch_count(IDP_DISCOVERY), 1);
}

#[test]
fn forged_lease_cannot_block_fetching() {
    // Someone who can write the store plants a fresh lease to stop key fetches (a denial of
    // service): an unauthenticated lease is ignored.
    let w = World::authkit();
    let lease = Record {
        fetched_at: 0,
        attempted_at: NOW,
        source: JWKS_URL.into(),
        payload: Vec::new(),
    };
    let mut lease_key = kv_key(JWKS_PREFIX, JWKS_URL);
    lease_key.push_str("/lease");
    w.kv.borrow_mut().insert(lease_key, lease.encode());
    let _ = w.forward(&mcp_post(&valid_token()));
    assert_eq!(w.fetch_count(JWKS_URL), 1);
}

#[test]
fn without_a_secret_records_are_used_and_each_write_warns_unauthenticated() {
    let w = World::authkit();
    w.vars.borrow_mut().remove("auth_kv_record_key");
    let mut plan = w.forward(&mcp_post(&valid_token()));
    plan.finish(&w, 200, "forwarded");
    assert_eq!(
        w.last_log()["warnings"],
        json!(["kv_records_unauthenticated"])
    );
    // A cache hit writes nothing, so it says nothing: no warning on every request.
    let mut plan = w.forward(&mcp_post(&valid_token()));
    plan.finish(&w, 200, "forwarded");
    assert_eq!(w.last_log()["level"], "info");
    assert_eq!(w.fetch_count(JWKS_URL), 1);
}

#[test]
fn weak_record_secret_is_refused_at_config_load() {
    let w = World::authkit();
    w.set("auth_kv_record_key", "hunter2");
    let r = w.respond(&mcp_post(&valid_token()));
    assert_eq!(r.status, 500);
    assert_eq!(w.last_log()["variable"], "auth_kv_record_key");
    assert_eq!(w.fetch_count(JWKS_URL), 0);
}

// ---------------------------------------------------------------------------------------------
// Item 2 (F2): the lease holds under concurrency
// ---------------------------------------------------------------------------------------------

fn random_kid_flood(n: usize) -> Vec<RequestHead> {
    (0..n)
        .map(|i| {
            mcp_post(&mint_with(
                "rsa-2048-other",
                json!({"kid": format!("random-{i}")}),
                &claims_with(json!({"exp": NOW + 7200})),
            ))
        })
        .collect()
}

#[test]
fn concurrent_unknown_kid_flood_fetches_once_per_cooldown() {
    let w = World::authkit();
    let _ = w.forward(&mcp_post(&valid_token()));
    w.advance_secs(40); // past the cooldown, keys still fresh
    let slow = Concurrent::new(&w);
    let reqs = random_kid_flood(50);
    let out = run_concurrently(&slow, &reqs);
    assert!(out.iter().all(|d| status_of(d) == 401));
    assert_eq!(w.fetch_count(JWKS_URL) - 1, 1, "50 concurrent kid misses");
    // And the next wave, inside the cooldown of that refetch, fetches nothing.
    slow.hold();
    let out = run_concurrently(&slow, &reqs);
    assert!(out.iter().all(|d| status_of(d) == 401));
    assert_eq!(w.fetch_count(JWKS_URL) - 1, 1);
}

#[test]
fn concurrent_cold_cache_herd_fetches_once_and_the_rest_get_503_retry_after() {
    let w = oidc_world();
    let slow = Concurrent::new(&w);
    let reqs: Vec<RequestHead> = (0..30)
        .map(|_| mcp_post(&idp_token("rsa-2048", "rsa-2048")))
        .collect();
    let out = run_concurrently(&slow, &reqs);
    assert_eq!(w.fetches.borrow().len(), 2, "{:?}", w.fetches.borrow());
    assert_eq!(status_of(&out[0]), 200, "the lease holder is served");
    for d in &out[1..] {
        let Decision::Respond(r) = d else {
            panic!("a request without keys was forwarded")
        };
        assert_eq!(r.status, 503);
        // The fetch may still be in flight: retry within the provider timeout (5 s).
        let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=5).contains(&retry), "Retry-After {retry}");
    }
    // Once the fetch has landed, everyone is served from KV.
    let _ = w.forward(&mcp_post(&idp_token("rsa-2048", "rsa-2048")));
    assert_eq!(w.fetches.borrow().len(), 2);
}

#[test]
fn concurrent_requests_at_expiry_are_served_stale_keys_while_one_refetches() {
    let w = World::authkit();
    let _ = w.forward(&mcp_post(&valid_token()));
    w.advance_secs(301);
    let slow = Concurrent::new(&w);
    let now = NOW + 301;
    let token = mint(
        "rsa-2048",
        &claims_with(json!({"exp": now + 3600, "iat": now})),
    );
    let reqs: Vec<RequestHead> = (0..20).map(|_| mcp_post(&token)).collect();
    let out = run_concurrently(&slow, &reqs);
    assert!(out.iter().all(|d| status_of(d) == 200));
    assert_eq!(w.fetch_count(JWKS_URL), 2);
    assert_eq!(slow.max_in_flight.get(), 1);
}

#[test]
fn lease_race_is_bounded_by_requests_that_read_before_the_lease_is_visible() {
    // Without compare-and-swap, requests that read the store before the first lease write is
    // visible to them fetch too: here 4 instances whose writes are not yet visible. Requests
    // arriving once the lease is visible do not fetch, however many.
    let w = World::authkit();
    let early = Concurrent::new(&w);
    early.lag_writes.set(true);
    let reqs: Vec<RequestHead> = (0..4).map(|_| mcp_post(&valid_token())).collect();
    let _ = run_concurrently(&early, &reqs);
    assert_eq!(w.fetch_count(JWKS_URL), 4);
    w.kv.borrow_mut().clear();
    w.fetches.borrow_mut().clear();
    let first = Concurrent::new(&w);
    let first_req = [mcp_post(&valid_token())];
    let later = Concurrent::new(&w);
    let rest: Vec<RequestHead> = (0..40).map(|_| mcp_post(&valid_token())).collect();
    let d = std::thread::scope(|scope| {
        let leader = start(scope, &first, &first_req[0]);
        assert_eq!(first.in_flight.get(), 1, "the leader is fetching");
        // The leader's lease is visible now: 40 more concurrent requests, no further fetch.
        let out = run_concurrently(&later, &rest);
        assert!(out.iter().all(|d| status_of(d) == 503));
        assert_eq!(w.fetch_count(JWKS_URL), 1);
        first.release();
        leader.join().expect("the leader finished")
    });
    assert_eq!(status_of(&d), 200);
}

// ---------------------------------------------------------------------------------------------
// Item 3 (F3): a failing store does not turn into provider fetches
// ---------------------------------------------------------------------------------------------

#[test]
fn kv_down_forged_token_flood_makes_no_provider_fetches() {
    let w = oidc_world();
    w.kv_broken.set(true);
    for _ in 0..25 {
        let r = w.respond(&mcp_post(&idp_token("rsa-2048-other", "rsa-2048")));
        assert_eq!(r.status, 503);
        assert!(r.header("retry-after").is_some());
    }
    assert_eq!(w.fetches.borrow().len(), 0);
    let line = w.last_log();
    assert_eq!(line["level"], "error");
    assert_eq!(line["warnings"], json!(["kv_read_failed"]));
}

#[test]
fn read_only_kv_forged_token_flood_makes_no_provider_fetches() {
    let w = World::authkit();
    let ro = Concurrent::new(&w);
    ro.read_only.set(true);
    let forged = mint("rsa-2048-other", &claims());
    let reqs: Vec<RequestHead> = (0..25).map(|_| mcp_post(&forged)).collect();
    let out = run_concurrently(&ro, &reqs);
    assert!(out.iter().all(|d| status_of(d) == 503));
    assert_eq!(w.fetch_count(JWKS_URL), 0);
    assert!(log_has(&w, "warnings", "kv_write_failed"));
}

#[test]
fn read_only_kv_serves_cached_keys_but_unknown_kids_get_503() {
    let w = World::authkit();
    let _ = w.forward(&mcp_post(&valid_token()));
    let ro = Concurrent::new(&w);
    ro.read_only.set(true);
    ro.release();
    w.advance_secs(40);
    let valid = mint("rsa-2048", &claims());
    let unknown = mint_with("rsa-2048", json!({"kid": "rotated"}), &claims());
    let reqs = [mcp_post(&valid), mcp_post(&unknown), mcp_post(&unknown)];
    let out = run_concurrently(&ro, &reqs);
    assert_eq!(
        out.iter().map(status_of).collect::<Vec<_>>(),
        [200, 503, 503]
    );
    // Expired keys cannot be refreshed either: they serve stale, with no fetch.
    w.advance_secs(300);
    let now = NOW + 340;
    let later = mint(
        "rsa-2048",
        &claims_with(json!({"exp": now + 60, "iat": now})),
    );
    let reqs = [mcp_post(&later)];
    let out = run_concurrently(&ro, &reqs);
    assert_eq!(status_of(&out[0]), 200);
    assert_eq!(w.fetch_count(JWKS_URL), 1);
}
