//! The JWKS cache in KV: hit, miss, expiry, kid-miss refetch and its cooldown, stale keys
//! during an outage, 503 with Retry-After, size cap and redirects, a failing store. Attacks on
//! the cache (planted records, concurrency) are in `gateway_cache_hardening.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod gateway_support;

use gateway::jwks_cache::{kv_key, Record, MAX_DOCUMENT_BYTES};
use gateway::kv_record::RecordKey;
use gateway::ports::HttpError;
use gateway_support::*;
use serde_json::json;

fn ok(w: &World, token: &str) {
    let _ = w.forward(&mcp_post(token));
}

fn status(w: &World, token: &str) -> u16 {
    match w.handle(&mcp_post(token)) {
        gateway::Decision::Forward(_) => 200,
        gateway::Decision::Respond(r) => r.status,
    }
}

fn record(w: &World) -> Record {
    let key = kv_key("ftl-authz/jwks/", JWKS_URL);
    Record::decode(w.kv.borrow().get(&key).expect("a JWKS record")).unwrap()
}

/// A token that is valid at the world's current time.
fn token_now(w: &World, key: &str) -> String {
    let now = w.now_ms.get() / 1000;
    mint(key, &claims_with(json!({"exp": now + 3600, "iat": now})))
}

#[test]
fn miss_then_hit() {
    let w = World::authkit();
    ok(&w, &valid_token());
    assert_eq!(w.fetch_count(JWKS_URL), 1);
    let mut plan = w.forward(&mcp_post(&valid_token()));
    plan.finish(&w, 200, "forwarded");
    assert!(
        w.last_log().get("jwks_fetches").is_none(),
        "a hit fetches nothing"
    );
    ok(&w, &valid_token());
    ok(&w, &mint("ed25519", &claims()));
    assert_eq!(w.fetch_count(JWKS_URL), 1, "served from KV");
    let r = record(&w);
    assert_eq!((r.fetched_at, r.attempted_at), (NOW, NOW));
    assert_eq!(r.source, JWKS_URL);
}

#[test]
fn expiry_triggers_refetch() {
    let w = World::authkit();
    ok(&w, &valid_token());
    w.advance_secs(299);
    ok(&w, &token_now(&w, "rsa-2048"));
    assert_eq!(w.fetch_count(JWKS_URL), 1);
    w.advance_secs(1);
    ok(&w, &token_now(&w, "rsa-2048"));
    assert_eq!(w.fetch_count(JWKS_URL), 2);
    assert_eq!(record(&w).fetched_at, NOW + 300);
}

#[test]
fn configured_ttl_is_honoured() {
    let w = World::authkit();
    w.set("auth_jwks_cache_ttl_secs", "60");
    ok(&w, &valid_token());
    w.advance_secs(60);
    ok(&w, &token_now(&w, "rsa-2048"));
    assert_eq!(w.fetch_count(JWKS_URL), 2);
}

#[test]
fn unknown_kid_refetches_once_then_cooldown() {
    let w = World::authkit();
    // Keys cached without ed25519 (before rotation).
    w.serve(JWKS_URL, 200, &jwks_with(&["rsa-2048"]));
    ok(&w, &valid_token());
    assert_eq!(w.fetch_count(JWKS_URL), 1);

    // Rotation: the provider now publishes ed25519; the first token with that kid refetches.
    w.advance_secs(31);
    w.serve(JWKS_URL, 200, &jwks_json());
    ok(&w, &token_now(&w, "ed25519"));
    assert_eq!(w.fetch_count(JWKS_URL), 2);

    // A flood of random kids: one refetch per cooldown, no more.
    w.advance_secs(1);
    for i in 0..20 {
        let t = mint_with(
            "rsa-2048",
            json!({"kid": format!("random-{i}")}),
            &claims_with(json!({"exp": NOW + 9999})),
        );
        assert_eq!(status(&w, &t), 401);
    }
    assert_eq!(
        w.fetch_count(JWKS_URL),
        2,
        "inside the cooldown: no refetch"
    );
    assert_eq!(w.last_log()["kid_miss"], "cooldown");
    w.advance_secs(30);
    let t = mint_with(
        "rsa-2048",
        json!({"kid": "random-x"}),
        &claims_with(json!({"exp": NOW + 9999})),
    );
    assert_eq!(status(&w, &t), 401);
    assert_eq!(w.fetch_count(JWKS_URL), 3, "cooldown over: one refetch");
    assert_eq!(w.last_log()["kid_miss"], "refetched");
}

#[test]
fn cooldown_is_remembered_in_kv_across_instances() {
    // Every request is a fresh instance: only KV carries the cooldown.
    let w = World::authkit();
    ok(&w, &valid_token());
    let t = mint_with("rsa-2048", json!({"kid": "unknown"}), &claims());
    w.advance_secs(40);
    assert_eq!(status(&w, &t), 401);
    assert_eq!(w.fetch_count(JWKS_URL), 2);
    let attempted = record(&w).attempted_at;
    assert_eq!(attempted, NOW + 40);
    assert_eq!(status(&w, &t), 401);
    assert_eq!(w.fetch_count(JWKS_URL), 2);
}

#[test]
fn outage_serves_stale_keys_with_warning() {
    let w = World::authkit();
    ok(&w, &valid_token());
    w.fail(JWKS_URL, HttpError::Connect);
    w.advance_secs(301);
    ok(&w, &token_now(&w, "rsa-2048"));
    assert_eq!(w.fetch_count(JWKS_URL), 2);
    let log = w.logs.borrow().len();
    assert_eq!(log, 0, "forwarded requests log when finished");
    // The plan carries the warnings; finish it to see the line.
    let mut plan = w.forward(&mcp_post(&token_now(&w, "rsa-2048")));
    plan.finish(&w, 200, "forwarded");
    let line = w.last_log();
    assert_eq!(line["warnings"], json!(["jwks_stale"]));
    assert_eq!(line["level"], "warn");
    // Within the cooldown no further fetch is attempted.
    assert_eq!(w.fetch_count(JWKS_URL), 2);
    // The stale window ends ttl + stale after the last success.
    w.advance_secs(3600 - 1);
    assert_eq!(status(&w, &token_now(&w, "rsa-2048")), 503);
}

#[test]
fn garbage_from_provider_keeps_last_good_keys() {
    let w = World::authkit();
    ok(&w, &valid_token());
    w.serve(JWKS_URL, 200, "<html>oops</html>");
    w.advance_secs(301);
    ok(&w, &token_now(&w, "rsa-2048"));
    w.serve(JWKS_URL, 200, r#"{"keys":[]}"#);
    w.advance_secs(31);
    ok(&w, &token_now(&w, "rsa-2048"));
    assert_eq!(w.fetch_count(JWKS_URL), 3);
    assert_eq!(record(&w).fetched_at, NOW, "last success unchanged");
}

#[test]
fn no_keys_at_all_is_503_with_retry_after() {
    let w = World::authkit();
    w.fail(JWKS_URL, HttpError::Timeout);
    let r = w.respond(&mcp_post(&valid_token()));
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("30"));
    assert_eq!(body_json(&r)["error"], "temporarily_unavailable");
    assert_eq!(w.last_log()["details"], json!(["timeout"]));
    // Ten seconds later: still cooling down, no fetch, Retry-After counts down.
    w.advance_secs(10);
    let r = w.respond(&mcp_post(&valid_token()));
    assert_eq!(r.header("retry-after"), Some("20"));
    assert_eq!(w.fetch_count(JWKS_URL), 1);
    // After the cooldown the provider is back.
    w.advance_secs(20);
    w.serve(JWKS_URL, 200, &jwks_json());
    ok(&w, &valid_token());
    assert_eq!(w.fetch_count(JWKS_URL), 2);
}

#[test]
fn oversized_jwks_is_refused() {
    let w = World::authkit();
    let mut big = jwks_json();
    big.insert_str(
        1,
        &format!("\"pad\":\"{}\",", "x".repeat(MAX_DOCUMENT_BYTES)),
    );
    w.serve(JWKS_URL, 200, &big);
    let r = w.respond(&mcp_post(&valid_token()));
    assert_eq!(r.status, 503);
    assert_eq!(w.last_log()["details"], json!(["response_too_large"]));
}

#[test]
fn same_origin_redirect_is_followed() {
    let w = World::authkit();
    w.redirect(JWKS_URL, 302, "/keys/v2");
    w.serve("https://tenant.authkit.app/keys/v2", 200, &jwks_json());
    ok(&w, &valid_token());
    assert_eq!(w.fetch_count("https://tenant.authkit.app/keys/v2"), 1);
}

#[test]
fn cross_host_redirect_is_not_followed() {
    let w = World::authkit();
    w.redirect(JWKS_URL, 301, "https://evil.example.com/jwks");
    w.serve("https://evil.example.com/jwks", 200, &jwks_json());
    let r = w.respond(&mcp_post(&valid_token()));
    assert_eq!(r.status, 503);
    assert_eq!(w.fetch_count("https://evil.example.com/jwks"), 0);
    assert_eq!(w.last_log()["details"], json!(["redirect_off_origin"]));
}

#[test]
fn redirect_loops_are_bounded() {
    let w = World::authkit();
    w.redirect(JWKS_URL, 307, JWKS_URL);
    let r = w.respond(&mcp_post(&valid_token()));
    assert_eq!(r.status, 503);
    assert_eq!(w.fetch_count(JWKS_URL), 4);
    assert_eq!(w.last_log()["details"], json!(["too_many_redirects"]));
}

#[test]
fn non_200_is_a_failure() {
    let w = World::authkit();
    w.serve(JWKS_URL, 404, "not found");
    assert_eq!(status(&w, &valid_token()), 503);
    assert_eq!(w.last_log()["details"], json!(["unexpected_status"]));
}

#[test]
fn broken_kv_fails_closed_without_fetching() {
    // A store that cannot be read cannot bound fetches across instances (review F3): no fetch,
    // 503, logged at error level (a 5xx line is `error`).
    let w = World::authkit();
    w.kv_broken.set(true);
    let r = w.respond(&mcp_post(&valid_token()));
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("30"));
    assert_eq!(w.last_log()["warnings"], json!(["kv_read_failed"]));
    assert_eq!(w.last_log()["level"], "error");
    assert_eq!(w.fetch_count(JWKS_URL), 0);
    // The store back: served again at once.
    w.kv_broken.set(false);
    ok(&w, &valid_token());
    assert_eq!(w.fetch_count(JWKS_URL), 1);
}

#[test]
fn corrupt_record_is_a_miss() {
    let w = World::authkit();
    let key = kv_key("ftl-authz/jwks/", JWKS_URL);
    w.kv.borrow_mut()
        .insert(key.clone(), b"ftl-authz/1\n1\n1\nhttps://other/jwks\nxx".to_vec());
    ok(&w, &valid_token());
    assert_eq!(w.fetch_count(JWKS_URL), 1, "an old-format record is a miss");
    // An authentic record whose key set does not decode (another version's encoding) is a
    // miss too; the refetch it causes still respects the lease of the last fetch.
    let secret = RecordKey::from_secret(RECORD_SECRET).unwrap();
    let undecodable = Record {
        payload: b"not a cache record".to_vec(),
        ..record(&w)
    };
    w.kv.borrow_mut()
        .insert(key.clone(), undecodable.seal(&key, Some(&secret)));
    assert_eq!(status(&w, &valid_token()), 503);
    assert_eq!(w.fetch_count(JWKS_URL), 1);
    w.advance_secs(30);
    let mut plan = w.forward(&mcp_post(&token_now(&w, "rsa-2048")));
    plan.finish(&w, 200, "forwarded");
    assert_eq!(w.fetch_count(JWKS_URL), 2);
    assert_eq!(
        w.last_log()["warnings"],
        json!(["jwks_cache_record_invalid"])
    );
    assert_eq!(w.last_log()["jwks_fetches"], 1);
}
