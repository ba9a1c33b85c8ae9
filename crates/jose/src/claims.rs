//! Registered-claim validation (RFC 7519 §4.1, §7.2 step 10+) and the resulting [`Identity`].
//!
//! Runs only after the signature verified. The clock is an argument: this core never reads it.

use ::json::{Map, Value};

use super::error::Claim;
use super::{scope, Error};

/// What a verified token must satisfy, beyond its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    /// Accepted issuers; `iss` must equal one exactly (RFC 7519 §4.1.1, RFC 8725 §3.8).
    /// An empty list accepts no token.
    pub issuers: Vec<String>,
    /// `None`: `aud` is not checked (the gateway's explicit choice). `Some(v)`: the token's
    /// `aud` (string or array) must contain one of `v` (RFC 7519 §4.1.3, RFC 8707); an empty
    /// `v` accepts no token.
    pub audiences: Option<Vec<String>>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds (RFC 7519 §4.1.4). Default 60.
    pub leeway_secs: u64,
    /// Whether a token without `exp` is refused. Default true (RFC 9068 §2.2 requires `exp`).
    pub require_exp: bool,
    /// Whether the JOSE header must say `typ: at+jwt` (or `application/at+jwt`, any case), as
    /// RFC 9068 §4 asks of resource servers; refusal is [`Error::TypNotAccessToken`]. Default
    /// false, because many providers still type access tokens `JWT` or not at all.
    pub require_access_token_type: bool,
    /// Whether a token that is recognisably an OpenID Connect ID token is accepted. Default
    /// false: refused with [`Error::IdTokenNotAccepted`]. See [`is_id_token`] for what is
    /// recognised; a token typed `at+jwt` is never taken for an ID token.
    pub accept_id_tokens: bool,
}

impl Validation {
    /// Accepts tokens from `issuers`, audience unchecked, 60 s leeway, `exp` required, `typ`
    /// `at+jwt` not required, ID tokens refused.
    pub fn new(issuers: Vec<String>) -> Self {
        Validation {
            issuers,
            audiences: None,
            leeway_secs: 60,
            require_exp: true,
            require_access_token_type: false,
            accept_id_tokens: false,
        }
    }
}

/// True when verified `claims` are recognisably an OpenID Connect ID token rather than an
/// access token: they carry `nonce` (OpenID Connect Core §2; it binds an ID token to one client
/// session), `at_hash` or `c_hash` (§3.1.3.6, §3.3.2.11: hashes of the tokens an ID token
/// accompanies). No access-token profile defines these, with one exception handled here:
/// Keycloak before 24 copied `nonce` into access tokens too (keycloak/keycloak#26893), and it
/// marks those with the claim `"typ": "Bearer"` (its ID tokens say `"typ": "ID"`), so such a
/// `nonce` alone does not make an ID token. The JOSE header cannot tell: ID tokens are typed
/// `JWT` or untyped, and a header `typ` other than `JWT`/`at+jwt` is already refused at parse.
pub fn is_id_token(claims: &Map<String, Value>) -> bool {
    let keycloak_access_token = claims.get("typ").and_then(Value::as_str) == Some("Bearer");
    (claims.contains_key("nonce") && !keycloak_access_token)
        || claims.contains_key("at_hash")
        || claims.contains_key("c_hash")
}

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// `sub` (RFC 7519 §4.1.2).
    pub subject: Option<String>,
    /// `iss`, one of the accepted issuers (RFC 7519 §4.1.1).
    pub issuer: String,
    /// `aud` as a list; a single string becomes one element (RFC 7519 §4.1.3).
    pub audiences: Vec<String>,
    /// `scope` (space-separated string or array, RFC 8693 §4.2 / RFC 9068 §2.2.3), else `scp`.
    pub scopes: Vec<String>,
    /// `client_id` (RFC 9068 §2.2), else `azp` (OpenID Connect Core §2), else `sub`.
    pub client_id: Option<String>,
    /// `email` (OpenID Connect Core §5.1), if present.
    pub email: Option<String>,
    /// Every claim, for policy decisions above this layer.
    pub claims: Map<String, Value>,
}

/// Checks the registered claims at `now` and builds the [`Identity`] (RFC 7519 §7.2 step 10),
/// with a copy of every claim.
///
/// `typed_access_token`: the JOSE header said `typ: at+jwt` (RFC 9068 §2.1).
pub(crate) fn validate(
    claims: &Map<String, Value>,
    validation: &Validation,
    typed_access_token: bool,
    now: u64,
) -> Result<Identity, Error> {
    let mut identity = validate_fields(claims, validation, typed_access_token, now)?;
    identity.claims = claims.clone();
    Ok(identity)
}

/// As [`validate`], moving the claims into the [`Identity`] instead of copying them.
pub(crate) fn validate_owned(
    claims: Map<String, Value>,
    validation: &Validation,
    typed_access_token: bool,
    now: u64,
) -> Result<Identity, Error> {
    let mut identity = validate_fields(&claims, validation, typed_access_token, now)?;
    identity.claims = claims;
    Ok(identity)
}

/// The checks and every [`Identity`] field but `claims`, which is left empty for the caller.
fn validate_fields(
    claims: &Map<String, Value>,
    validation: &Validation,
    typed_access_token: bool,
    now: u64,
) -> Result<Identity, Error> {
    // What kind of token first: an ID token is refused as such, whatever else is wrong with it.
    if validation.require_access_token_type && !typed_access_token {
        return Err(Error::TypNotAccessToken);
    }
    if !validation.accept_id_tokens && !typed_access_token && is_id_token(claims) {
        return Err(Error::IdTokenNotAccepted);
    }
    check_times(claims, validation, now)?;

    let issuer = string(claims, Claim::Iss)?.ok_or(Error::MissingIssuer)?;
    if !validation.issuers.iter().any(|accepted| accepted == issuer) {
        return Err(Error::IssuerMismatch);
    }

    // The type of `aud` is checked even when its value is not: a malformed registered claim
    // marks a token this core does not understand.
    let audiences = audiences(claims)?;
    if let Some(accepted) = &validation.audiences {
        let audiences = audiences.as_ref().ok_or(Error::MissingAudience)?;
        if !audiences.iter().any(|aud| accepted.contains(aud)) {
            return Err(Error::AudienceMismatch);
        }
    }

    let subject = string(claims, Claim::Sub)?;
    let scopes = match string_list(claims, Claim::Scope)? {
        Some(scopes) => scopes,
        None => string_list(claims, Claim::Scp)?.unwrap_or_default(),
    };
    let client_id = match string(claims, Claim::ClientId)? {
        Some(id) => Some(id),
        None => string(claims, Claim::Azp)?.or(subject),
    };
    let email = string(claims, Claim::Email)?;

    Ok(Identity {
        subject: subject.map(str::to_owned),
        issuer: issuer.to_owned(),
        audiences: audiences.unwrap_or_default(),
        scopes,
        client_id: client_id.map(str::to_owned),
        email: email.map(str::to_owned),
        claims: Map::new(),
    })
}

/// `exp`, `nbf`, `iat` against `now` ± leeway (RFC 7519 §4.1.4–§4.1.6).
///
/// Arithmetic is in `i128`, so no NumericDate, however large or negative, can overflow into
/// acceptance.
fn check_times(
    claims: &Map<String, Value>,
    validation: &Validation,
    now: u64,
) -> Result<(), Error> {
    let now = i128::from(now);
    let leeway = i128::from(validation.leeway_secs);
    match numeric_date(claims, Claim::Exp)? {
        // "The current date/time MUST be before the expiration date/time."
        Some(exp) if now >= exp + leeway => return Err(Error::Expired),
        Some(_) => {}
        None if validation.require_exp => return Err(Error::MissingExp),
        None => {}
    }
    if let Some(nbf) = numeric_date(claims, Claim::Nbf)? {
        if now + leeway < nbf {
            return Err(Error::NotYetValid);
        }
    }
    if let Some(iat) = numeric_date(claims, Claim::Iat)? {
        if iat > now + leeway {
            return Err(Error::IssuedInFuture);
        }
    }
    Ok(())
}

/// A NumericDate (RFC 7519 §2): a JSON number of seconds, possibly fractional.
///
/// A string such as `"exp": "1700000000"` is refused, never skipped: skipping it would turn a
/// malformed expiry into no expiry (CVE-2026-25537). Fractions are truncated toward zero,
/// which for `exp` ends validity up to a second early, never late.
fn numeric_date(claims: &Map<String, Value>, claim: Claim) -> Result<Option<i128>, Error> {
    let Some(value) = claims.get(claim.as_str()) else {
        return Ok(None);
    };
    let number = value.as_number().ok_or(Error::ClaimType(claim))?;
    let seconds = if let Some(u) = number.as_u64() {
        i128::from(u)
    } else if let Some(i) = number.as_i64() {
        i128::from(i)
    } else {
        // A fraction or exponent: the integer part, exactly, saturating at the i64 range (any
        // such date is billions of years away), with no float code.
        i128::from(number.integer_part())
    };
    Ok(Some(seconds))
}

/// An optional string claim; any other JSON type is an error.
fn string(claims: &Map<String, Value>, claim: Claim) -> Result<Option<&str>, Error> {
    match claims.get(claim.as_str()) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::ClaimType(claim)),
    }
}

/// `aud`: a single string or an array of strings (RFC 7519 §4.1.3).
fn audiences(claims: &Map<String, Value>) -> Result<Option<Vec<String>>, Error> {
    match claims.get("aud") {
        None => Ok(None),
        Some(Value::String(aud)) => Ok(Some(vec![aud.clone()])),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or(Error::ClaimType(Claim::Aud))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(Error::ClaimType(Claim::Aud)),
    }
}

/// `scope`/`scp`: a space-separated string exactly per RFC 6749 §3.3 (see `scope`), or an
/// array whose every element is one scope-token. A non-string is [`Error::ClaimType`], a string
/// that breaks the grammar [`Error::ScopeSyntax`].
fn string_list(claims: &Map<String, Value>, claim: Claim) -> Result<Option<Vec<String>>, Error> {
    match claims.get(claim.as_str()) {
        None => Ok(None),
        Some(Value::String(list)) => scope::split(list)
            .map(Some)
            .ok_or(Error::ScopeSyntax(claim)),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item.as_str() {
                Some(token) if scope::is_scope_token(token) => Ok(token.to_owned()),
                Some(_) => Err(Error::ScopeSyntax(claim)),
                None => Err(Error::ClaimType(claim)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(Error::ClaimType(claim)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ::json::json;

    const NOW: u64 = 1_700_000_000;

    fn check(claims: Value, validation: &Validation) -> Result<Identity, Error> {
        validate(claims.as_object().unwrap(), validation, false, NOW)
    }

    fn base() -> Validation {
        Validation::new(vec!["https://issuer.example".into()])
    }

    #[test]
    fn times_with_leeway() {
        let v = base();
        let iss = "https://issuer.example";
        let ok = |c: Value| check(c, &v);
        assert!(ok(json!({"iss": iss, "exp": NOW + 1})).is_ok());
        assert!(ok(json!({"iss": iss, "exp": NOW - 59})).is_ok());
        assert_eq!(
            ok(json!({"iss": iss, "exp": NOW - 60})),
            Err(Error::Expired)
        );
        assert_eq!(ok(json!({"iss": iss, "exp": -1})), Err(Error::Expired));
        assert_eq!(ok(json!({"iss": iss, "exp": 1.5})), Err(Error::Expired));
        assert!(ok(json!({"iss": iss, "exp": 1e300})).is_ok());
        assert!(ok(json!({"iss": iss, "exp": u64::MAX, "nbf": NOW + 60})).is_ok());
        assert_eq!(
            ok(json!({"iss": iss, "exp": u64::MAX, "nbf": NOW + 61})),
            Err(Error::NotYetValid)
        );
        assert_eq!(
            ok(json!({"iss": iss, "exp": u64::MAX, "iat": NOW + 61})),
            Err(Error::IssuedInFuture)
        );
        assert_eq!(ok(json!({"iss": iss})), Err(Error::MissingExp));
        assert_eq!(
            ok(json!({"iss": iss, "exp": "9999999999"})),
            Err(Error::ClaimType(Claim::Exp))
        );
        assert_eq!(
            ok(json!({"iss": iss, "exp": u64::MAX, "nbf": "0"})),
            Err(Error::ClaimType(Claim::Nbf))
        );
        assert_eq!(
            ok(json!({"iss": iss, "exp": u64::MAX, "iat": null})),
            Err(Error::ClaimType(Claim::Iat))
        );
        let lax = Validation {
            require_exp: false,
            ..base()
        };
        assert!(check(json!({"iss": iss}), &lax).is_ok());
    }

    #[test]
    fn issuer_and_audience() {
        let far = u64::MAX;
        assert_eq!(
            check(json!({"exp": far}), &base()),
            Err(Error::MissingIssuer)
        );
        assert_eq!(
            check(
                json!({"exp": far, "iss": "https://issuer.example/"}),
                &base()
            ),
            Err(Error::IssuerMismatch)
        );
        assert_eq!(
            check(json!({"exp": far, "iss": 7}), &base()),
            Err(Error::ClaimType(Claim::Iss))
        );
        assert_eq!(
            check(
                json!({"exp": far, "iss": "https://issuer.example"}),
                &Validation::new(vec![])
            ),
            Err(Error::IssuerMismatch)
        );
        let v = Validation {
            audiences: Some(vec!["api".into(), "mcp".into()]),
            ..base()
        };
        let iss = "https://issuer.example";
        assert!(check(json!({"exp": far, "iss": iss, "aud": "mcp"}), &v).is_ok());
        assert!(check(json!({"exp": far, "iss": iss, "aud": ["x", "api"]}), &v).is_ok());
        assert_eq!(
            check(json!({"exp": far, "iss": iss, "aud": ["x"]}), &v),
            Err(Error::AudienceMismatch)
        );
        assert_eq!(
            check(json!({"exp": far, "iss": iss, "aud": []}), &v),
            Err(Error::AudienceMismatch)
        );
        assert_eq!(
            check(json!({"exp": far, "iss": iss}), &v),
            Err(Error::MissingAudience)
        );
        assert_eq!(
            check(json!({"exp": far, "iss": iss, "aud": 1}), &v),
            Err(Error::ClaimType(Claim::Aud))
        );
        assert_eq!(
            check(json!({"exp": far, "iss": iss, "aud": ["mcp", 1]}), &v),
            Err(Error::ClaimType(Claim::Aud))
        );
        // Unchecked audience still has to be well-formed.
        assert_eq!(
            check(json!({"exp": far, "iss": iss, "aud": {"a": 1}}), &base()),
            Err(Error::ClaimType(Claim::Aud))
        );
    }

    #[test]
    fn identity_fields() {
        let far = u64::MAX;
        let iss = "https://issuer.example";
        let id = check(json!({"exp": far, "iss": iss, "sub": "u1", "scope": "read write", "scp": ["x"], "azp": "app", "email": "a@b.c"}), &base()).unwrap();
        assert_eq!(id.scopes, ["read", "write"]);
        assert_eq!(id.client_id.as_deref(), Some("app"));
        assert_eq!(id.email.as_deref(), Some("a@b.c"));
        let id = check(json!({"exp": far, "iss": iss, "sub": "u1", "scp": ["a", "b"], "client_id": "c", "azp": "app"}), &base()).unwrap();
        assert_eq!(id.scopes, ["a", "b"]);
        assert_eq!(id.client_id.as_deref(), Some("c"));
        let id = check(
            json!({"exp": far, "iss": iss, "sub": "u1", "scp": "a b"}),
            &base(),
        )
        .unwrap();
        assert_eq!(id.scopes, ["a", "b"]);
        assert_eq!(id.client_id.as_deref(), Some("u1"));
        assert_eq!(
            check(json!({"exp": far, "iss": iss, "scope": 5}), &base()),
            Err(Error::ClaimType(Claim::Scope))
        );
        assert_eq!(
            check(json!({"exp": far, "iss": iss, "sub": 5}), &base()),
            Err(Error::ClaimType(Claim::Sub))
        );
    }
}
