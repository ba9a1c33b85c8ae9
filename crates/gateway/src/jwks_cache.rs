//! Provider documents (JWK Sets, OpenID discovery) cached in the Spin key-value store.
//!
//! Spin keeps no memory between requests, so the cache lives in KV: one authenticated record
//! per URL ([`crate::kv_record`]) and one lease per URL ([`crate::kv_cache`]). The policy
//! ([`CachePolicy`], [`plan`]) is:
//!
//! * keys are **fresh** for `ttl` after a successful fetch;
//! * a fetch happens when there are no keys, when they have expired, or when the token's `kid`
//!   is unknown (key rotation): but **at most once per `cooldown`** per URL, whatever the reason.
//!   The attempt is recorded as a lease in KV *before* the fetch, so concurrent instances see
//!   it and use the cached keys instead (a flood of random `kid`s, a cold cache or an outage
//!   cannot hammer the provider);
//! * when a fetch fails or is not allowed yet, expired keys keep serving for `stale` more
//!   seconds (with a warning); after that, or with no keys at all, the request gets 503 with
//!   `Retry-After`;
//! * a store that fails (read error, or a lease that cannot be written) allows no fetch at all:
//!   cached keys still serve, an unknown `kid` or a cold cache gets 503 (review F3).
//!
//! Fetches ([`fetch_document`]) are capped at [`MAX_DOCUMENT_BYTES`], follow at most
//! [`MAX_REDIRECTS`] redirects, only to the same origin, and each `GET` is bounded as a whole
//! by the provider timeout (the adapter enforces an overall deadline, not only idle timeouts).

use crate::kv_cache::{self, Lease, Slot};
use crate::kv_record::RecordKey;
use crate::log::RequestLog;
use crate::ports::{HttpClient, HttpError, HttpGet, KeyValue, Random};
use crate::url::{HostAllowList, Url};
use jose::{KeySet, Skipped};

pub use crate::kv_record::{kv_key, Record};

/// KV key prefix of JWK Set records.
pub const JWKS_PREFIX: &str = "ftl-authz/jwks/";

/// Largest provider document accepted (JWK Set or discovery), in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Redirects followed per fetch (same origin only).
pub const MAX_REDIRECTS: usize = 3;

/// How long cached documents live, and how their records are authenticated. See the module
/// documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// Freshness after a successful fetch, in seconds.
    pub ttl_secs: u64,
    /// Minimum spacing between two fetch attempts of one URL, in seconds.
    pub cooldown_secs: u64,
    /// How long past `ttl` a document may still serve while fetches fail, in seconds.
    pub stale_secs: u64,
    /// `auth_kv_record_key`: the key that authenticates KV records; `None`: unauthenticated.
    pub record_key: Option<RecordKey>,
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
    let cooled = cooled(attempted_at, policy, now);
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

/// Whether an attempt at `attempted_at` (0: never) is at least a cooldown old at `now`.
pub fn cooled(attempted_at: u64, policy: &CachePolicy, now: u64) -> bool {
    // A clock that went backwards must not block fetching until it catches up.
    attempted_at == 0 || attempted_at > now || now - attempted_at >= policy.cooldown_secs
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
pub fn fetch_document<H: HttpClient>(
    http: &H,
    url: &Url,
    allowed: &HostAllowList,
    timeout_ms: u64,
) -> Result<Vec<u8>, FetchError> {
    // Host and port (issue 13 item 11): every caller checked already; this keeps the rule
    // where the request is made.
    if !allowed.allows_url(url) {
        return Err(FetchError::HostNotAllowed);
    }
    let mut current = url.clone();
    let mut redirects = 0;
    loop {
        let target = current.serialized();
        let response = http
            .get(&HttpGet {
                url: &target,
                max_body_bytes: MAX_DOCUMENT_BYTES,
                timeout_ms,
            })
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
pub fn keys_for<P: KeyValue + HttpClient + Random>(
    ports: &P,
    req: KeysRequest<'_>,
    log: &mut RequestLog,
) -> Result<KeySet, KeysUnavailable> {
    let policy = req.policy;
    let source = req.jwks_uri.serialized();
    let slot = Slot::new(JWKS_PREFIX, &source, policy.record_key.as_ref());
    let Ok(mut record) = kv_cache::load(ports, &slot, log) else {
        // F3: no store, no way to bound fetches across instances: fail closed.
        return Err(KeysUnavailable {
            retry_after_secs: policy.cooldown_secs.max(1),
        });
    };
    let cached = match &record {
        Some(r) if !r.payload.is_empty() => match KeySet::from_cache_record(&r.payload) {
            Ok(k) if !k.is_empty() => Some(k),
            _ => None,
        },
        _ => None,
    };
    if cached.is_none() && record.as_ref().is_some_and(|r| !r.payload.is_empty()) {
        // Authentic but undecodable (another version's key-set encoding): a plain miss, so
        // an upgrade refetches at once instead of waiting out a cooldown.
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
        policy,
        req.now,
    );
    let mut attempted_at = record.as_ref().map_or(0, |r| r.attempted_at);
    let mut retry_after_secs = None;
    let lease = if decision.fetch {
        kv_cache::take_lease(ports, &slot, policy, req.now, kv_cache::nonce(ports), log)
    } else {
        Lease::Held { attempted_at }
    };
    if kid_unknown {
        log.note_kid_miss(lease == Lease::Acquired);
    }
    if decision.fetch {
        match lease {
            Lease::Acquired => {
                log.count_fetch();
                match fetch_keys(ports, &req, log) {
                    Ok(keys) => {
                        let fresh = Record {
                            fetched_at: req.now,
                            attempted_at: req.now,
                            source: source.clone(),
                            payload: keys.to_cache_record(),
                        };
                        kv_cache::save(ports, &slot, &fresh, log);
                        return Ok(keys);
                    }
                    Err(reason) => {
                        log.warn("jwks_fetch_failed");
                        log.detail(reason);
                        attempted_at = req.now;
                    }
                }
            }
            Lease::Held { attempted_at: t } => {
                retry_after_secs = Some(kv_cache::retry_after_held(
                    t,
                    policy,
                    req.timeout_ms,
                    req.now,
                ));
            }
            Lease::StoreFailed if kid_unknown => {
                // F3: the rotation refetch cannot be rate-limited, so it does not happen. 503,
                // not 401: the fault is ours, and the client may retry the same token.
                return Err(KeysUnavailable {
                    retry_after_secs: policy.cooldown_secs.max(1),
                });
            }
            Lease::StoreFailed => {
                retry_after_secs = Some(policy.cooldown_secs.max(1));
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
            retry_after_secs: retry_after_secs
                .unwrap_or_else(|| kv_cache::retry_after(attempted_at, policy, req.now)),
        }),
    }
}

/// Fetches and parses the JWK Set; the error is a fixed reason for the log. Keys the set
/// leaves out (off-curve, ROCA, unsupported, past the 64-key cap) are logged: a warning and
/// the first reasons, so an operator sees why a `kid` the provider publishes is unknown here.
fn fetch_keys<H: HttpClient>(
    http: &H,
    req: &KeysRequest<'_>,
    log: &mut RequestLog,
) -> Result<KeySet, &'static str> {
    match fetch_document(http, req.jwks_uri, req.allowed, req.timeout_ms) {
        Ok(body) => match parse_keys(&body, log) {
            Ok(keys) if !keys.is_empty() => Ok(keys),
            _ => Err("jwks_invalid"),
        },
        Err(e) => Err(e.as_str()),
    }
}

/// Parses a fetched JWK Set, logging what it left out.
fn parse_keys(body: &[u8], log: &mut RequestLog) -> Result<KeySet, jose::Error> {
    let mut skipped = Skipped::default();
    let keys = KeySet::from_jwks_json_reporting(body, &mut skipped);
    if skipped.count > 0 {
        log.warn("jwks_keys_skipped");
        for (_, reason) in &skipped.reasons {
            log.detail(reason.description());
        }
    }
    keys
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_a_jwk_set_leaves_out_are_logged_not_silently_dropped() {
        let mut log = RequestLog::new(0, "GET");
        // An entry that is not an object and an EC key whose point is not on P-256.
        let body = br#"{"keys":[5,{"kty":"EC","crv":"P-256","kid":"bad","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE"}]}"#;
        let keys = parse_keys(body, &mut log);
        assert!(keys.map_or(true, |k| k.is_empty()));
        assert!(log.warnings().contains(&"jwks_keys_skipped"));
    }

    const P: CachePolicy = CachePolicy {
        ttl_secs: 300,
        cooldown_secs: 30,
        stale_secs: 3600,
        record_key: None,
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
}
