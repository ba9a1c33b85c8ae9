//! The host allow-list of outbound provider fetches, and the shared suffixes refused in it.

use super::Url;

/// Multi-tenant and registry suffixes refused in `allowed_domains`: under each of them anyone
/// can obtain a host name, so allowing one would let any of its tenants serve keys. A short,
/// documented list of the common ones, not the whole Public Suffix List
/// (<https://publicsuffix.org/>): hosting platforms where users get subdomains, and the
/// generic second-level registries (`co.uk`, `com.au`, ...), which [`is_shared_suffix`] also
/// recognises by shape.
pub static SHARED_SUFFIXES: &[&str] = &[
    "github.io",
    "gitlab.io",
    "pages.dev",
    "workers.dev",
    "r2.dev",
    "vercel.app",
    "netlify.app",
    "web.app",
    "firebaseapp.com",
    "appspot.com",
    "run.app",
    "herokuapp.com",
    "fly.dev",
    "onrender.com",
    "deno.dev",
    "railway.app",
    "glitch.me",
    "replit.app",
    "repl.co",
    "fermyon.app",
    "ngrok.io",
    "ngrok-free.app",
    "ngrok.app",
    "trycloudflare.com",
    "azurewebsites.net",
    "azurestaticapps.net",
    "cloudapp.net",
    "cloudfront.net",
    "amazonaws.com",
    "blogspot.com",
    "wordpress.com",
    "myshopify.com",
];

/// Second-level labels that registries sell under a two-letter country code (`co.uk`,
/// `com.au`, `co.jp`, `ne.jp`, `ac.uk`, ...).
const REGISTRY_LABELS: &[&str] = &[
    "ac", "co", "com", "edu", "gob", "go", "gov", "ltd", "me", "mil", "ne", "net", "nom", "or",
    "org", "plc", "sch",
];

/// True when `domain` (lowercase, no `*.`) is a suffix under which third parties register or
/// are handed names: a single label (`com`), an entry of [`SHARED_SUFFIXES`], or a generic
/// registry label under a country code (`co.uk`, `com.au`).
pub fn is_shared_suffix(domain: &str) -> bool {
    let Some((first, tld)) = domain.split_once('.') else {
        return true;
    };
    SHARED_SUFFIXES.contains(&domain)
        || (tld.len() == 2
            && tld.bytes().all(|b| b.is_ascii_alphabetic())
            && REGISTRY_LABELS.contains(&first))
}

/// Where outbound provider fetches (JWKS, discovery) may go. The issuer's own authority is
/// admitted exactly (same host, same port: README promises "the issuer's host", not its
/// subdomains, which may be internal names of the provider's network). `allowed_domains`
/// entries widen it: `example.com` admits it and every subdomain, `*.example.com` subdomains
/// only, on the scheme's default port (any port for loopback hosts, for local testing).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostAllowList {
    exact: Vec<(String, Option<u16>)>,
    domains: Vec<String>,
}

impl HostAllowList {
    /// A list admitting `url`'s host and port exactly, and the (validated, lowercased)
    /// `domains` entries.
    pub fn new(url: &Url, domains: Vec<String>) -> HostAllowList {
        HostAllowList {
            exact: vec![(url.host.clone(), url.port)],
            domains,
        }
    }

    /// The `allowed_domains` entries.
    pub fn domains(&self) -> &[String] {
        &self.domains
    }

    fn domain_allows(&self, host: &str) -> bool {
        self.domains.iter().any(|entry| {
            let (suffix, include_self) = match entry.strip_prefix("*.") {
                Some(s) => (s, false),
                None => (entry.as_str(), true),
            };
            (include_self && host == suffix)
                || (host.len() > suffix.len() + 1
                    && host.ends_with(suffix)
                    && host.as_bytes().get(host.len() - suffix.len() - 1) == Some(&b'.'))
        })
    }

    /// True when `host` (lowercased) is the issuer's host or matches an `allowed_domains`
    /// entry, whatever the port. Prefer [`HostAllowList::allows_url`], which checks the port.
    pub fn allows(&self, host: &str) -> bool {
        self.exact.iter().any(|(h, _)| h == host) || self.domain_allows(host)
    }

    /// True when `url` is on the issuer's exact host and port, or on an `allowed_domains` host
    /// at the scheme's default port (any port when the host is loopback).
    pub fn allows_url(&self, url: &Url) -> bool {
        self.exact
            .iter()
            .any(|(h, p)| *h == url.host && *p == url.port)
            || (self.domain_allows(&url.host) && (url.port.is_none() || url.is_loopback()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_matching() {
        let issuer = Url::parse("https://idp.example.com").unwrap();
        let l = HostAllowList::new(&issuer, vec!["authkit.app".into(), "*.auth0.com".into()]);
        assert!(l.allows("authkit.app"));
        assert!(l.allows("tenant.authkit.app"));
        assert!(!l.allows("evilauthkit.app"));
        assert!(!l.allows("authkit.app.evil.com"));
        assert!(l.allows("t.auth0.com"));
        assert!(!l.allows("auth0.com"));
        assert!(!l.allows("xauth0.com"));
        assert!(l.allows("idp.example.com"));
        let none = HostAllowList::default();
        assert!(!none.allows("a.com") && !none.allows_url(&issuer));
    }

    #[test]
    fn issuer_subdomain_or_other_port_is_not_the_issuer_host() {
        let issuer = Url::parse("https://idp.example.com").unwrap();
        let l = HostAllowList::new(&issuer, vec![]);
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(l.allows_url(&url("https://idp.example.com/jwks")));
        assert!(l.allows_url(&url("https://idp.example.com:443/jwks")));
        assert!(!l.allows_url(&url("https://metadata.internal.idp.example.com/jwks")));
        assert!(!l.allows_url(&url("https://idp.example.com:8443/jwks")));
        let l = HostAllowList::new(&issuer, vec!["example.net".into()]);
        assert!(l.allows_url(&url("https://keys.example.net/jwks")));
        assert!(!l.allows_url(&url("https://keys.example.net:8443/jwks")));
        let local = HostAllowList::new(&url("http://127.0.0.1:9000"), vec!["localhost".into()]);
        assert!(local.allows_url(&url("http://127.0.0.1:9000/jwks")));
        assert!(!local.allows_url(&url("http://127.0.0.1:9001/jwks")));
        assert!(local.allows_url(&url("http://localhost:9001/jwks")));
    }

    #[test]
    fn shared_suffixes_are_recognised() {
        for d in [
            "com",
            "co.uk",
            "com.au",
            "co.jp",
            "github.io",
            "amazonaws.com",
            "ac.uk",
        ] {
            assert!(is_shared_suffix(d), "{d}");
        }
        for d in [
            "example.com",
            "example.co.uk",
            "googleapis.com",
            "auth0.com",
            "co.example",
        ] {
            assert!(!is_shared_suffix(d), "{d}");
        }
    }
}
