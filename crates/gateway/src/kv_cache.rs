//! The store protocol shared by the JWKS and discovery caches: authenticated reads, a lease
//! written *before* every provider fetch, and what a failing store means (issue 13 items 2
//! and 3, review F2 and F3).
//!
//! Spin runs one instance per request, in parallel, all sharing the store, and keeps nothing in
//! memory. Each cached document has two KV entries: the record (written only after a
//! successful fetch) and its lease (`<record key>/lease`, written just before a fetch). The
//! rule is: **whoever sees a fresh lease does not fetch** (fresh = younger than the cooldown);
//! it uses the cached document, even an expired one within the stale window, or answers 503
//! with `Retry-After`.
//!
//! How many fetches can still race: `fermyon:spin/key-value@2.0.0` has no compare-and-swap, so
//! "read the lease, then write ours" is not atomic. Every request that *read* the lease before
//! the first lease write became visible fetches too. That window is one KV read plus one KV
//! write (microseconds with Spin's local SQLite store, a round trip or two with Redis), not the
//! provider's latency (up to the fetch deadline) as before: fetches per cooldown are bounded
//! by the requests arriving within that window, usually one.
//!
//! A store that cannot be read, or that refuses the lease write (down, read-only, over quota,
//! or not granted), cannot bound fetches across instances, so nothing is fetched: the request
//! is served from what could be read or gets 503. Failing closed here means an unusable store
//! is an outage of authentication (logged on each request), never a provider flood.

use crate::jwks_cache::{cooled, CachePolicy};
use crate::kv_record::{kv_key, Record, RecordKey};
use crate::log::RequestLog;
use crate::ports::KeyValue;

/// The KV entries of one cached document.
#[derive(Debug, Clone)]
pub struct Slot<'a> {
    record_key: String,
    lease_key: String,
    /// The URL (or issuer) the document belongs to.
    pub source: &'a str,
    secret: Option<&'a RecordKey>,
}

impl<'a> Slot<'a> {
    /// The slot of `source` under `prefix` (`ftl-authz/jwks/`, `ftl-authz/oidc/`), with
    /// records authenticated under `secret` when there is one.
    pub fn new(prefix: &str, source: &'a str, secret: Option<&'a RecordKey>) -> Slot<'a> {
        let record_key = kv_key(prefix, source);
        let mut lease_key = String::with_capacity(record_key.len() + 6);
        lease_key.push_str(&record_key);
        lease_key.push_str("/lease");
        Slot {
            record_key,
            lease_key,
            source,
            secret,
        }
    }

    /// The KV key of the record.
    pub fn record_key(&self) -> &str {
        &self.record_key
    }

    /// The KV key of the lease.
    pub fn lease_key(&self) -> &str {
        &self.lease_key
    }
}

/// The store failed: the caller must not fetch (there is no way to tell other instances).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreFailed;

/// The outcome of [`take_lease`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// Our lease is written: fetch now.
    Acquired,
    /// Another instance took a lease at `attempted_at` (Unix seconds), still fresh: do not fetch.
    Held {
        /// When the other instance started its fetch.
        attempted_at: u64,
    },
    /// The lease could not be read or written: do not fetch.
    StoreFailed,
}

/// Reads and authenticates the record. A rejected record is a miss (warning plus the reason as
/// a detail); a read error is [`StoreFailed`].
pub fn load(
    kv: &dyn KeyValue,
    slot: &Slot<'_>,
    log: &mut RequestLog,
) -> Result<Option<Record>, StoreFailed> {
    match kv.kv_get(&slot.record_key) {
        Ok(Some(bytes)) => match Record::open(&bytes, &slot.record_key, slot.source, slot.secret) {
            Ok(record) => Ok(Some(record)),
            Err(e) => {
                log.warn("kv_record_rejected");
                log.detail(e.as_str());
                Ok(None)
            }
        },
        Ok(None) => Ok(None),
        Err(_) => {
            log.warn("kv_read_failed");
            Err(StoreFailed)
        }
    }
}

/// Takes the fetch lease unless a fresh one is held: reads the lease, and if it is absent,
/// stale or not authentic, writes ours (`attempted_at = now`, carrying `nonce`) and reads it
/// back before the caller fetches.
///
/// Spin's key-value store has no compare-and-swap, so two instances can both find no lease
/// and both write one. The read-back narrows that race: of the writers whose writes landed
/// before a read-back, only the last one still finds its own nonce and fetches; the others
/// back off as if the lease had been held all along. What is left is an instance whose
/// read-back ran before a later writer's write (README, Scaling out, has the measured bound).
pub fn take_lease(
    kv: &dyn KeyValue,
    slot: &Slot<'_>,
    policy: &CachePolicy,
    now: u64,
    nonce: [u8; 8],
    log: &mut RequestLog,
) -> Lease {
    match kv.kv_get(&slot.lease_key) {
        Ok(Some(bytes)) => {
            match Record::open(&bytes, &slot.lease_key, slot.source, slot.secret) {
                Ok(lease) if !cooled(lease.attempted_at, policy, now) => {
                    log.detail("fetch_lease_held");
                    return Lease::Held {
                        attempted_at: lease.attempted_at,
                    };
                }
                Ok(_) => {}
                // A forged lease must not suppress fetching: it is ignored and overwritten.
                Err(e) => log.detail(e.as_str()),
            }
        }
        Ok(None) => {}
        Err(_) => {
            log.warn("kv_read_failed");
            return Lease::StoreFailed;
        }
    }
    let lease = Record {
        fetched_at: 0,
        attempted_at: now,
        source: slot.source.to_string(),
        payload: nonce.to_vec(),
    };
    if write(kv, &slot.lease_key, &lease, slot.secret, log).is_err() {
        return Lease::StoreFailed;
    }
    match kv.kv_get(&slot.lease_key) {
        Ok(Some(bytes)) => match Record::open(&bytes, &slot.lease_key, slot.source, slot.secret) {
            Ok(found) if found.payload == lease.payload => Lease::Acquired,
            Ok(found) => {
                log.detail("fetch_lease_lost");
                Lease::Held {
                    attempted_at: found.attempted_at,
                }
            }
            // Overwritten by something that is not a lease of ours: fetch, as on a forged one.
            Err(_) => Lease::Acquired,
        },
        // Gone already (evicted, or a store without read-your-writes): ours was written.
        Ok(None) => Lease::Acquired,
        Err(_) => {
            log.warn("kv_read_failed");
            Lease::StoreFailed
        }
    }
}

/// A lease nonce from the ports' randomness: it only has to differ between instances.
pub fn nonce(random: &dyn crate::ports::Random) -> [u8; 8] {
    let mut n = [0u8; 8];
    random.fill(&mut n);
    n
}

/// Stores a freshly fetched record. A failure is logged only: this request has its document,
/// and the lease already bounds the next fetch.
pub fn save(kv: &dyn KeyValue, slot: &Slot<'_>, record: &Record, log: &mut RequestLog) {
    let _ = write(kv, &slot.record_key, record, slot.secret, log);
}

fn write(
    kv: &dyn KeyValue,
    key: &str,
    record: &Record,
    secret: Option<&RecordKey>,
    log: &mut RequestLog,
) -> Result<(), StoreFailed> {
    if secret.is_none() {
        // Once per write, i.e. about once per TTL per provider in steady state: loud enough to
        // be seen, rare enough not to drown the log.
        log.warn("kv_records_unauthenticated");
    }
    kv.kv_set(key, &record.seal(key, secret)).map_err(|_| {
        log.warn("kv_write_failed");
        StoreFailed
    })
}

/// Seconds until a fetch is allowed again after an attempt at `attempted_at` (at least 1):
/// the `Retry-After` of a 503.
pub fn retry_after(attempted_at: u64, policy: &CachePolicy, now: u64) -> u64 {
    attempted_at
        .saturating_add(policy.cooldown_secs)
        .saturating_sub(now)
        .max(1)
}

/// `Retry-After` while another instance holds the lease: while its fetch may still be in
/// flight (younger than the fetch timeout) the document may be there in a moment, so the wait
/// is what is left of that timeout; afterwards, what is left of the cooldown.
pub fn retry_after_held(attempted_at: u64, policy: &CachePolicy, timeout_ms: u64, now: u64) -> u64 {
    let cooldown_left = retry_after(attempted_at, policy, now);
    let in_flight_left = timeout_ms
        .div_ceil(1000)
        .saturating_sub(now.saturating_sub(attempted_at));
    if in_flight_left > 0 {
        in_flight_left.min(cooldown_left)
    } else {
        cooldown_left
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ports::KvError;
    use std::cell::RefCell;
    use std::collections::HashMap;

    const P: CachePolicy = CachePolicy {
        ttl_secs: 300,
        cooldown_secs: 30,
        stale_secs: 3600,
        record_key: None,
    };

    #[derive(Default)]
    struct Mem(RefCell<HashMap<String, Vec<u8>>>, bool);

    impl KeyValue for Mem {
        fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
            Ok(self.0.borrow().get(key).cloned())
        }
        fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
            if self.1 {
                return Err(KvError::Failed);
            }
            self.0.borrow_mut().insert(key.into(), value.into());
            Ok(())
        }
    }

    /// Two instances that both found no lease: the one whose lease was overwritten before its
    /// read-back does not fetch.
    #[test]
    fn racing_taker_whose_lease_was_overwritten_backs_off() {
        struct Racing(Mem, Slot<'static>);
        impl KeyValue for Racing {
            fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
                self.0.kv_get(key)
            }
            fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
                self.0.kv_set(key, value)?;
                // Another instance writes its own lease right after ours.
                let theirs = Record {
                    fetched_at: 0,
                    attempted_at: 999,
                    source: self.1.source.to_string(),
                    payload: vec![9; 8],
                };
                self.0.kv_set(key, &theirs.seal(key, None))
            }
        }
        let slot = Slot::new("ftl-authz/jwks/", "https://a/jwks", None);
        let kv = Racing(Mem::default(), Slot::new("ftl-authz/jwks/", "https://a/jwks", None));
        let mut log = RequestLog::default();
        assert_eq!(
            take_lease(&kv, &slot, &P, 1000, [7; 8], &mut log),
            Lease::Held { attempted_at: 999 }
        );
    }

    #[test]
    fn second_taker_sees_the_first_lease() {
        let kv = Mem::default();
        let slot = Slot::new("ftl-authz/jwks/", "https://a/jwks", None);
        let mut log = RequestLog::default();
        assert_eq!(take_lease(&kv, &slot, &P, 1000, [7; 8], &mut log), Lease::Acquired);
        assert_eq!(
            take_lease(&kv, &slot, &P, 1010, [7; 8], &mut log),
            Lease::Held { attempted_at: 1000 }
        );
        assert_eq!(take_lease(&kv, &slot, &P, 1030, [7; 8], &mut log), Lease::Acquired);
        assert!(log.warnings().contains(&"kv_records_unauthenticated"));
    }

    #[test]
    fn forged_lease_does_not_hold_and_refused_write_fails() {
        let secret = RecordKey::from_secret("0123456789abcdef0123456789abcdef").unwrap();
        let kv = Mem::default();
        let slot = Slot::new("ftl-authz/jwks/", "https://a/jwks", Some(&secret));
        let forged = Record {
            fetched_at: 0,
            attempted_at: 1000,
            source: "https://a/jwks".into(),
            payload: vec![],
        };
        kv.0.borrow_mut()
            .insert(slot.lease_key().into(), forged.encode());
        let mut log = RequestLog::default();
        assert_eq!(take_lease(&kv, &slot, &P, 1001, [7; 8], &mut log), Lease::Acquired);
        let read_only = Mem(RefCell::default(), true);
        assert_eq!(
            take_lease(&read_only, &slot, &P, 1001, [7; 8], &mut log),
            Lease::StoreFailed
        );
        assert!(log.warnings().contains(&"kv_write_failed"));
    }

    #[test]
    fn retry_after_counts_down() {
        assert_eq!(retry_after(1000, &P, 1010), 20);
        assert_eq!(retry_after(1000, &P, 5000), 1);
        // In flight (5 s timeout): a short wait; later, the rest of the cooldown.
        assert_eq!(retry_after_held(1000, &P, 5000, 1001), 4);
        assert_eq!(retry_after_held(1000, &P, 5000, 1010), 20);
    }
}
