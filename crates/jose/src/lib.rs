//! The verification core: compact JWS (RFC 7515), JWK and JWK Set (RFC 7517, RFC 7518 §6,
//! RFC 8037) and JWT claims (RFC 7519), on `ring`, with no JWT library.
//!
//! Pure by construction: no I/O, no clock (the time is an argument), no Spin. The caller feeds
//! bytes in and takes a verdict out:
//!
//! ```text
//! Token::parse(compact, &limits)   shape, base64url, header rules, strict claims JSON
//!   .unverified_issuer()           only to pick the provider and its KeySet
//!   .verify(&keys, &validation, now)
//!        key by kid → signature (alg table → ring) → exp/nbf/iat/iss/aud → Identity
//! ```
//!
//! Modules each own one concept: `b64` strict base64url, `json` strict JSON (duplicate
//! names, depth), `alg` the single algorithm table, `header` JOSE header rules, `jwk` one key,
//! `roca` and `ec_point` the number-theoretic key checks, `keyset` a key set and selection,
//! `record` its cache record, `jws` the compact JWS, `claims` registered claims, `scope` the
//! RFC 6749 scope grammar, `token` the JWT, and `error` the reasons.

// Untrusted input must never panic: these lints hold for all non-test code.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod alg;
mod b64;
mod claims;
mod ec_point;
mod error;
mod header;
pub mod json;
mod jwk;
mod jws;
mod keyset;
mod record;
mod roca;
mod scope;
mod token;

pub use alg::Alg;
pub use claims::{is_id_token, Identity, Validation};
pub use error::{Claim, Error};
pub use jwk::Jwk;
pub use jws::Jws;
pub use keyset::{KeySet, Skipped, MAX_KEYS, MAX_SKIP_REASONS};
pub use scope::is_scope_token;
pub use token::Token;

/// Resource bounds applied while parsing untrusted tokens, so hostile input costs bounded work
/// before any signature is checked (rustls-webpki's `Budget` is the model).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted compact token, in bytes. Default 16 KiB: far above real access tokens,
    /// far below anything that could hurt.
    pub max_token_bytes: usize,
    /// Longest accepted decoded JOSE header, in bytes. Default 4 KiB (room for an `x5c` chain
    /// some issuers include, though it is never read).
    pub max_header_bytes: usize,
    /// Deepest nesting of objects/arrays in the header or claims (top-level object = 1).
    /// Default 16: real claims (e.g. Keycloak `resource_access.*.roles`) use 3–4.
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_token_bytes: 16 * 1024,
            max_header_bytes: 4 * 1024,
            max_json_depth: 16,
        }
    }
}
