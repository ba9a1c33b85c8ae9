//! Provider documents (JWK Sets, OpenID discovery) cached in the Spin key-value store.
//!
//! Spin keeps no memory between requests, so the cache lives in KV, one record per URL:
//!
//! ```text
//! ftl-authz/1\n<fetched_at>\n<attempted_at>\n<source url>\n<payload>
//! ```
//!
//! `fetched_at` is the last successful fetch (0: never), `attempted_at` the last attempt of any
//! outcome. The policy ([`CachePolicy`], [`plan`]) is:
//!
//! * keys are **fresh** for `ttl` after a successful fetch;
//! * a fetch happens when there are no keys, when they have expired, or when the token's `kid`
//!   is unknown (key rotation): but **at most once per `cooldown`** per URL, whatever the reason
//!   (the attempt time is remembered in KV, so a flood of random `kid`s or an outage cannot
//!   hammer the provider);
//! * when a fetch fails or is not allowed yet, expired keys keep serving for `stale` more
//!   seconds (with a warning); after that, or with no keys at all, the request gets 503 with
//!   `Retry-After` = the time left until the next allowed fetch.
//!
//! Fetches ([`fetch_document`]) are capped at [`MAX_DOCUMENT_BYTES`], and follow at most
//! [`MAX_REDIRECTS`] redirects, only to the same origin.

use jose::KeySet;
use crate::log::RequestLog;
use crate::ports::{HttpClient, HttpError, HttpGet, KeyValue};
use crate::url::{HostAllowList, Url};

/// Largest provider document accepted (JWK Set or discovery), in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Redirects followed per fetch (same origin only).
pub const MAX_REDIRECTS: usize = 3;

const MAGIC: &[u8] = b"ftl-authz/1\n";

/// How long cached documents live. See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// Freshness after a successful fetch, in seconds.
    pub ttl_secs: u64,
    /// Minimum spacing between two fetch attempts of one URL, in seconds.
    pub cooldown_secs: u64,
    /// How long past `ttl` a document may still serve while fetches fail, in seconds.
    pub stale_secs: u64,
}

/// One cached document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Unix seconds of the last successful fetch; 0 when there never was one.
    pub fetched_at: u64,
    /// Unix seconds of the last fetch attempt, successful or not.
    pub attempted_at: u64,
    /// The URL (or issuer) the payload belongs to; guards against key collisions.
    pub source: String,
    /// The normalized document; empty when there never was a successful fetch.
    pub payload: Vec<u8>,
}

impl Record {
    /// Serializes the record.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MAGIC.len() + 48 + self.source.len() + self.payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(self.fetched_at.to_string().as_bytes());
        out.push(b'\n');
        out.extend_from_slice(self.attempted_at.to_string().as_bytes());
        out.push(b'\n');
        out.extend_from_slice(self.source.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(&self.payload);
        out
    }

    /// Parses a record; `None` for anything this version did not write.
    pub fn decode(bytes: &[u8]) -> Option<Record> {
        let rest = bytes.strip_prefix(MAGIC)?;
        let mut parts = rest.splitn(4, |b| *b == b'\n');
        let fetched_at = parse_u64(parts.next()?)?;
        let attempted_at = parse_u64(parts.next()?)?;
        let source = core::str::from_utf8(parts.next()?).ok()?.to_string();
        let payload = parts.next()?.to_vec();
        Some(Record {
            fetched_at,
            attempted_at,
            source,
            payload,
        })
    }
}

fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 20 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    core::str::from_utf8(b).ok()?.parse().ok()
}

/// The KV key for a source: a prefix plus a 64-bit FNV-1a hash (Spin limits key length; the
/// record repeats the source, so a collision is a miss, never a mix-up).
pub fn kv_key(prefix: &str, source: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut key = String::with_capacity(prefix.len() + 16);
    key.push_str(prefix);
    for shift in (0..16).rev() {
        let nibble = ((h >> (shift * 4)) & 0xf) as u8;
        key.push(char::from(if nibble < 10 {
            b'0' + nibble
        } else {
            b'a' + nibble - 10
        }));
    }
    key
}

/// What to do with a cached record at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Whether to fetch now.
    pub fetch: bool,
    /// Whether the cached payload (if any) may still be used should no fetch succeed.
    pub usable: bool,
    /// Whether the cached payload is past its TTL.
    pub expired: bool,
}

/// Decides, for a record (or none), whether to fetch. `wanted` says the caller needs a fetch
/// regardless of freshness (an unknown `kid`).
pub fn plan(
    record: Option<&Record>,
    has_payload: bool,
    wanted: bool,
    policy: &CachePolicy,
    now: u64,
) -> Plan {
    let (fetched_at, attempted_at) = record.map_or((0, 0), |r| (r.fetched_at, r.attempted_at));
    let expired = !has_payload || now >= fetched_at.saturating_add(policy.ttl_secs);
    // A clock that went backwards must not block fetching until it catches up.
    let cooled =
        attempted_at == 0 || attempted_at > now || now - attempted_at >= policy.cooldown_secs;
    let usable = has_payload
        && now
            < fetched_at
                .saturating_add(policy.ttl_secs)
                .saturating_add(policy.stale_secs);
    Plan {
        fetch: (expired || wanted) && cooled,
        usable,
        expired,
    }
}

/// Seconds until a fetch is allowed again (at least 1): the `Retry-After` of a 503.
pub fn retry_after(record: Option<&Record>, policy: &CachePolicy, now: u64) -> u64 {
    let attempted_at = record.map_or(0, |r| r.attempted_at);
    attempted_at
        .saturating_add(policy.cooldown_secs)
        .saturating_sub(now)
        .max(1)
}

/// Why a provider document could not be fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchError {
    /// The transport failed.
    Http(HttpError),
    /// The provider answered with a non-2xx, non-redirect status.
    Status(u16),
    /// A redirect pointed at another origin (never followed).
    RedirectOffOrigin,
    /// More than [`MAX_REDIRECTS`] redirects.
    TooManyRedirects,
    /// A redirect without a usable `Location`.
    BadRedirect,
    /// The URL's host is not in the provider's allow-list.
    HostNotAllowed,
}

impl FetchError {
    /// A short, fixed description for logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            FetchError::Http(e) => e.as_str(),
            FetchError::Status(_) => "unexpected_status",
            FetchError::RedirectOffOrigin => "redirect_off_origin",
            FetchError::TooManyRedirects => "too_many_redirects",
            FetchError::BadRedirect => "bad_redirect",
            FetchError::HostNotAllowed => "host_not_allowed",
        }
    }
}

/// GETs a provider document: allow-listed host, body capped at [`MAX_DOCUMENT_BYTES`],
/// same-origin redirects only (RFC 9110 §15.4: the core decides, the port never follows).
pub async fn fetch_document<H: HttpClient>(
    http: &H,
    url: &Url,
    allowed: &HostAllowList,
    timeout_ms: u64,
) -> Result<Vec<u8>, FetchError> {
    if !allowed.allows(url.host()) {
        return Err(FetchError::HostNotAllowed);
    }
    let mut current = url.clone();
    let mut redirects = 0;
    loop {
        let target = current.to_string();
        let response = http
            .get(&HttpGet {
                url: &target,
                max_body_bytes: MAX_DOCUMENT_BYTES,
                timeout_ms,
            })
            .await
            .map_err(FetchError::Http)?;
        match response.status {
            200..=299 => {
                if response.body.len() > MAX_DOCUMENT_BYTES {
                    return Err(FetchError::Http(HttpError::TooLarge));
                }
                return Ok(response.body);
            }
            301 | 302 | 303 | 307 | 308 => {
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Err(FetchError::TooManyRedirects);
                }
                let location = response.location.ok_or(FetchError::BadRedirect)?;
                let next = current
                    .resolve_location(&location)
                    .map_err(|_| FetchError::BadRedirect)?;
                if !next.same_origin(&current) {
                    return Err(FetchError::RedirectOffOrigin);
                }
                current = next;
            }
            status => return Err(FetchError::Status(status)),
        }
    }
}

/// Why no keys could be produced: the request gets 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeysUnavailable {
    /// Seconds until the next fetch is allowed.
    pub retry_after_secs: u64,
}

/// Everything [`keys_for`] needs besides the ports.
#[derive(Debug, Clone, Copy)]
pub struct KeysRequest<'a> {
    /// The JWK Set URL.
    pub jwks_uri: &'a Url,
    /// Hosts fetches may reach.
    pub allowed: &'a HostAllowList,
    /// The token's `kid`, to detect rotation.
    pub kid: Option<&'a str>,
    /// Cache policy.
    pub policy: &'a CachePolicy,
    /// Fetch timeout.
    pub timeout_ms: u64,
    /// Unix seconds.
    pub now: u64,
}

/// The signing keys for a JWKS URL, from KV or a fetch, per the module's policy.
pub async fn keys_for<P: KeyValue + HttpClient>(
    ports: &P,
    req: KeysRequest<'_>,
    log: &mut RequestLog,
) -> Result<KeySet, KeysUnavailable> {
    let source = req.jwks_uri.to_string();
    let key = kv_key("ftl-authz/jwks/", &source);
    let mut record = match ports.kv_get(&key) {
        Ok(Some(bytes)) => Record::decode(&bytes).filter(|r| r.source == source),
        Ok(None) => None,
        Err(_) => {
            log.warn("kv_read_failed");
            None
        }
    };
    let cached = match &record {
        Some(r) if !r.payload.is_empty() => match KeySet::from_cache_record(&r.payload) {
            Ok(k) if !k.is_empty() => Some(k),
            _ => None,
        },
        _ => None,
    };
    if cached.is_none() && record.as_ref().is_some_and(|r| !r.payload.is_empty()) {
        // Written by another version (or damaged): a plain miss, so an upgrade that changes
        // the key-set encoding refetches at once instead of waiting out a cooldown.
        log.warn("jwks_cache_record_invalid");
        record = None;
    }
    let kid_unknown = match (&cached, req.kid) {
        (Some(keys), Some(kid)) => !keys.has_kid(kid),
        _ => false,
    };
    let decision = plan(
        record.as_ref(),
        cached.is_some(),
        kid_unknown,
        req.policy,
        req.now,
    );
    if kid_unknown {
        log.note_kid_miss(decision.fetch);
    }

    if decision.fetch {
        log.count_fetch();
        let fetched = match fetch_document(ports, req.jwks_uri, req.allowed, req.timeout_ms).await {
            Ok(body) => match KeySet::from_jwks_json(&body) {
                Ok(keys) if !keys.is_empty() => Ok(keys),
                _ => Err("jwks_invalid"),
            },
            Err(e) => Err(e.as_str()),
        };
        match fetched {
            Ok(keys) => {
                let fresh = Record {
                    fetched_at: req.now,
                    attempted_at: req.now,
                    source,
                    payload: keys.to_cache_record(),
                };
                if ports.kv_set(&key, &fresh.encode()).is_err() {
                    log.warn("kv_write_failed");
                }
                return Ok(keys);
            }
            Err(reason) => {
                log.warn("jwks_fetch_failed");
                log.detail(reason);
                let failed = match &record {
                    Some(r) => Record {
                        attempted_at: req.now,
                        ..r.clone()
                    },
                    None => Record {
                        fetched_at: 0,
                        attempted_at: req.now,
                        source,
                        payload: Vec::new(),
                    },
                };
                if ports.kv_set(&key, &failed.encode()).is_err() {
                    log.warn("kv_write_failed");
                }
                return match cached {
                    Some(keys) if !decision.expired => Ok(keys),
                    Some(keys) if decision.usable => {
                        log.warn("jwks_stale");
                        Ok(keys)
                    }
                    _ => Err(KeysUnavailable {
                        retry_after_secs: retry_after(Some(&failed), req.policy, req.now),
                    }),
                };
            }
        }
    }

    match cached {
        Some(keys) if !decision.expired => Ok(keys),
        Some(keys) if decision.usable => {
            log.warn("jwks_stale");
            Ok(keys)
        }
        _ => Err(KeysUnavailable {
            retry_after_secs: retry_after(record.as_ref(), req.policy, req.now),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const P: CachePolicy = CachePolicy {
        ttl_secs: 300,
        cooldown_secs: 30,
        stale_secs: 3600,
    };

    fn rec(fetched_at: u64, attempted_at: u64) -> Record {
        Record {
            fetched_at,
            attempted_at,
            source: "https://a/jwks".into(),
            payload: b"x".to_vec(),
        }
    }

    #[test]
    fn record_roundtrip_and_rejects() {
        let r = Record {
            fetched_at: 1,
            attempted_at: 2,
            source: "https://a/j".into(),
            payload: b"p\nq".to_vec(),
        };
        assert_eq!(Record::decode(&r.encode()), Some(r));
        assert_eq!(Record::decode(b"garbage"), None);
        assert_eq!(Record::decode(b"ftl-authz/1\nx\n2\ns\np"), None);
        assert_eq!(Record::decode(b"ftl-authz/1\n1\n2\ns"), None);
        assert_eq!(
            Record::decode(b"ftl-authz/1\n99999999999999999999999\n2\ns\n"),
            None
        );
    }

    #[test]
    fn kv_key_is_stable_and_short() {
        let k = kv_key("ftl-authz/jwks/", "https://tenant.authkit.app/oauth2/jwks");
        assert_eq!(k.len(), "ftl-authz/jwks/".len() + 16);
        assert_eq!(
            k,
            kv_key("ftl-authz/jwks/", "https://tenant.authkit.app/oauth2/jwks")
        );
        assert_ne!(
            k,
            kv_key("ftl-authz/jwks/", "https://other.authkit.app/oauth2/jwks")
        );
    }

    #[test]
    fn plan_table() {
        // No record: fetch.
        assert_eq!(
            plan(None, false, false, &P, 1000),
            Plan {
                fetch: true,
                usable: false,
                expired: true
            }
        );
        // Fresh: no fetch.
        let r = rec(1000, 1000);
        assert_eq!(
            plan(Some(&r), true, false, &P, 1299),
            Plan {
                fetch: false,
                usable: true,
                expired: false
            }
        );
        // Expired: fetch.
        assert!(plan(Some(&r), true, false, &P, 1300).fetch);
        // Unknown kid inside the cooldown: no fetch; after it: fetch.
        assert!(!plan(Some(&r), true, true, &P, 1029).fetch);
        assert!(plan(Some(&r), true, true, &P, 1030).fetch);
        // Failed attempt at 1400 on expired keys: no refetch until 1430, still usable (stale).
        let r = rec(1000, 1400);
        assert_eq!(
            plan(Some(&r), true, false, &P, 1410),
            Plan {
                fetch: false,
                usable: true,
                expired: true
            }
        );
        // Past ttl + stale: unusable.
        assert!(!plan(Some(&r), true, false, &P, 1000 + 300 + 3600).usable);
        // Clock went backwards: allowed.
        assert!(plan(Some(&rec(5000, 5000)), true, true, &P, 10).fetch);
    }

    #[test]
    fn retry_after_counts_down_to_one() {
        assert_eq!(retry_after(Some(&rec(0, 1000)), &P, 1010), 20);
        assert_eq!(retry_after(Some(&rec(0, 1000)), &P, 5000), 1);
        assert_eq!(retry_after(None, &P, 5000), 1);
    }
}
