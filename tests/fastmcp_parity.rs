//! FastMCP parity: one test per case of FastMCP's JWT verifier tests
//! (`tests/server/auth/test_jwt_provider.py`) that applies to an asymmetric, JWKS-backed
//! verifier, named after it. Each runs the whole gateway with fake ports: a token goes in, a
//! forward (with the identity headers) or a precise 401/403 comes out.
//!
//! FastMCP cases with no counterpart here: HMAC/shared-secret keys (refused by design,
//! RFC 8725 §2.1), static PEM public keys (this gateway is JWKS-based), and "no issuer/audience
//! validation when unset" (issuer and audience are always validated here; see README).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod gateway_support;

use base64ct::{Base64UrlUnpadded, Encoding};
use gateway::forward::ForwardPlan;
use gateway_support::*;
use serde_json::json;

/// Forward plan, or (status, error, error_description).
fn verdict(world: &World, token: &str) -> Result<ForwardPlan, (u16, String, String)> {
    match world.handle(&mcp_post(token)) {
        gateway::Decision::Forward(p) => Ok(*p),
        gateway::Decision::Respond(r) => {
            let v = body_json(&r);
            Err((
                r.status,
                v["error"].as_str().unwrap().into(),
                v["error_description"].as_str().unwrap().into(),
            ))
        }
    }
}

fn rejected(world: &World, token: &str) -> (u16, String, String) {
    match verdict(world, token) {
        Ok(p) => panic!("token accepted: forwarded to {}", p.url()),
        Err(e) => e,
    }
}

fn invalid_token(description: &str) -> (u16, String, String) {
    (401, "invalid_token".into(), description.into())
}

fn scopes_of(plan: &ForwardPlan) -> String {
    sent_header(plan, "x-auth-scopes").unwrap()
}

#[test]
fn test_valid_token_validation() {
    let w = World::authkit();
    let plan = verdict(&w, &valid_token()).unwrap();
    assert_eq!(sent_header(&plan, "x-auth-user-id").unwrap(), "user_123");
    assert_eq!(
        sent_header(&plan, "x-auth-client-id").unwrap(),
        "client_abc"
    );
    assert_eq!(sent_header(&plan, "x-auth-issuer").unwrap(), ISSUER);
    assert_eq!(scopes_of(&plan), "read write");
}

#[test]
fn test_valid_token_every_fixture_algorithm() {
    let w = World::authkit();
    for key in ["rsa-2048", "ec-p256", "ec-p384", "ed25519"] {
        assert!(verdict(&w, &mint(key, &claims())).is_ok(), "{key}");
    }
}

#[test]
fn test_token_signed_with_wrong_key() {
    // Same kid as a published key, different private key.
    let w = World::authkit();
    assert_eq!(
        rejected(&w, &mint("rsa-2048-other", &claims())),
        invalid_token("token signature is invalid")
    );
}

#[test]
fn test_jwks_token_validation_with_kid() {
    let w = World::authkit();
    let token = mint_with("ec-p256", json!({"kid": "ec-p256"}), &claims());
    assert!(verdict(&w, &token).is_ok());
}

#[test]
fn test_jwks_token_validation_with_kid_mismatch() {
    let w = World::authkit();
    let token = mint_with("rsa-2048", json!({"kid": "not-in-the-set"}), &claims());
    assert_eq!(
        rejected(&w, &token),
        invalid_token("token kid is not in the key set")
    );
}

#[test]
fn test_jwks_token_validation_with_kid_and_no_kid_in_token() {
    // One key in the set: a token without `kid` selects it.
    let w = World::authkit();
    w.serve(JWKS_URL, 200, &jwks_with(&["rsa-2048"]));
    let token = mint_with("rsa-2048", json!({"kid": null}), &claims());
    assert!(verdict(&w, &token).is_ok());
}

#[test]
fn test_jwks_token_validation_with_no_kid_and_one_kidless_key() {
    let w = World::authkit();
    w.serve(JWKS_URL, 200, &jwks_without_kid("rsa-2048"));
    let token = mint_with("rsa-2048", json!({"kid": null}), &claims());
    assert!(verdict(&w, &token).is_ok());
}

#[test]
fn test_jwks_token_validation_with_multiple_keys_and_no_kid_in_token() {
    // Two RSA keys fit an RS256 token without `kid`: ambiguous, refused.
    let mut set: serde_json::Value = serde_json::from_str(&jwks_json()).unwrap();
    let mut second = set["keys"][0].clone();
    second["kid"] = json!("rsa-2048-copy");
    set["keys"].as_array_mut().unwrap().push(second);
    let w = World::authkit();
    w.serve(JWKS_URL, 200, &set.to_string());
    let token = mint_with("rsa-2048", json!({"kid": null}), &claims());
    assert_eq!(
        rejected(&w, &token),
        invalid_token("token has no kid and several keys fit")
    );
}

#[test]
fn test_jwks_no_kid_with_several_keys_but_one_fitting_alg() {
    // The fixture set has four keys but only one ES256 key: no ambiguity.
    let w = World::authkit();
    let token = mint_with("ec-p256", json!({"kid": null}), &claims());
    assert!(verdict(&w, &token).is_ok());
}

#[test]
fn test_expired_token_rejection() {
    let w = World::authkit();
    let token = mint("rsa-2048", &claims_with(json!({"exp": NOW - 3600})));
    assert_eq!(rejected(&w, &token), invalid_token("token has expired"));
}

#[test]
fn test_expired_token_within_leeway_is_accepted() {
    let w = World::authkit();
    let token = mint("rsa-2048", &claims_with(json!({"exp": NOW - 30})));
    assert!(verdict(&w, &token).is_ok());
}

#[test]
fn test_invalid_issuer_rejection() {
    let w = World::authkit();
    let token = mint(
        "rsa-2048",
        &claims_with(json!({"iss": "https://wrong-issuer.example.com"})),
    );
    assert_eq!(
        rejected(&w, &token),
        invalid_token("token issuer is not accepted")
    );
    // Routing happens before any key is touched.
    assert_eq!(w.fetch_count(JWKS_URL), 0);
}

#[test]
fn test_invalid_audience_rejection() {
    let w = World::authkit();
    let token = mint(
        "rsa-2048",
        &claims_with(json!({"aud": "https://other-resource.example.com"})),
    );
    assert_eq!(
        rejected(&w, &token),
        invalid_token("token audience is not accepted")
    );
}

#[test]
fn test_audience_as_list_in_token() {
    let w = World::authkit();
    let token = mint(
        "rsa-2048",
        &claims_with(json!({"aud": ["https://other.example.com", RESOURCE]})),
    );
    assert!(verdict(&w, &token).is_ok());
}

#[test]
fn test_multiple_expected_audiences() {
    let w = World::authkit();
    w.set("auth_provider_audience", "aud-one, aud-two");
    assert!(verdict(
        &w,
        &mint("rsa-2048", &claims_with(json!({"aud": "aud-two"})))
    )
    .is_ok());
    assert!(verdict(
        &w,
        &mint("rsa-2048", &claims_with(json!({"aud": ["x", "aud-one"]})))
    )
    .is_ok());
    assert_eq!(
        rejected(
            &w,
            &mint("rsa-2048", &claims_with(json!({"aud": RESOURCE})))
        ),
        invalid_token("token audience is not accepted"),
        "an explicit audience list replaces the resource URL"
    );
}

#[test]
fn test_multiple_issuers() {
    // FastMCP takes a list of issuers; here each issuer is a provider slot.
    let w = World::authkit();
    w.set("auth_provider2_type", "oidc");
    w.set("auth_provider2_issuer", "https://issuer-two.example.com/");
    w.set(
        "auth_provider2_jwks_uri",
        "https://issuer-two.example.com/jwks",
    );
    w.serve("https://issuer-two.example.com/jwks", 200, &jwks_json());
    assert!(verdict(&w, &valid_token()).is_ok());
    let two = mint(
        "ec-p256",
        &claims_with(json!({"iss": "https://issuer-two.example.com/"})),
    );
    let plan = verdict(&w, &two).unwrap();
    assert_eq!(sent_header(&plan, "x-auth-provider").unwrap(), "oidc");
    assert_eq!(
        sent_header(&plan, "x-auth-issuer").unwrap(),
        "https://issuer-two.example.com/"
    );
    let three = mint(
        "ec-p256",
        &claims_with(json!({"iss": "https://issuer-three.example.com/"})),
    );
    assert_eq!(
        rejected(&w, &three),
        invalid_token("token issuer is not accepted")
    );
}

#[test]
fn test_scope_extraction_string() {
    let w = World::authkit();
    let plan = verdict(
        &w,
        &mint(
            "rsa-2048",
            &claims_with(json!({"scope": "read write admin"})),
        ),
    )
    .unwrap();
    assert_eq!(scopes_of(&plan), "read write admin");
}

#[test]
fn test_scope_extraction_list() {
    let w = World::authkit();
    let plan = verdict(
        &w,
        &mint(
            "rsa-2048",
            &claims_with(json!({"scope": ["read", "write"]})),
        ),
    )
    .unwrap();
    assert_eq!(scopes_of(&plan), "read write");
}

#[test]
fn test_scp_claim_extraction_string() {
    let w = World::authkit();
    let plan = verdict(
        &w,
        &mint(
            "rsa-2048",
            &claims_with(json!({"scope": null, "scp": "read write"})),
        ),
    )
    .unwrap();
    assert_eq!(scopes_of(&plan), "read write");
}

#[test]
fn test_scp_claim_extraction_list() {
    let w = World::authkit();
    let plan = verdict(
        &w,
        &mint(
            "rsa-2048",
            &claims_with(json!({"scope": null, "scp": ["read", "write"]})),
        ),
    )
    .unwrap();
    assert_eq!(scopes_of(&plan), "read write");
}

#[test]
fn test_scope_precedence_over_scp() {
    let w = World::authkit();
    let plan = verdict(
        &w,
        &mint(
            "rsa-2048",
            &claims_with(json!({"scope": "read", "scp": "admin"})),
        ),
    )
    .unwrap();
    assert_eq!(scopes_of(&plan), "read");
}

#[test]
fn test_no_scopes() {
    let w = World::authkit();
    let plan = verdict(&w, &mint("rsa-2048", &claims_with(json!({"scope": null})))).unwrap();
    assert_eq!(scopes_of(&plan), "");
}

#[test]
fn test_malformed_token_rejection() {
    let w = World::authkit();
    for token in [
        "not.a.jwt",
        "too.many.parts.here.invalid",
        "invalid-token",
        "header.body",
    ] {
        let (status, error, _) = rejected(&w, token);
        assert_eq!((status, error.as_str()), (401, "invalid_token"), "{token}");
    }
    // The empty string: `Authorization: Bearer ` carries no credential.
    assert_eq!(rejected(&w, ""), invalid_token("malformed bearer token"));
    assert_eq!(
        rejected(&w, "header.body"),
        invalid_token("token is not a compact JWS")
    );
    assert_eq!(
        rejected(&w, "too.many.parts.here.invalid"),
        invalid_token("encrypted tokens (JWE) are not accepted")
    );
    // None of these may cost a JWKS fetch.
    assert_eq!(w.fetch_count(JWKS_URL), 0);
}

#[test]
fn test_invalid_signature_rejection() {
    let w = World::authkit();
    let token = valid_token();
    let (head, sig) = token.rsplit_once('.').unwrap();
    let mut sig = sig.as_bytes().to_vec();
    sig[10] = if sig[10] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{head}.{}", String::from_utf8(sig).unwrap());
    assert_eq!(
        rejected(&w, &tampered),
        invalid_token("token signature is invalid")
    );
}

#[test]
fn test_tampered_claims_rejection() {
    let w = World::authkit();
    let token = valid_token();
    let parts: Vec<&str> = token.split('.').collect();
    let forged = Base64UrlUnpadded::encode_string(
        claims_with(json!({"sub": "admin"})).to_string().as_bytes(),
    );
    let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
    assert_eq!(
        rejected(&w, &tampered),
        invalid_token("token signature is invalid")
    );
}

#[test]
fn test_client_id_fallback_prefers_client_id_over_sub() {
    let w = World::authkit();
    let plan = verdict(&w, &valid_token()).unwrap();
    assert_eq!(
        sent_header(&plan, "x-auth-client-id").unwrap(),
        "client_abc"
    );
    let plan = verdict(
        &w,
        &mint("rsa-2048", &claims_with(json!({"client_id": null}))),
    )
    .unwrap();
    assert_eq!(sent_header(&plan, "x-auth-client-id").unwrap(), "user_123");
}

#[test]
fn test_crit_header_rejected() {
    let w = World::authkit();
    let token = mint_with("rsa-2048", json!({"crit": ["exp"]}), &claims());
    assert_eq!(
        rejected(&w, &token),
        invalid_token("token header has unsupported critical extensions")
    );
}

#[test]
fn test_unsupported_key_types_skipped() {
    let w = World::authkit();
    let mut set: serde_json::Value = serde_json::from_str(&jwks_with(&["rsa-2048"])).unwrap();
    set["keys"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}));
    set["keys"].as_array_mut().unwrap().insert(
        1,
        json!({"kty": "EC", "kid": "k1", "crv": "secp256k1", "x": "AA", "y": "AA"}),
    );
    w.serve(JWKS_URL, 200, &set.to_string());
    assert!(verdict(&w, &valid_token()).is_ok());
    let hmac_kid = mint_with("rsa-2048", json!({"kid": "hmac"}), &claims());
    assert_eq!(
        rejected(&w, &hmac_kid),
        invalid_token("token kid is not in the key set")
    );
}

#[test]
fn test_none_algorithm_rejected() {
    let w = World::authkit();
    let header = Base64UrlUnpadded::encode_string(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = Base64UrlUnpadded::encode_string(claims().to_string().as_bytes());
    let token = format!("{header}.{payload}.");
    let (status, error, _) = rejected(&w, &token);
    assert_eq!((status, error.as_str()), (401, "invalid_token"));
}

#[test]
fn test_required_scopes_missing_gives_403() {
    let w = World::authkit();
    w.set("auth_provider_required_scopes", "read admin");
    assert_eq!(
        rejected(&w, &valid_token()),
        (
            403,
            "insufficient_scope".into(),
            "token lacks a required scope".into()
        )
    );
    assert!(verdict(
        &w,
        &mint(
            "rsa-2048",
            &claims_with(json!({"scope": "admin read extra"}))
        )
    )
    .is_ok());
}
