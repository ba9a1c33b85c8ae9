//! Token parse and verify against the fixed key set (tests/fixtures/keys/jwks.json).
//!
//! The first byte picks how the rest becomes a token:
//! * 0: the rest is the compact token itself (UTF-8), as it arrives in `Authorization`;
//! * 1: `header JSON \0 payload JSON \0 signature bytes`, base64url-encoded here, so the
//!   fuzzer works on JSON rather than having to discover base64;
//! * 2: `header JSON \0 claims JSON`, SIGNED here with the fixture Ed25519 key, so hostile
//!   claims reach the registered-claim checks that run only after a valid signature.
//!
//! Asserts: no panic; a parsed token respects the limits; a verified token's identity satisfies
//! the validation it passed; a harness-signed EdDSA token never fails as `BadSignature`.
#![no_main]

use base64ct::{Base64UrlUnpadded, Encoding};
use jose::{Alg, Error, Jws, Limits, Token, Validation};
use ftl_mcp_authorizer_fuzz::{fixed_keys, sign_ed25519, split_at_byte, NOW};
use libfuzzer_sys::fuzz_target;

const ISS: &str = "https://issuer.example";
const AUD: &str = "https://mcp.example/mcp";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            if let Ok(compact) = core::str::from_utf8(rest) {
                check(compact, false);
            }
        }
        1 => {
            let (header, rest) = split_at_byte(rest, 0);
            let (payload, signature) = split_at_byte(rest, 0);
            let compact = format!(
                "{}.{}.{}",
                Base64UrlUnpadded::encode_string(header),
                Base64UrlUnpadded::encode_string(payload),
                Base64UrlUnpadded::encode_string(signature)
            );
            check(&compact, false);
        }
        _ => {
            let (header, claims) = split_at_byte(rest, 0);
            check(&sign_ed25519(header, claims), true);
        }
    }
});

fn check(compact: &str, harness_signed: bool) {
    let limits = Limits::default();
    let jws = Jws::parse(compact, &limits);
    let token = match Token::parse(compact, &limits) {
        Ok(token) => token,
        Err(e) => {
            assert!(!e.description().is_empty());
            return;
        }
    };
    // A token is a JWS whose payload is a claims object: the JWS layer agrees.
    let jws = jws.expect("Token::parse accepted what Jws::parse refused");
    assert_eq!(jws.alg(), token.alg());
    assert_eq!(jws.kid(), token.kid());
    assert!(compact.len() <= limits.max_token_bytes);
    let _ = token.unverified_issuer();

    let validations = [
        Validation::new(vec![ISS.into()]),
        Validation {
            audiences: Some(vec![AUD.into(), "other".into()]),
            leeway_secs: 0,
            require_exp: false,
            ..Validation::new(vec![ISS.into(), "joe".into()])
        },
    ];
    for validation in &validations {
        match token.verify(fixed_keys(), validation, NOW) {
            Ok(identity) => {
                assert!(validation.issuers.contains(&identity.issuer));
                assert_eq!(token.unverified_issuer(), Some(identity.issuer.as_str()));
                if let Some(accepted) = &validation.audiences {
                    assert!(identity.audiences.iter().any(|a| accepted.contains(a)));
                }
                assert!(identity
                    .scopes
                    .iter()
                    .all(|s| !s.is_empty() && !s.contains(' ')));
            }
            Err(Error::BadSignature) if harness_signed && token.alg() == Alg::EdDsa => {
                if matches!(token.kid(), None | Some("ed25519")) {
                    panic!("a correctly signed EdDSA token failed as BadSignature");
                }
            }
            Err(e) => assert!(!e.description().is_empty()),
        }
    }
}
