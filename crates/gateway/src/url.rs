//! A deliberately small absolute-URL parser for the only URLs this component handles: `http` and
//! `https` URLs from configuration, provider documents and `Location` headers.
//!
//! It accepts the subset of RFC 3986 §3 that these need (scheme, host, optional port, path and
//! query) and rejects everything else: user information (`user@host`, a classic
//! host-confusion vector), fragments, whitespace, control and non-ASCII characters. Scheme and
//! host are lowercased (RFC 3986 §6.2.2.1) and a default port is dropped (§6.2.3), so that two
//! spellings of one origin compare equal.

use core::fmt;

/// The two schemes the component speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `http` (RFC 9110 §4.2.1).
    Http,
    /// `https` (RFC 9110 §4.2.2).
    Https,
}

impl Scheme {
    /// The scheme name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    fn default_port(&self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// Why a string is not an acceptable URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// Not `http://` or `https://` followed by an authority.
    NotHttp,
    /// The authority contains user information (`user@host`).
    UserInfo,
    /// The host is empty or contains characters outside a DNS name or IP literal.
    InvalidHost,
    /// The port is not a number from 1 to 65535.
    InvalidPort,
    /// The URL has a fragment (`#...`).
    Fragment,
    /// Whitespace, a control character, a non-ASCII byte or a character RFC 3986 excludes.
    InvalidCharacter,
}

impl UrlError {
    /// A short, fixed description.
    pub fn as_str(&self) -> &'static str {
        match self {
            UrlError::NotHttp => "not an http(s) URL",
            UrlError::UserInfo => "URL contains user information",
            UrlError::InvalidHost => "URL host is invalid",
            UrlError::InvalidPort => "URL port is invalid",
            UrlError::Fragment => "URL has a fragment",
            UrlError::InvalidCharacter => "URL contains an invalid character",
        }
    }
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed absolute `http`/`https` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    scheme: Scheme,
    host: String,
    port: Option<u16>,
    path: String,
    query: Option<String>,
}

/// True for the characters RFC 3986 allows in a URI outside of percent-encoding, minus `#`.
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b':'
                | b'/'
                | b'?'
                | b'['
                | b']'
                | b'@'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b'%'
        )
}

/// Validates a host: a DNS name (letters, digits, `-`, `.`, `_`) or a bracketed IPv6 literal.
/// Returns it lowercased.
fn parse_host(host: &str) -> Result<String, UrlError> {
    if host.is_empty() {
        return Err(UrlError::InvalidHost);
    }
    let ok = if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or(UrlError::InvalidHost)?;
        !inner.is_empty()
            && inner.contains(':')
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
    } else {
        host.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
            && !host.starts_with('.')
            && !host.starts_with('-')
    };
    if ok {
        Ok(host.to_ascii_lowercase())
    } else {
        Err(UrlError::InvalidHost)
    }
}

/// Splits `host[:port]` and validates both parts (RFC 3986 §3.2.2, §3.2.3).
pub(crate) fn split_authority(authority: &str) -> Result<(String, Option<u16>), UrlError> {
    // An IPv6 literal ends at `]`; a port, if any, follows it.
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => {
                // `split_at_checked`: `]` is ASCII, so this never fails, but the checked form
                // links no char-boundary panic (core's `slice_error_fail`, 1.5 KB) into the module.
                let Some((h, rest)) = authority.split_at_checked(end + 1) else {
                    return Err(UrlError::InvalidHost);
                };
                match rest.strip_prefix(':') {
                    Some(p) => (h, Some(p)),
                    None if rest.is_empty() => (h, None),
                    None => return Err(UrlError::InvalidHost),
                }
            }
            None => return Err(UrlError::InvalidHost),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let host = parse_host(host)?;
    let port = match port {
        None => None,
        Some(p) => {
            if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(UrlError::InvalidPort);
            }
            match p.parse::<u16>() {
                Ok(0) | Err(_) => return Err(UrlError::InvalidPort),
                Ok(n) => Some(n),
            }
        }
    };
    Ok((host, port))
}

impl Url {
    /// Parses an absolute `http` or `https` URL.
    pub fn parse(input: &str) -> Result<Url, UrlError> {
        if input.bytes().any(|b| b == b'#') {
            return Err(UrlError::Fragment);
        }
        if !input.bytes().all(is_uri_char) {
            return Err(UrlError::InvalidCharacter);
        }
        // `scheme "://"` (RFC 3986 §3): the first `:` ends the scheme. Splitting at a char,
        // not at the string "://", keeps core's two-way substring searcher out of the module.
        let (scheme, rest) = match input
            .split_once(':')
            .and_then(|(s, rest)| Some((s, rest.strip_prefix("//")?)))
        {
            Some((s, rest)) if s.eq_ignore_ascii_case("https") => (Scheme::Https, rest),
            Some((s, rest)) if s.eq_ignore_ascii_case("http") => (Scheme::Http, rest),
            _ => return Err(UrlError::NotHttp),
        };
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        // Checked as in `split_authority`: `/` and `?` are ASCII, so this never fails.
        let Some((authority, path_and_query)) = rest.split_at_checked(authority_end) else {
            return Err(UrlError::InvalidHost);
        };
        if authority.contains('@') {
            return Err(UrlError::UserInfo);
        }
        let (host, port) = split_authority(authority)?;
        let port = port.filter(|p| *p != scheme.default_port());
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, Some(q.to_string())),
            None => (path_and_query, None),
        };
        let path = if path.is_empty() { "/" } else { path };
        Ok(Url {
            scheme,
            host,
            port,
            path: path.to_string(),
            query,
        })
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The lowercased host (an IPv6 literal keeps its brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The explicit port, unless it is the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The path, at least `/`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query without its `?`.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// `host[:port]`, as sent in the request target's authority (RFC 9110 §7.2).
    pub fn authority(&self) -> String {
        match self.port {
            Some(p) => {
                let mut s = self.host.clone();
                s.push(':');
                s.push_str(&p.to_string());
                s
            }
            None => self.host.clone(),
        }
    }

    /// `scheme://host[:port]` (RFC 6454 §6.2 serialization).
    pub fn origin(&self) -> String {
        let mut s = String::from(self.scheme.as_str());
        s.push_str("://");
        s.push_str(&self.authority());
        s
    }

    /// The URL as text: the origin, then the path and query (RFC 3986 §5.3 recomposition), as
    /// [`Display`](fmt::Display) writes it but without a formatter (`to_string` would link one
    /// more `fmt` adapter into the module).
    pub fn serialized(&self) -> String {
        let mut s = self.origin();
        s.push_str(&self.path_and_query());
        s
    }

    /// The path followed by `?query` when there is one.
    pub fn path_and_query(&self) -> String {
        let mut s = self.path.clone();
        if let Some(q) = &self.query {
            s.push('?');
            s.push_str(q);
        }
        s
    }

    /// True when both URLs share scheme, host and port.
    pub fn same_origin(&self, other: &Url) -> bool {
        self.scheme == other.scheme && self.host == other.host && self.port == other.port
    }

    /// True for `localhost`, `*.localhost` (RFC 6761 §6.3), `127.0.0.0/8` and `[::1]`.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }

    /// Resolves a `Location` header value against this URL: either absolute, or an absolute
    /// path (RFC 9110 §10.2.2, RFC 3986 §5.2 restricted to those two forms).
    pub fn resolve_location(&self, location: &str) -> Result<Url, UrlError> {
        let location = location.trim();
        if location.starts_with('/') && !location.starts_with("//") {
            let mut s = self.origin();
            s.push_str(location);
            Url::parse(&s)
        } else {
            Url::parse(location)
        }
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin())?;
        f.write_str(&self.path_and_query())
    }
}

/// True for a loopback host name or address (see [`Url::is_loopback`]).
pub fn is_loopback_host(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    let mut parts = host.split('.');
    let first = parts.next();
    let rest: Vec<&str> = parts.collect();
    first == Some("127")
        && rest.len() == 3
        && rest
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
}

/// Parses a provider-facing URL and enforces the transport rule: `https`, or `http` only when
/// the host is a loopback address (local testing).
pub fn parse_secure(input: &str) -> Result<Url, SecureUrlError> {
    let url = Url::parse(input).map_err(SecureUrlError::Url)?;
    if url.scheme == Scheme::Http && !url.is_loopback() {
        return Err(SecureUrlError::NotHttps);
    }
    Ok(url)
}

/// Why a URL fails [`parse_secure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecureUrlError {
    /// The URL does not parse.
    Url(UrlError),
    /// The URL is `http` and its host is not loopback.
    NotHttps,
}

mod allow_list;
pub use allow_list::{is_shared_suffix, HostAllowList, SHARED_SUFFIXES};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalizes() {
        let u = Url::parse("HTTPS://Tenant.AuthKit.app:443/oauth2/jwks?x=1").unwrap();
        assert_eq!(u.scheme(), Scheme::Https);
        assert_eq!(u.host(), "tenant.authkit.app");
        assert_eq!(u.port(), None);
        assert_eq!(u.path(), "/oauth2/jwks");
        assert_eq!(u.query(), Some("x=1"));
        assert_eq!(u.to_string(), "https://tenant.authkit.app/oauth2/jwks?x=1");
        let u = Url::parse("http://localhost:3000").unwrap();
        assert_eq!(u.authority(), "localhost:3000");
        assert_eq!(u.path(), "/");
        assert_eq!(u.origin(), "http://localhost:3000");
        let u = Url::parse("http://[::1]:8080/a").unwrap();
        assert_eq!(u.host(), "[::1]");
        assert_eq!(u.port(), Some(8080));
        assert!(u.is_loopback());
    }

    #[test]
    fn serialized_is_what_display_writes() {
        for text in [
            "HTTPS://Tenant.AuthKit.app:443/oauth2/jwks?x=1",
            "http://localhost:3000",
            "http://[::1]:8080/a?b=c&d",
            "https://idp.example.com:8443/.well-known/jwks.json",
        ] {
            let u = Url::parse(text).unwrap();
            assert_eq!(u.serialized(), u.to_string(), "{text}");
        }
        assert_eq!(
            Url::parse("http://[::1]:8080/a?b=c").unwrap().serialized(),
            "http://[::1]:8080/a?b=c"
        );
    }

    #[test]
    fn rejects_hostile_forms() {
        assert_eq!(
            Url::parse("https://user@evil.com/"),
            Err(UrlError::UserInfo)
        );
        assert_eq!(Url::parse("https://a.com/#frag"), Err(UrlError::Fragment));
        assert_eq!(
            Url::parse("https://a.com/ x"),
            Err(UrlError::InvalidCharacter)
        );
        assert_eq!(
            Url::parse("https://a.com/\u{e9}"),
            Err(UrlError::InvalidCharacter)
        );
        assert_eq!(
            Url::parse("https://a.com\r\n/"),
            Err(UrlError::InvalidCharacter)
        );
        assert_eq!(Url::parse("ftp://a.com/"), Err(UrlError::NotHttp));
        assert_eq!(Url::parse("a.com/path"), Err(UrlError::NotHttp));
        assert_eq!(Url::parse("https:///path"), Err(UrlError::InvalidHost));
        assert_eq!(Url::parse("https://a.com:0/"), Err(UrlError::InvalidPort));
        assert_eq!(
            Url::parse("https://a.com:99999/"),
            Err(UrlError::InvalidPort)
        );
        assert_eq!(Url::parse("https://a.com:/"), Err(UrlError::InvalidPort));
        assert_eq!(Url::parse("https://[::1/"), Err(UrlError::InvalidHost));
        assert_eq!(Url::parse("https://-a.com/"), Err(UrlError::InvalidHost));
        assert_eq!(Url::parse("https://a.com:1x/"), Err(UrlError::InvalidPort));
    }

    #[test]
    fn secure_rule() {
        assert!(parse_secure("https://a.com").is_ok());
        assert!(parse_secure("http://localhost:8080/jwks").is_ok());
        assert!(parse_secure("http://127.0.0.1/jwks").is_ok());
        assert!(parse_secure("http://127.1.2.3/jwks").is_ok());
        assert_eq!(parse_secure("http://a.com"), Err(SecureUrlError::NotHttps));
        assert_eq!(
            parse_secure("http://127.0.0.1.evil.com"),
            Err(SecureUrlError::NotHttps)
        );
        assert_eq!(
            parse_secure("http://localhost.evil.com"),
            Err(SecureUrlError::NotHttps)
        );
    }

    #[test]
    fn location_resolution() {
        let base = Url::parse("https://a.com/x/y").unwrap();
        assert_eq!(
            base.resolve_location("/z").unwrap().to_string(),
            "https://a.com/z"
        );
        assert_eq!(
            base.resolve_location("https://b.com/z")
                .unwrap()
                .to_string(),
            "https://b.com/z"
        );
        // A scheme-relative reference is not an absolute path; it fails as a URL.
        assert!(base.resolve_location("//b.com/z").is_err());
        assert!(base.resolve_location("relative").is_err());
    }
}
