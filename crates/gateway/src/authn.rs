//! Authentication and authorization of a protected request.
//!
//! `Authorization: Bearer <token>` (RFC 6750 §2.1; the scheme is case-insensitive, RFC 9110
//! §11.1) → [`jose::Token::parse`] → provider by unverified `iss` → keys (KV cache or fetch) →
//! [`jose::Token::verify`] → required scopes (RFC 6750 §3.1 `insufficient_scope`).

use crate::config::Config;
use crate::jwks_cache::{keys_for, KeysRequest};
use crate::log::RequestLog;
use crate::ports::{HttpClient, KeyValue, Random};
use crate::provider::{route, Provider};
use jose::{self, Identity, Limits, Token, Validation};

/// Why a protected request is refused. Each maps to one status and one fixed description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// No `Authorization` header: 401, `error="unauthorized"`.
    MissingToken,
    /// `Authorization` with another scheme: 401, `error="unauthorized"`.
    UnsupportedScheme,
    /// More than one `Authorization` header: 400 `invalid_request` (RFC 6750 §3.1).
    MultipleAuthorization,
    /// `Bearer` with an empty or non-`token68` credential: 401 `invalid_token`.
    MalformedCredential,
    /// The token failed parsing or verification: 401 `invalid_token`.
    Token(jose::Error),
    /// The token's `iss` matches no configured provider: 401 `invalid_token`.
    UntrustedIssuer,
    /// No signing keys (provider down, nothing cached): 503 with `Retry-After`.
    KeysUnavailable {
        /// Seconds until the next fetch may happen.
        retry_after_secs: u64,
    },
    /// A scope in `required` is missing: 403 `insufficient_scope`.
    InsufficientScope {
        /// The required scopes, space-separated.
        required: String,
    },
}

impl Rejection {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Rejection::MissingToken
            | Rejection::UnsupportedScheme
            | Rejection::MalformedCredential
            | Rejection::Token(_)
            | Rejection::UntrustedIssuer => 401,
            Rejection::MultipleAuthorization => 400,
            Rejection::KeysUnavailable { .. } => 503,
            Rejection::InsufficientScope { .. } => 403,
        }
    }

    /// The OAuth error code (RFC 6750 §3.1).
    pub fn error_code(&self) -> &'static str {
        match self {
            Rejection::MissingToken | Rejection::UnsupportedScheme => "unauthorized",
            Rejection::MultipleAuthorization => "invalid_request",
            Rejection::MalformedCredential | Rejection::Token(_) | Rejection::UntrustedIssuer => {
                "invalid_token"
            }
            Rejection::KeysUnavailable { .. } => "temporarily_unavailable",
            Rejection::InsufficientScope { .. } => "insufficient_scope",
        }
    }

    /// A short fixed description; never echoes the token.
    pub fn description(&self) -> &'static str {
        match self {
            // The behaviour contract's exact text (DESIGN.md; FastMCP says the same): clients
            // and the acceptance run match it, so it keeps its capital, unlike the others.
            Rejection::MissingToken => "Missing authorization header",
            Rejection::UnsupportedScheme => "authorization scheme must be Bearer",
            Rejection::MultipleAuthorization => "multiple authorization headers",
            Rejection::MalformedCredential => "malformed bearer token",
            Rejection::Token(e) => e.description(),
            Rejection::UntrustedIssuer => "token issuer is not accepted",
            Rejection::KeysUnavailable { .. } => "signing keys are temporarily unavailable",
            Rejection::InsufficientScope { .. } => "token lacks a required scope",
        }
    }
}

/// RFC 7235 §2.1 `token68`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

/// Extracts the bearer token from the request's headers.
pub fn bearer_token(headers: &[(String, Vec<u8>)]) -> Result<&str, Rejection> {
    let mut values = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v);
    let value = values.next().ok_or(Rejection::MissingToken)?;
    if values.next().is_some() {
        return Err(Rejection::MultipleAuthorization);
    }
    let value = core::str::from_utf8(value)
        .map_err(|_| Rejection::MalformedCredential)?
        .trim();
    if value.is_empty() {
        return Err(Rejection::MissingToken);
    }
    let (scheme, rest) = match value.find([' ', '\t']) {
        // Checked (a space or tab is ASCII, so never `None`): no char-boundary panic linked.
        Some(i) => value
            .split_at_checked(i)
            .ok_or(Rejection::MalformedCredential)?,
        None => (value, ""),
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Rejection::UnsupportedScheme);
    }
    let token = rest.trim_start_matches([' ', '\t']);
    if !is_token68(token) {
        return Err(Rejection::MalformedCredential);
    }
    Ok(token)
}

/// A verified request.
#[derive(Debug, Clone, PartialEq)]
pub struct Authenticated<'a> {
    /// The identity the token speaks for.
    pub identity: Identity,
    /// The provider that issued it.
    pub provider: &'a Provider,
}

/// Verifies the request's bearer token and the provider's required scopes.
pub fn authenticate<'c, P: KeyValue + HttpClient + Random>(
    ports: &P,
    headers: &[(String, Vec<u8>)],
    config: &'c Config,
    now_secs: u64,
    log: &mut RequestLog,
) -> Result<Authenticated<'c>, Rejection> {
    let compact = bearer_token(headers)?;
    let token = Token::parse(compact, &Limits::default()).map_err(Rejection::Token)?;

    // The unverified `iss` only selects which keys to try; `verify` checks it again.
    let provider = match route(&config.providers, token.unverified_issuer()) {
        Some(p) => p,
        None if token.unverified_issuer().is_none() => {
            return Err(Rejection::Token(jose::Error::MissingIssuer))
        }
        None => return Err(Rejection::UntrustedIssuer),
    };
    log.set_provider(&provider.name);

    let jwks_uri = provider
        .resolve_jwks_uri(
            ports,
            &config.cache,
            config.provider_timeout_ms,
            now_secs,
            log,
        )
        .map_err(|m| Rejection::KeysUnavailable {
            retry_after_secs: m.retry_after_secs,
        })?;
    let keys = keys_for(
        ports,
        KeysRequest {
            jwks_uri: &jwks_uri,
            allowed: &provider.allowed_hosts,
            kid: token.kid(),
            policy: &config.cache,
            timeout_ms: config.provider_timeout_ms,
            now: now_secs,
        },
        log,
    )
    .map_err(|k| Rejection::KeysUnavailable {
        retry_after_secs: k.retry_after_secs,
    })?;

    let validation = Validation {
        issuers: vec![provider.issuer.clone()],
        audiences: Some(provider.audiences.clone()),
        leeway_secs: config.leeway_secs,
        require_exp: true,
        // RFC 9068 §4 typing, opt-in per provider (`auth_provider_require_at_jwt`); ID tokens
        // are refused unless the provider opts in (`auth_provider_accept_id_tokens`).
        require_access_token_type: provider.require_at_jwt,
        accept_id_tokens: provider.accept_id_tokens,
    };
    // The token is not needed afterwards: its claims move into the identity, uncopied.
    let identity = token
        .into_identity(&keys, &validation, now_secs)
        .map_err(Rejection::Token)?;
    log.set_sub(identity.subject.as_deref());

    // Scope hierarchies count (MCP 2026-07-28 authorization): `mcp:admin` may imply `mcp:read`.
    if !crate::authorize::has_required_scopes(config, &identity.scopes, &provider.required_scopes) {
        return Err(Rejection::InsufficientScope {
            required: provider.required_scopes.join(" "),
        });
    }
    Ok(Authenticated { identity, provider })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn h(values: &[&str]) -> Vec<(String, Vec<u8>)> {
        values
            .iter()
            .map(|v| ("Authorization".to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn bearer_extraction() {
        assert_eq!(bearer_token(&h(&["Bearer abc.def.ghi"])), Ok("abc.def.ghi"));
        assert_eq!(bearer_token(&h(&["bEaReR   abc"])), Ok("abc"));
        assert_eq!(bearer_token(&h(&["Bearer abc=="])), Ok("abc=="));
        assert_eq!(bearer_token(&[]), Err(Rejection::MissingToken));
        assert_eq!(bearer_token(&h(&[""])), Err(Rejection::MissingToken));
        assert_eq!(
            bearer_token(&h(&["Basic dXNlcg=="])),
            Err(Rejection::UnsupportedScheme)
        );
        assert_eq!(
            bearer_token(&h(&["Bearer"])),
            Err(Rejection::MalformedCredential)
        );
        assert_eq!(
            bearer_token(&h(&["Bearer "])),
            Err(Rejection::MalformedCredential)
        );
        assert_eq!(
            bearer_token(&h(&["Bearer a b"])),
            Err(Rejection::MalformedCredential)
        );
        assert_eq!(
            bearer_token(&h(&["Bearer =="])),
            Err(Rejection::MalformedCredential)
        );
        assert_eq!(
            bearer_token(&h(&["Bearer a\"b"])),
            Err(Rejection::MalformedCredential)
        );
        assert_eq!(
            bearer_token(&h(&["Bearer a", "Bearer b"])),
            Err(Rejection::MultipleAuthorization)
        );
        let raw = vec![("authorization".to_string(), vec![0xff, 0xfe])];
        assert_eq!(bearer_token(&raw), Err(Rejection::MalformedCredential));
    }

    #[test]
    fn rejection_mapping() {
        assert_eq!(Rejection::MissingToken.status(), 401);
        assert_eq!(Rejection::MultipleAuthorization.status(), 400);
        assert_eq!(
            Rejection::KeysUnavailable {
                retry_after_secs: 3
            }
            .status(),
            503
        );
        assert_eq!(
            Rejection::InsufficientScope {
                required: "a".into()
            }
            .status(),
            403
        );
        assert_eq!(
            Rejection::Token(jose::Error::Expired).description(),
            "token has expired"
        );
    }
}
