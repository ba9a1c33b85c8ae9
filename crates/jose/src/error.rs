//! One error enum for the whole core, one variant per precise reason (the rustls-webpki way).
//!
//! Every message is a `&'static str`: no token bytes, key material or claim values are ever
//! copied into an error, so any variant is safe to log or to put in a Bearer
//! `error_description` (RFC 6750 §3).

use core::fmt;

/// A registered or well-known claim whose JSON value had the wrong type (RFC 7519 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Claim {
    /// `iss` (RFC 7519 §4.1.1): must be a string.
    Iss,
    /// `sub` (RFC 7519 §4.1.2): must be a string.
    Sub,
    /// `aud` (RFC 7519 §4.1.3): must be a string or an array of strings.
    Aud,
    /// `exp` (RFC 7519 §4.1.4): must be a NumericDate, i.e. a JSON number.
    Exp,
    /// `nbf` (RFC 7519 §4.1.5): must be a NumericDate, i.e. a JSON number.
    Nbf,
    /// `iat` (RFC 7519 §4.1.6): must be a NumericDate, i.e. a JSON number.
    Iat,
    /// `scope` (RFC 8693 §4.2, RFC 9068 §2.2.3): a space-separated string or an array of strings.
    Scope,
    /// `scp`: a string or an array of strings (the common non-standard spelling).
    Scp,
    /// `client_id` (RFC 9068 §2.2): must be a string.
    ClientId,
    /// `azp` (OpenID Connect Core §2): must be a string.
    Azp,
    /// `email` (OpenID Connect Core §5.1): must be a string.
    Email,
}

impl Claim {
    /// The claim's JSON member name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Claim::Iss => "iss",
            Claim::Sub => "sub",
            Claim::Aud => "aud",
            Claim::Exp => "exp",
            Claim::Nbf => "nbf",
            Claim::Iat => "iat",
            Claim::Scope => "scope",
            Claim::Scp => "scp",
            Claim::ClientId => "client_id",
            Claim::Azp => "azp",
            Claim::Email => "email",
        }
    }
}

/// Why a token, a key or a key set was rejected.
///
/// Variants are grouped by the stage that detects them: compact serialization (RFC 7515 §7.1),
/// JOSE header (RFC 7515 §4.1), keys (RFC 7517, RFC 7518 §6, RFC 8037), key selection and
/// signature (RFC 7515 §5.2), and claims (RFC 7519 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    // --- compact serialization (RFC 7515 §7.1) ---
    /// The token is longer than [`Limits::max_token_bytes`](super::Limits).
    TokenTooLarge,
    /// The token has five parts: it is a JWE (RFC 7516 §9), which this core never decrypts.
    Jwe,
    /// The token is not three dot-separated parts.
    Malformed,
    /// The header part is not canonical unpadded base64url (RFC 7515 §2).
    HeaderBase64,
    /// The payload part is not canonical unpadded base64url.
    PayloadBase64,
    /// The signature part is not canonical unpadded base64url.
    SignatureBase64,

    // --- JOSE header (RFC 7515 §4.1) ---
    /// The decoded header is longer than [`Limits::max_header_bytes`](super::Limits).
    HeaderTooLarge,
    /// The header is not a UTF-8 JSON object.
    HeaderNotJson,
    /// The header names a member twice (RFC 7515 §5.2 step 4 lets us reject this).
    HeaderDuplicateMember,
    /// A header member has the wrong JSON type (`alg`, `kid`, `typ`, `cty` must be strings).
    HeaderMemberType,
    /// The header has no `alg` (RFC 7515 §4.1.1: it is required).
    AlgMissing,
    /// `alg` is `none` in some casing: unsecured JWS is never accepted (RFC 8725 §3.1).
    AlgNone,
    /// `alg` is an HMAC algorithm: symmetric keys are never accepted (RFC 8725 §2.1).
    AlgSymmetric,
    /// `alg` is not on the allow-list (RS/PS 256/384/512, ES256, ES384, EdDSA).
    AlgUnsupported,
    /// The header has a `crit` member; no extension is understood (RFC 7515 §4.1.11).
    CritUnsupported,
    /// The header has a `b64` member: unencoded payloads are not supported (RFC 7797).
    B64Unsupported,
    /// The header has a `zip` member: compressed payloads are not accepted (RFC 8725 §3.6).
    ZipUnsupported,
    /// `typ` is present and not a JWT access-token type (RFC 7515 §4.1.9, RFC 9068 §2.1).
    TypNotAccepted,
    /// `typ` is not `at+jwt` and the validation requires it (RFC 9068 §4).
    TypNotAccessToken,
    /// `cty` is `JWT`: nested tokens are not supported (RFC 7519 §5.2).
    NestedJwt,

    // --- payload ---
    /// The payload is not a UTF-8 JSON object (RFC 7519 §7.2 step 10).
    ClaimsNotJson,
    /// The claims name a member twice (RFC 7519 §4).
    ClaimsDuplicateMember,
    /// The header or the claims nest deeper than [`Limits::max_json_depth`](super::Limits).
    JsonTooDeep,

    // --- JWK (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2) ---
    /// A JWK is not a JSON object, or names a member twice.
    JwkNotJson,
    /// A JWK lacks a member its key type requires (`kty`, `n`, `e`, `crv`, `x`, `y`).
    JwkMissingMember,
    /// A JWK member has the wrong JSON type or is not canonical base64url.
    JwkInvalidMember,
    /// `kty` is not `RSA`, `EC` or `OKP`.
    JwkUnsupportedKeyType,
    /// `crv` is not `P-256`, `P-384` (EC) or `Ed25519` (OKP).
    JwkUnsupportedCurve,
    /// `use` is not `sig`, or `key_ops` lacks `verify` (RFC 7517 §4.2, §4.3).
    JwkNotForSignature,
    /// The key's `alg` is not an accepted JWS algorithm or does not fit its `kty`/`crv`.
    JwkAlgUnsupported,
    /// The RSA modulus is shorter than 2048 bits.
    JwkRsaModulusTooSmall,
    /// The RSA modulus is longer than 8192 bits (ring's upper bound).
    JwkRsaModulusTooLarge,
    /// The RSA modulus is even, so it cannot be an RSA modulus.
    JwkRsaModulusInvalid,
    /// The RSA exponent is even, below 3 or above 2^33-1 (ring's range).
    JwkRsaExponentInvalid,
    /// The RSA modulus has the ROCA fingerprint (CVE-2017-15361): it was made by a key generator
    /// whose primes can be recovered from the public key (Nemec et al., ACM CCS 2017).
    JwkRsaRocaVulnerable,
    /// An EC coordinate is not exactly the curve's field size (RFC 7518 §6.2.1.2).
    JwkEcCoordinateLength,
    /// An EC coordinate is not below the field prime.
    JwkEcPointInvalid,
    /// The EC point (x, y) does not satisfy the curve equation (SEC 1 v2 §3.2.2.1).
    JwkEcPointNotOnCurve,
    /// An Ed25519 `x` is not 32 bytes (RFC 8037 §2).
    JwkOkpKeyLength,
    /// An Ed25519 `x` encodes a y coordinate at or above 2^255 − 19 (RFC 8032 §5.1.3 step 1).
    JwkOkpNonCanonical,
    /// An Ed25519 `x` is a point of small order (the identity among them): signatures would
    /// verify without the private key, so no real key is one.
    JwkOkpSmallOrder,

    // --- JWK Set (RFC 7517 §5) and cache record ---
    /// The JWK Set is not a JSON object, or names a member twice.
    JwksNotJson,
    /// The JWK Set has no `keys` array.
    JwksMissingKeys,
    /// No key in the set is usable for signature verification.
    JwksNoUsableKey,
    /// Two usable keys share one `kid`, so selection by `kid` would be ambiguous.
    JwksDuplicateKid,
    /// A usable key came after the first [`MAX_KEYS`](super::MAX_KEYS) of its set and was not
    /// kept (a skip reason, never the error of a whole set).
    JwksTooManyKeys,
    /// A key-set cache record is not one this version wrote.
    CacheRecordInvalid,

    // --- key selection and signature (RFC 7515 §5.2) ---
    /// The token's `kid` is not in the key set (the caller may refetch the JWK Set).
    UnknownKid,
    /// The token has no `kid` and no key in the set fits its `alg`.
    NoKeyForAlg,
    /// The token has no `kid` and several keys fit its `alg`.
    AmbiguousKey,
    /// The key named by `kid` cannot verify the token's `alg` (key type, curve or key `alg`).
    KeyAlgMismatch,
    /// The signature does not verify.
    BadSignature,

    // --- claims (RFC 7519 §4.1, §7.2) ---
    /// A claim has the wrong JSON type (a string `exp`, a numeric `aud`, ...).
    ClaimType(Claim),
    /// There is no `exp` and the validation requires one.
    MissingExp,
    /// The token has expired (`exp`, after leeway).
    Expired,
    /// The token is not yet valid (`nbf`, after leeway).
    NotYetValid,
    /// The token was issued in the future (`iat`, after leeway).
    IssuedInFuture,
    /// There is no `iss`.
    MissingIssuer,
    /// `iss` is not one of the accepted issuers.
    IssuerMismatch,
    /// There is no `aud` and the validation requires an audience.
    MissingAudience,
    /// No `aud` value is one of the accepted audiences.
    AudienceMismatch,
    /// The token is recognisably an OpenID Connect ID token (a `nonce`, `at_hash` or `c_hash`
    /// claim, OpenID Connect Core §2 and §3.1.3.6) and the validation does not accept those.
    IdTokenNotAccepted,
    /// A `scope` or `scp` value breaks the RFC 6749 §3.3 grammar: not single-space separated,
    /// or a character outside %x21 / %x23-5B / %x5D-7E (tab, newline, `"`, `\`, non-ASCII).
    ScopeSyntax(Claim),
}

impl Error {
    /// A short, fixed description, safe for `error_description` and logs (never token bytes).
    pub fn description(&self) -> &'static str {
        match self {
            Error::TokenTooLarge => "token too large",
            Error::Jwe => "encrypted tokens (JWE) are not accepted",
            Error::Malformed => "token is not a compact JWS",
            Error::HeaderBase64 => "token header is not base64url",
            Error::PayloadBase64 => "token payload is not base64url",
            Error::SignatureBase64 => "token signature is not base64url",
            Error::HeaderTooLarge => "token header too large",
            Error::HeaderNotJson => "token header is not a JSON object",
            Error::HeaderDuplicateMember => "token header has a duplicate member",
            Error::HeaderMemberType => "token header member has the wrong type",
            Error::AlgMissing => "token header has no alg",
            Error::AlgNone => "unsigned tokens (alg none) are not accepted",
            Error::AlgSymmetric => "HMAC-signed tokens are not accepted",
            Error::AlgUnsupported => "token alg is not supported",
            Error::CritUnsupported => "token header has unsupported critical extensions",
            Error::B64Unsupported => "unencoded payload (b64) is not supported",
            Error::ZipUnsupported => "compressed tokens (zip) are not accepted",
            Error::TypNotAccepted => "token typ is not accepted",
            Error::TypNotAccessToken => "token typ is not at+jwt",
            Error::NestedJwt => "nested tokens are not supported",
            Error::ClaimsNotJson => "token claims are not a JSON object",
            Error::ClaimsDuplicateMember => "token claims have a duplicate member",
            Error::JsonTooDeep => "token JSON nests too deeply",
            Error::JwkNotJson => "key is not a JSON object",
            Error::JwkMissingMember => "key lacks a required member",
            Error::JwkInvalidMember => "key member is invalid",
            Error::JwkUnsupportedKeyType => "key type is not supported",
            Error::JwkUnsupportedCurve => "key curve is not supported",
            Error::JwkNotForSignature => "key is not for signature verification",
            Error::JwkAlgUnsupported => "key alg is not supported for its key type",
            Error::JwkRsaModulusTooSmall => "RSA key is shorter than 2048 bits",
            Error::JwkRsaModulusTooLarge => "RSA key is longer than 8192 bits",
            Error::JwkRsaModulusInvalid => "RSA modulus is invalid",
            Error::JwkRsaExponentInvalid => "RSA exponent is invalid",
            Error::JwkRsaRocaVulnerable => "RSA key has the ROCA weakness (CVE-2017-15361)",
            Error::JwkEcCoordinateLength => "EC key coordinate has the wrong length",
            Error::JwkEcPointInvalid => "EC key point is invalid",
            Error::JwkEcPointNotOnCurve => "EC key point is not on its curve",
            Error::JwkOkpKeyLength => "Ed25519 key has the wrong length",
            Error::JwkOkpNonCanonical => "Ed25519 key is not canonically encoded",
            Error::JwkOkpSmallOrder => "Ed25519 key is a small-order point",
            Error::JwksNotJson => "key set is not a JSON object",
            Error::JwksMissingKeys => "key set has no keys array",
            Error::JwksNoUsableKey => "key set has no usable signature key",
            Error::JwksDuplicateKid => "key set has two keys with the same kid",
            Error::JwksTooManyKeys => "key set has more usable keys than are kept",
            Error::CacheRecordInvalid => "key set cache record is invalid",
            Error::UnknownKid => "token kid is not in the key set",
            Error::NoKeyForAlg => "no key fits the token alg",
            Error::AmbiguousKey => "token has no kid and several keys fit",
            Error::KeyAlgMismatch => "key cannot verify the token alg",
            Error::BadSignature => "token signature is invalid",
            Error::ClaimType(claim) => match claim {
                Claim::Iss => "iss claim is not a string",
                Claim::Sub => "sub claim is not a string",
                Claim::Aud => "aud claim is not a string or array of strings",
                Claim::Exp => "exp claim is not a number",
                Claim::Nbf => "nbf claim is not a number",
                Claim::Iat => "iat claim is not a number",
                Claim::Scope => "scope claim is not a string or array of strings",
                Claim::Scp => "scp claim is not a string or array of strings",
                Claim::ClientId => "client_id claim is not a string",
                Claim::Azp => "azp claim is not a string",
                Claim::Email => "email claim is not a string",
            },
            Error::MissingExp => "token has no exp",
            Error::Expired => "token has expired",
            Error::NotYetValid => "token is not yet valid",
            Error::IssuedInFuture => "token was issued in the future",
            Error::MissingIssuer => "token has no iss",
            Error::IssuerMismatch => "token issuer is not accepted",
            Error::MissingAudience => "token has no aud",
            Error::AudienceMismatch => "token audience is not accepted",
            Error::IdTokenNotAccepted => "ID tokens are not accepted as access tokens",
            Error::ScopeSyntax(claim) => match claim {
                Claim::Scp => "scp claim breaks the OAuth scope syntax",
                _ => "scope claim breaks the OAuth scope syntax",
            },
        }
    }

    /// True when the token's `kid` is absent from the [`KeySet`](super::KeySet): the one failure
    /// that a fresh JWK Set can cure (key rotation), so the gateway refetches (rate-limited).
    pub fn is_unknown_kid(&self) -> bool {
        matches!(self, Error::UnknownKid)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl std::error::Error for Error {}
