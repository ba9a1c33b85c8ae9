//! Provider slots (`auth_provider_*`, `auth_provider2_*`, `auth_provider3_*`) → [`Provider`]s.
//!
//! Each slot is validated on its own, then across slots: issuers and display names must be
//! unique (a name is what `_authContext.provider` and `x-auth-provider` carry, so two slots
//! with one name would make two identity providers indistinguishable downstream).

use super::{endpoint, err, is_scope_char, parse_bool, read, secure_url, split_list, ConfigError};
use crate::ports::Variables;
use crate::provider::{Provider, ProviderKind};
use crate::url::{self, HostAllowList};
use crate::variables::{ProviderVars, PROVIDER_SLOTS};

/// Loads every active slot, in slot order; at least one must be active.
pub(super) fn load_providers(
    vars: &impl Variables,
    resource_url: Option<&str>,
) -> Result<Vec<Provider>, ConfigError> {
    let mut providers: Vec<Provider> = Vec::new();
    for slot in PROVIDER_SLOTS.iter() {
        if let Some(p) = load_provider(vars, slot, resource_url)? {
            if providers.iter().any(|q| q.issuer == p.issuer) {
                return Err(err(
                    slot.issuer,
                    "this issuer is already configured by another provider slot",
                ));
            }
            if providers
                .iter()
                .any(|q| q.name.eq_ignore_ascii_case(&p.name))
            {
                return Err(err(
                    slot.name,
                    "this provider name is already used by another slot (names default to the type): set a distinct name, e.g. auth_provider2_name=okta",
                ));
            }
            providers.push(p);
        }
    }
    if providers.is_empty() {
        let first = &PROVIDER_SLOTS[0];
        return Err(err(
            first.issuer,
            "no identity provider is configured: set auth_provider_type and auth_provider_issuer (or auth_enabled=false to disable authentication)",
        ));
    }
    Ok(providers)
}

// Not inlined: Cranelift's compile work grows faster than a function's size, and
// LLVM would fold this into the request handler (scripts/size-report measures it).
#[inline(never)]
fn load_provider(
    vars: &impl Variables,
    slot: &'static ProviderVars,
    resource_url: Option<&str>,
) -> Result<Option<Provider>, ConfigError> {
    let kind_raw = read(vars, slot.kind)?;
    let issuer_raw = read(vars, slot.issuer)?;
    if kind_raw.is_empty() && issuer_raw.is_empty() {
        return Ok(None);
    }
    let kind = match kind_raw.to_ascii_lowercase().as_str() {
        "authkit" => ProviderKind::AuthKit,
        "oidc" => ProviderKind::Oidc,
        _ => return Err(err(slot.kind, "must be authkit or oidc")),
    };
    if issuer_raw.is_empty() {
        return Err(err(
            slot.issuer,
            "is required when the provider type is set, e.g. https://your-tenant.authkit.app",
        ));
    }

    let issuer_problem = "must be the provider's issuer URL, e.g. https://your-tenant.authkit.app";
    let issuer = match kind {
        ProviderKind::AuthKit => {
            // AuthKit issuers are origins: accept `tenant.authkit.app` and a trailing slash.
            let with_scheme = if issuer_raw
                .split_once(':')
                .is_some_and(|(_, rest)| rest.starts_with("//"))
            {
                issuer_raw.clone()
            } else {
                let mut s = String::from("https://");
                s.push_str(&issuer_raw);
                s
            };
            with_scheme.trim_end_matches('/').to_string()
        }
        // OIDC issuers are compared byte for byte (OpenID Connect Discovery §4.3): no rewriting.
        ProviderKind::Oidc => issuer_raw.clone(),
    };
    let issuer_url = secure_url(&issuer, slot.issuer, issuer_problem)?;
    if issuer_url.query().is_some() {
        return Err(err(slot.issuer, "must not have a query (RFC 8414 §2)"));
    }

    let domains = allowed_domains(&read(vars, slot.allowed_domains)?, slot)?;
    let allowed_hosts = HostAllowList::new(&issuer_url, domains);

    let jwks_raw = read(vars, slot.jwks_uri)?;
    let jwks_uri = if jwks_raw.is_empty() {
        match kind {
            ProviderKind::AuthKit => {
                let mut s = issuer.clone();
                s.push_str("/oauth2/jwks");
                Some(secure_url(&s, slot.issuer, issuer_problem)?)
            }
            ProviderKind::Oidc => None,
        }
    } else {
        Some(secure_url(
            &jwks_raw,
            slot.jwks_uri,
            "must be an absolute https URL, e.g. https://auth.example.com/.well-known/jwks.json",
        )?)
    };
    if let Some(j) = &jwks_uri {
        if !allowed_hosts.allows_url(j) {
            return Err(err(
                slot.jwks_uri,
                "host (and port) is neither the issuer's nor listed in the provider's allowed_domains variable",
            ));
        }
    }

    let mut audiences = split_list(&read(vars, slot.audience)?);
    if audiences
        .iter()
        .any(|a| a.bytes().any(|b| !(0x21..=0x7E).contains(&b)))
    {
        return Err(err(
            slot.audience,
            "must be printable values separated by commas",
        ));
    }
    if audiences.is_empty() {
        match resource_url {
            Some(r) => audiences.push(r.to_string()),
            None => {
                return Err(err(
                    slot.audience,
                    "no expected audience: set it (comma-separated) or set auth_resource_url; MCP servers must validate the token audience (RFC 8707)",
                ))
            }
        }
    }

    let required_scopes = split_list(&read(vars, slot.required_scopes)?);
    // split_list drops empty items, so a bad scope always has a bad character: name it.
    if let Some(bad) = required_scopes.iter().find_map(|s| s.chars().find(|&c| !is_scope_char(c))) {
        let mut e = err(
            slot.required_scopes,
            "must be scope names separated by spaces or commas (RFC 6749 §3.3)",
        );
        e.offending = Some(bad);
        return Err(e);
    }

    let name_raw = read(vars, slot.name)?;
    let name = if name_raw.is_empty() {
        kind.as_str().to_string()
    } else {
        name_raw
    };
    if name.len() > 64 || !name.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
        return Err(err(
            slot.name,
            "must be at most 64 printable ASCII characters",
        ));
    }

    Ok(Some(Provider {
        vars: slot,
        kind,
        name,
        issuer,
        audiences,
        jwks_uri,
        authorize_endpoint: endpoint(vars, slot.authorize_endpoint)?,
        token_endpoint: endpoint(vars, slot.token_endpoint)?,
        userinfo_endpoint: endpoint(vars, slot.userinfo_endpoint)?,
        allowed_hosts,
        required_scopes,
        require_at_jwt: parse_bool(vars, slot.require_at_jwt, false)?,
        accept_id_tokens: parse_bool(vars, slot.accept_id_tokens, false)?,
        trust_email: parse_bool(vars, slot.trust_email, false)?,
    }))
}

/// Parses a slot's `allowed_domains`: host names (`example.com`, `*.example.com`), lowercased.
/// Refused: anything that is not a host name (trailing dots included: `com.` would match every
/// `*.com.` host), and shared suffixes ([`url::is_shared_suffix`]: `com`, `co.uk`,
/// `github.io`), under which anyone can get a host name. Loopback names pass (local testing).
fn allowed_domains(raw: &str, slot: &'static ProviderVars) -> Result<Vec<String>, ConfigError> {
    let mut out: Vec<String> = Vec::new();
    for d in split_list(raw) {
        let d = d.to_ascii_lowercase();
        let host = d.strip_prefix("*.").unwrap_or(&d);
        let loopback = url::is_loopback_host(host);
        let name = !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if !name {
            return Err(err(
                slot.allowed_domains,
                "must be comma-separated host names, e.g. googleapis.com, *.example.com",
            ));
        }
        if !loopback && url::is_shared_suffix(host) {
            return Err(err(
                slot.allowed_domains,
                "lists a public or shared suffix (com, co.uk, github.io, ...) under which anyone can get a host: list the provider's own domain instead",
            ));
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}
