//! Outbound HTTP policy: Spin's `allowed_outbound_hosts` (when a manifest is given), service
//! chaining to `http://<name>.spin.internal` (routed to a local URL), and this host's own rule
//! that no request leaves the machine: the final destination must be a loopback address.

use http::uri::{Authority, Scheme, Uri};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use wasmtime::{bail, Result};
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// One `allowed_outbound_hosts` entry, e.g. `https://*.example.com`, `http://127.0.0.1:*`,
/// `http://*.spin.internal`, `*://localhost:8000..9000`.
#[derive(Debug, Clone, PartialEq)]
pub struct HostPattern {
    scheme: Option<String>,
    host: HostMatch,
    ports: Option<(u16, u16)>,
}

#[derive(Debug, Clone, PartialEq)]
enum HostMatch {
    Any,
    Suffix(String),
    Exact(String),
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

impl HostPattern {
    pub fn parse(pattern: &str) -> Result<Self> {
        let Some((scheme, rest)) = pattern.split_once("://") else {
            bail!("allowed outbound host {pattern:?} has no scheme (write e.g. \"https://{pattern}\")");
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') {
            bail!("allowed outbound host {pattern:?} must not have a path");
        }
        let (host, port) = match rest.strip_prefix('[') {
            // [v6 address] or [v6 address]:port
            Some(v6) => match v6.split_once(']') {
                Some((h, "")) => (h, None),
                Some((h, p)) if p.starts_with(':') => (h, Some(&p[1..])),
                _ => bail!("allowed outbound host {pattern:?} has a malformed IPv6 address"),
            },
            None => match rest.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            },
        };
        let host = host.to_ascii_lowercase();
        let ports = match port {
            Some("*") => None,
            Some(p) => match p.split_once("..") {
                Some((lo, hi)) => Some((parse_port(lo, pattern)?, parse_port(hi, pattern)?)),
                None => {
                    let p = parse_port(p, pattern)?;
                    Some((p, p))
                }
            },
            None => match default_port(scheme) {
                Some(p) => Some((p, p)),
                None => bail!("allowed outbound host {pattern:?} needs a port for scheme {scheme:?}"),
            },
        };
        let host = if host == "*" {
            HostMatch::Any
        } else if let Some(suffix) = host.strip_prefix("*.") {
            HostMatch::Suffix(format!(".{suffix}"))
        } else {
            HostMatch::Exact(host)
        };
        let scheme = (scheme != "*").then(|| scheme.to_ascii_lowercase());
        Ok(Self { scheme, host, ports })
    }

    pub fn matches(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.scheme.as_deref().is_none_or(|s| s == scheme)
            && match &self.host {
                HostMatch::Any => true,
                HostMatch::Suffix(s) => host.ends_with(s.as_str()),
                HostMatch::Exact(h) => h == host,
            }
            && self.ports.is_none_or(|(lo, hi)| (lo..=hi).contains(&port))
    }
}

fn parse_port(p: &str, pattern: &str) -> Result<u16> {
    p.parse().map_err(|_| wasmtime::format_err!("allowed outbound host {pattern:?} has an invalid port {p:?}"))
}

pub const INTERNAL_SUFFIX: &str = ".spin.internal";

/// Where outbound requests may go and how `*.spin.internal` names are routed.
#[derive(Debug, Default)]
pub struct Policy {
    /// `None` when no manifest was given: every loopback destination is allowed.
    pub allowed: Option<Vec<HostPattern>>,
    /// From `--allow-outbound`: allowed in addition to the manifest's list.
    pub extra: Vec<HostPattern>,
    /// `name` of `http://name.spin.internal` → local origin (`http://127.0.0.1:9000`).
    pub internal: HashMap<String, (Scheme, Authority)>,
}

pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Parses `--route-internal name=http://127.0.0.1:PORT`.
pub fn parse_internal_route(spec: &str) -> Result<(String, (Scheme, Authority))> {
    let Some((name, url)) = spec.split_once('=') else {
        bail!("--route-internal {spec:?}: expected NAME=http://127.0.0.1:PORT");
    };
    let name = name.trim_end_matches(INTERNAL_SUFFIX).to_ascii_lowercase();
    let uri: Uri = url.parse().map_err(|e| wasmtime::format_err!("--route-internal {spec:?}: {e}"))?;
    let (Some(scheme), Some(authority)) = (uri.scheme().cloned(), uri.authority().cloned()) else {
        bail!("--route-internal {spec:?}: the target must be an absolute URL");
    };
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        bail!("--route-internal {spec:?}: the target must be an origin (no path), the request's path is kept");
    }
    if !is_loopback(authority.host()) {
        bail!("--route-internal {spec:?}: the target must be a loopback address");
    }
    Ok((name, (scheme, authority)))
}

impl Policy {
    /// Decides where a request for `uri` goes: `Ok(new_uri)` or `Err(reason)`.
    pub fn route(&self, uri: &Uri) -> std::result::Result<Uri, String> {
        let scheme = uri.scheme_str().unwrap_or("http").to_ascii_lowercase();
        let host = uri.host().ok_or("the URL has no host")?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let port = uri.port_u16().or_else(|| default_port(&scheme)).ok_or("the URL has no port")?;

        if let Some(allowed) = &self.allowed {
            let ok = allowed.iter().chain(&self.extra).any(|p| p.matches(&scheme, &host, port));
            if !ok {
                return Err(format!(
                    "{scheme}://{host}:{port} is not in the component's allowed_outbound_hosts \
                     (Spin would deny it too; add it to spin.toml, or pass --allow-outbound)"
                ));
            }
        }

        if let Some(name) = host.strip_suffix(INTERNAL_SUFFIX) {
            let Some((to_scheme, to_authority)) = self.internal.get(name) else {
                return Err(format!("no --route-internal {name}=URL given for {host}"));
            };
            let mut parts = uri.clone().into_parts();
            parts.scheme = Some(to_scheme.clone());
            parts.authority = Some(to_authority.clone());
            if parts.path_and_query.is_none() {
                parts.path_and_query = Some(http::uri::PathAndQuery::from_static("/"));
            }
            return Uri::from_parts(parts).map_err(|e| e.to_string());
        }

        if !is_loopback(&host) {
            return Err(format!("{host} is not a loopback address, and this host sends nothing off the machine"));
        }
        Ok(uri.clone())
    }
}

/// The `wasi:http` hooks of one request's store: the default sender behind [`Policy`].
pub struct Hooks(pub Arc<Policy>);

impl WasiHttpHooks for Hooks {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (http::Response<WasiBody>, Box<dyn Future<Output = Result<(), HttpError>> + Send>),
                    HttpError,
                >,
            > + Send,
    > {
        drop(fut);
        let decision = self.0.route(request.uri());
        Box::new(async move {
            use http_body_util::BodyExt;
            let target = match decision {
                Ok(target) => target,
                Err(reason) => {
                    eprintln!("mcp-authorizer-host: outbound {} {} denied: {reason}", request.method(), request.uri());
                    return Err(HttpError::HttpRequestDenied);
                }
            };
            if target != *request.uri() {
                if let Some(authority) = target.authority() {
                    // The request goes to the routed origin; so does its Host header.
                    if let Ok(value) = http::HeaderValue::from_str(authority.as_str()) {
                        request.headers_mut().insert(http::header::HOST, value);
                    }
                }
                *request.uri_mut() = target;
            }
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = Result<(), HttpError>> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allowed: Option<&[&str]>) -> Policy {
        let mut p = Policy {
            allowed: allowed.map(|a| a.iter().map(|s| HostPattern::parse(s).unwrap()).collect()),
            ..Default::default()
        };
        let (name, target) = parse_internal_route("gateway=http://127.0.0.1:9000").unwrap();
        p.internal.insert(name, target);
        p
    }

    fn route(p: &Policy, url: &str) -> std::result::Result<String, String> {
        p.route(&url.parse().unwrap()).map(|u| u.to_string())
    }

    #[test]
    fn patterns_match_like_spin() {
        let p = HostPattern::parse("https://*.example.com").unwrap();
        assert!(p.matches("https", "a.example.com", 443));
        assert!(!p.matches("https", "example.com", 443));
        assert!(!p.matches("http", "a.example.com", 443));
        assert!(!p.matches("https", "a.example.com", 8443));
        let p = HostPattern::parse("http://127.0.0.1:*").unwrap();
        assert!(p.matches("http", "127.0.0.1", 1234));
        let p = HostPattern::parse("*://localhost:8000..8010").unwrap();
        assert!(p.matches("https", "localhost", 8005) && !p.matches("http", "localhost", 8011));
        let p = HostPattern::parse("http://[::1]").unwrap();
        assert!(p.matches("http", "::1", 80) && !p.matches("http", "::1", 81));
        let p = HostPattern::parse("http://[::1]:*").unwrap();
        assert!(p.matches("http", "::1", 81));
        assert!(HostPattern::parse("http://[::1").is_err());
        assert!(HostPattern::parse("example.com").is_err());
        assert!(HostPattern::parse("https://example.com/path").is_err());
        assert!(HostPattern::parse("https://example.com:http").is_err());
    }

    #[test]
    fn without_manifest_only_loopback_and_routed_names_pass() {
        let p = policy(None);
        assert_eq!(route(&p, "http://127.0.0.1:8080/x?y=1").unwrap(), "http://127.0.0.1:8080/x?y=1");
        assert_eq!(route(&p, "http://localhost/x").unwrap(), "http://localhost/x");
        assert_eq!(route(&p, "http://[::1]:9/").unwrap(), "http://[::1]:9/");
        assert_eq!(route(&p, "http://gateway.spin.internal/mcp?a=b").unwrap(), "http://127.0.0.1:9000/mcp?a=b");
        assert!(route(&p, "https://example.com/").is_err());
        assert!(route(&p, "http://10.0.0.1/").is_err());
        assert!(route(&p, "http://other.spin.internal/").is_err());
    }

    #[test]
    fn manifest_list_applies_before_routing() {
        let p = policy(Some(&["https://*"]));
        assert!(route(&p, "http://gateway.spin.internal/mcp").unwrap_err().contains("allowed_outbound_hosts"));
        assert!(route(&p, "http://127.0.0.1:8080/").is_err());
        let p = policy(Some(&["http://*.spin.internal", "http://127.0.0.1:*"]));
        assert!(route(&p, "http://gateway.spin.internal/mcp").is_ok());
        assert!(route(&p, "http://127.0.0.1:8080/").is_ok());
        assert!(route(&p, "http://[::1]:8080/").is_err());
        let p = policy(Some(&["http://[::1]:*"]));
        assert!(route(&p, "http://[::1]:8080/").is_ok());
        // Allowed by the list but off the machine: still refused.
        let p = policy(Some(&["https://*"]));
        assert!(route(&p, "https://example.com/").unwrap_err().contains("loopback"));
    }

    #[test]
    fn internal_routes_must_be_loopback_origins() {
        assert!(parse_internal_route("gw=http://example.com").is_err());
        assert!(parse_internal_route("gw=http://127.0.0.1:1/path").is_err());
        assert!(parse_internal_route("gw").is_err());
        assert_eq!(parse_internal_route("gw.spin.internal=http://127.0.0.1:1").unwrap().0, "gw");
    }
}
