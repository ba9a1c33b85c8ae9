//! The JOSE header of a JWS (RFC 7515 §4.1), reduced to what verification may use.
//!
//! Only `alg` and `kid` survive parsing. `jwk`, `jku`, `x5u`, `x5c` and `x5t` are deliberately
//! never read: a key named by the token itself proves nothing (RFC 8725 §3.10), so keys come only
//! from the provider's configured JWK Set.

use ::json::{Map, Value};

use super::{json, Alg, Error, Limits};

/// The header members verification relies on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) alg: Alg,
    pub(crate) kid: Option<String>,
    /// `typ` is `at+jwt`: the issuer typed this an access token (RFC 9068 §2.1).
    pub(crate) access_token_typ: bool,
}

impl Header {
    /// Parses and judges a decoded header (RFC 7515 §5.2 steps 3–5).
    pub(crate) fn parse(bytes: &[u8], limits: &Limits) -> Result<Header, Error> {
        if bytes.len() > limits.max_header_bytes {
            return Err(Error::HeaderTooLarge);
        }
        let header =
            json::parse_object(bytes, limits.max_json_depth).map_err(|fault| match fault {
                json::Fault::Duplicate => Error::HeaderDuplicateMember,
                json::Fault::TooDeep => Error::JsonTooDeep,
                json::Fault::Syntax => Error::HeaderNotJson,
            })?;

        // A JWE header (RFC 7516 §4.1.2) in a three-part token is still not a JWS.
        if header.contains_key("enc") {
            return Err(Error::Jwe);
        }
        let alg = alg(&header)?;
        // RFC 7515 §4.1.11: a recipient MUST reject a `crit` it does not fully understand, and
        // this core implements no extension, so any `crit` (even a malformed one) is refused.
        if header.contains_key("crit") {
            return Err(Error::CritUnsupported);
        }
        // RFC 7797: with `b64: false` the signed bytes are not the ones transmitted. Even
        // `b64: true` is refused: it is only meaningful alongside `crit`, which is refused.
        if header.contains_key("b64") {
            return Err(Error::B64Unsupported);
        }
        // `zip` belongs to JWE (RFC 7516 §4.1.3); in a JWS it signals a confused or hostile
        // producer, and decompression would be a resource risk (RFC 8725 §3.6).
        if header.contains_key("zip") {
            return Err(Error::ZipUnsupported);
        }
        let access_token_typ = match string(&header, "typ")? {
            Some(typ) if media_type_is(typ, "at+jwt") => true,
            Some(typ) if media_type_is(typ, "jwt") => false,
            Some(_) => return Err(Error::TypNotAccepted),
            None => false,
        };
        // RFC 7519 §5.2: `cty: JWT` announces a nested token, which we never unwrap.
        if let Some(cty) = string(&header, "cty")? {
            if media_type_is(cty, "jwt") {
                return Err(Error::NestedJwt);
            }
        }
        let kid = string(&header, "kid")?.map(str::to_owned);
        Ok(Header {
            alg,
            kid,
            access_token_typ,
        })
    }
}

/// RFC 7515 §4.1.1: `alg` is required and must be on the allow-list. Refusals are sorted into
/// reasons an operator can act on: unsecured, symmetric, or simply unsupported.
fn alg(header: &Map<String, Value>) -> Result<Alg, Error> {
    let name = string(header, "alg")?.ok_or(Error::AlgMissing)?;
    if let Some(alg) = Alg::from_name(name) {
        return Ok(alg);
    }
    // `alg` values are case-sensitive, but "None" or "nOnE" is still an attempt at an unsecured
    // JWS, and deserves that name in the log.
    if name.eq_ignore_ascii_case("none") {
        return Err(Error::AlgNone);
    }
    if ["HS256", "HS384", "HS512"]
        .iter()
        .any(|hs| name.eq_ignore_ascii_case(hs))
    {
        return Err(Error::AlgSymmetric);
    }
    Err(Error::AlgUnsupported)
}

/// RFC 7515 §4.1.9 explicit typing (`typ` above), as RFC 8725 §3.11 recommends: absent, `JWT`,
/// or the access token type `at+jwt` (RFC 9068 §2.1). Media types compare case-insensitively
/// and may omit the `application/` prefix, so `application/jwt` and `application/at+jwt` are
/// accepted too. Any other type (`logout+jwt`, `dpop+jwt`, `secevent+jwt` ...) is another kind
/// of token and must not pass as an access token.
///
/// Compares a `typ`/`cty` value with a subtype of `application/`, per RFC 7515 §4.1.9.
fn media_type_is(value: &str, subtype: &str) -> bool {
    let prefix = "application/";
    let bare = match value.get(..prefix.len()) {
        Some(head) if head.eq_ignore_ascii_case(prefix) => value.get(prefix.len()..).unwrap_or(""),
        _ => value,
    };
    bare.eq_ignore_ascii_case(subtype)
}

/// An optional string member; present with another type is an error.
fn string<'a>(header: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Error> {
    match header.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::HeaderMemberType),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Header, Error> {
        Header::parse(json.as_bytes(), &Limits::default())
    }

    #[test]
    fn typ_policy() {
        for (ok, access_token) in [
            ("JWT", false),
            ("jwt", false),
            ("at+jwt", true),
            ("AT+JWT", true),
            ("application/at+jwt", true),
            ("Application/JWT", false),
        ] {
            let header = parse(&format!(r#"{{"alg":"RS256","typ":"{ok}"}}"#)).unwrap();
            assert_eq!(header.access_token_typ, access_token, "{ok}");
        }
        assert!(!parse(r#"{"alg":"RS256"}"#).unwrap().access_token_typ);
        for bad in [
            "JWS",
            "dpop+jwt",
            "application/",
            "",
            "at+jwt ",
            "logout+jwt",
        ] {
            assert_eq!(
                parse(&format!(r#"{{"alg":"RS256","typ":"{bad}"}}"#)),
                Err(Error::TypNotAccepted),
                "{bad}"
            );
        }
        assert_eq!(
            parse(r#"{"alg":"RS256","typ":1}"#),
            Err(Error::HeaderMemberType)
        );
    }

    #[test]
    fn alg_reasons() {
        assert_eq!(parse(r#"{}"#), Err(Error::AlgMissing));
        assert_eq!(parse(r#"{"alg":null}"#), Err(Error::HeaderMemberType));
        assert_eq!(parse(r#"{"alg":"nOnE"}"#), Err(Error::AlgNone));
        assert_eq!(parse(r#"{"alg":"hs256"}"#), Err(Error::AlgSymmetric));
        assert_eq!(parse(r#"{"alg":"ES512"}"#), Err(Error::AlgUnsupported));
        assert_eq!(parse(r#"{"alg":"rs256"}"#), Err(Error::AlgUnsupported));
        let h = parse(r#"{"alg":"EdDSA","kid":"k","x5c":["x"],"jku":"https://evil"}"#).unwrap();
        assert_eq!((h.alg, h.kid.as_deref()), (Alg::EdDsa, Some("k")));
    }

    #[test]
    fn extensions_refused() {
        assert_eq!(
            parse(r#"{"alg":"RS256","crit":[]}"#),
            Err(Error::CritUnsupported)
        );
        assert_eq!(
            parse(r#"{"alg":"RS256","b64":true}"#),
            Err(Error::B64Unsupported)
        );
        assert_eq!(
            parse(r#"{"alg":"RS256","zip":"DEF"}"#),
            Err(Error::ZipUnsupported)
        );
        assert_eq!(
            parse(r#"{"alg":"RS256","cty":"JWT"}"#),
            Err(Error::NestedJwt)
        );
        assert_eq!(
            parse(r#"{"alg":"RSA-OAEP","enc":"A128GCM"}"#),
            Err(Error::Jwe)
        );
    }
}
