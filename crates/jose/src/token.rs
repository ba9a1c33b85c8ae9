//! A JWT (RFC 7519) carried in a compact JWS: signature first, then registered claims.

use ::json::{Map, Value};

use super::{claims, json, Alg, Error, Identity, Jws, KeySet, Limits, Validation};

/// A parsed, not yet verified, JWT: a [`Jws`] whose payload is a strict JSON claims set.
#[derive(Debug, Clone)]
pub struct Token {
    jws: Jws,
    /// Parsed once here; trusted only after the signature verified.
    claims: Map<String, Value>,
}

impl Token {
    /// Parses a compact JWS and its JWT claims (RFC 7519 §7.2 steps 1–10 except the signature):
    /// everything [`Jws::parse`] checks, then a payload that is a JSON object without duplicate
    /// members or excessive nesting.
    // Not inlined: Cranelift's compile work grows faster than a function's size, and
    // LLVM would fold this into the request handler (scripts/size-report measures it).
    #[inline(never)]
    pub fn parse(compact: &str, limits: &Limits) -> Result<Token, Error> {
        let jws = Jws::parse(compact, limits)?;
        let claims =
            json::parse_object(jws.payload(), limits.max_json_depth).map_err(|f| match f {
                json::Fault::Duplicate => Error::ClaimsDuplicateMember,
                json::Fault::TooDeep => Error::JsonTooDeep,
                json::Fault::Syntax => Error::ClaimsNotJson,
            })?;
        Ok(Token { jws, claims })
    }

    /// The header's `alg` (RFC 7515 §4.1.1), already on the allow-list.
    pub fn alg(&self) -> Alg {
        self.jws.alg()
    }

    /// The header's `kid` (RFC 7515 §4.1.4), an opaque string.
    pub fn kid(&self) -> Option<&str> {
        self.jws.kid()
    }

    /// The `iss` claim BEFORE verification. Use it ONLY to route the token to the provider
    /// whose keys will verify it (RFC 8725 §3.8); [`Token::verify`] checks `iss` again.
    pub fn unverified_issuer(&self) -> Option<&str> {
        self.claims.get("iss").and_then(Value::as_str)
    }

    /// Verifies the token at `now_unix_secs` (RFC 7515 §5.2, RFC 7519 §7.2): the key and
    /// signature as [`Jws::verify_signature`], then the registered claims against `validation`;
    /// returns who the token speaks for.
    // Not inlined: Cranelift's compile work grows faster than a function's size, and
    // LLVM would fold this into the request handler (scripts/size-report measures it).
    #[inline(never)]
    pub fn verify(
        &self,
        keys: &KeySet,
        validation: &Validation,
        now_unix_secs: u64,
    ) -> Result<Identity, Error> {
        self.jws.verify_signature(keys)?;
        let typed = self.jws.is_access_token_typed();
        claims::validate(&self.claims, validation, typed, now_unix_secs)
    }

    /// [`Token::verify`], consuming the token: the claims move into the [`Identity`] instead of
    /// being copied, which saves one allocation per claim name and string value. For callers
    /// that verify a token once and then drop it, as the gateway does.
    pub fn into_identity(
        self,
        keys: &KeySet,
        validation: &Validation,
        now_unix_secs: u64,
    ) -> Result<Identity, Error> {
        self.jws.verify_signature(keys)?;
        let typed = self.jws.is_access_token_typed();
        claims::validate_owned(self.claims, validation, typed, now_unix_secs)
    }
}
