//! A JWK Set (RFC 7517 §5), key selection for a token, and the cache record (`record`).

use ::json::Value;

use super::jwk::{Jwk, MAX_JWK_DEPTH};
use super::{json, record, Alg, Error};

/// The most keys a [`KeySet`] keeps. Real providers publish 1 to 5 keys (two or three during a
/// rotation); 64 leaves room for multi-tenant sets, while bounding what one request can cost:
/// the gateway reads the set from its cache on every request, and a key-selection scan or a
/// record read is linear in it (a 1,621-key set made each forged request 57× dearer).
pub const MAX_KEYS: usize = 64;

/// How many skip reasons a [`Skipped`] keeps, so a hostile set cannot grow the report.
pub const MAX_SKIP_REASONS: usize = 8;

/// The usable signature keys of one provider, ready for verification.
///
/// Only keys that passed [`Jwk`] parsing are kept, at most [`MAX_KEYS`] of them, and no two of
/// them share a `kid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<Jwk>,
}

/// The entries of a JWK Set's `keys` array that a parse left out, and why, for the caller's log
/// (RFC 7517 §5: a set's unusable keys are ignored, not fatal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// How many entries were left out.
    pub count: usize,
    /// The first [`MAX_SKIP_REASONS`] of them: the index in `keys` and the reason
    /// ([`Error::JwkNotJson`] for an entry that is not an object, [`Error::JwksTooManyKeys`]
    /// past the cap, else why [`Jwk`] parsing refused it).
    pub reasons: Vec<(usize, Error)>,
}

impl Skipped {
    fn push(&mut self, index: usize, reason: Error) {
        self.count += 1;
        if self.reasons.len() < MAX_SKIP_REASONS {
            self.reasons.push((index, reason));
        }
    }
}

impl KeySet {
    /// Parses a JWK Set document (RFC 7517 §5); see [`KeySet::from_jwks_json_reporting`].
    pub fn from_jwks_json(json: &[u8]) -> Result<KeySet, Error> {
        KeySet::from_jwks_json_reporting(json, &mut Skipped::default())
    }

    /// Parses a JWK Set document (RFC 7517 §5), recording in `skipped` each entry left out.
    ///
    /// Keys this core cannot use (`oct`, secp256k1, X25519, RSA below 2048 bits or with the
    /// ROCA fingerprint, EC points off their curve, `use: enc`, malformed members...) are
    /// skipped, as RFC 7517 §5 recommends, so one exotic or broken key neither takes a provider
    /// down nor makes a kid-less token ambiguous. Only the first [`MAX_KEYS`] usable keys are
    /// kept; entries after them are skipped unexamined. Errors: not a JSON object (or a
    /// duplicate member), no `keys` array, no usable key, or two usable keys with the same
    /// `kid` (selection would be ambiguous). `skipped` is filled in either case.
    // Not inlined: Cranelift's compile work grows faster than a function's size, and
    // LLVM would fold this into the request handler (scripts/size-report measures it).
    #[inline(never)]
    pub fn from_jwks_json_reporting(json: &[u8], skipped: &mut Skipped) -> Result<KeySet, Error> {
        // The set adds two levels (the set object, the `keys` array) above each key.
        let set = json::parse_object(json, MAX_JWK_DEPTH + 2).map_err(|_| Error::JwksNotJson)?;
        let entries = set
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(Error::JwksMissingKeys)?;
        let mut usable = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            if usable.len() == MAX_KEYS {
                skipped.push(index, Error::JwksTooManyKeys);
                continue;
            }
            match entry.as_object().map(Jwk::from_object) {
                Some(Ok(key)) => usable.push(key),
                Some(Err(reason)) => skipped.push(index, reason),
                None => skipped.push(index, Error::JwkNotJson),
            }
        }
        KeySet::from_keys(usable)
    }

    /// Builds a set from already-parsed keys, with the same rules as [`KeySet::from_jwks_json`];
    /// more than [`MAX_KEYS`] keys is [`Error::JwksTooManyKeys`].
    pub fn from_keys(keys: Vec<Jwk>) -> Result<KeySet, Error> {
        if keys.is_empty() {
            return Err(Error::JwksNoUsableKey);
        }
        if keys.len() > MAX_KEYS {
            return Err(Error::JwksTooManyKeys);
        }
        // At most MAX_KEYS (64) keys: comparing every pair is at most 2,016 comparisons, and
        // costs no sort code in the module.
        let kids: Vec<&str> = keys.iter().filter_map(Jwk::kid).collect();
        for (i, kid) in kids.iter().enumerate() {
            if kids.iter().skip(i + 1).any(|other| other == kid) {
                return Err(Error::JwksDuplicateKid);
            }
        }
        Ok(KeySet { keys })
    }

    /// A compact record of this set for the key-value cache: each key's `kid`, `alg` and
    /// decoded material as length-prefixed bytes behind a versioned magic (module `record`).
    /// Unusable keys, private members and certificates are already gone.
    pub fn to_cache_record(&self) -> Vec<u8> {
        record::encode(&self.keys)
    }

    /// Reads a record written by [`KeySet::to_cache_record`], cheaply enough for every request:
    /// no JSON, no base64, only the structural key checks (the number-theoretic ones ran when
    /// the set was parsed from the provider's document).
    ///
    /// Stricter than a JWK Set: every key must be well formed, since this code wrote them all;
    /// any deviation means the record is stale or damaged ([`Error::CacheRecordInvalid`]) and
    /// the caller should refetch.
    // Not inlined: Cranelift's compile work grows faster than a function's size, and
    // LLVM would fold this into the request handler (scripts/size-report measures it).
    #[inline(never)]
    pub fn from_cache_record(bytes: &[u8]) -> Result<KeySet, Error> {
        let keys = record::decode(bytes, MAX_KEYS)?;
        KeySet::from_keys(keys).map_err(|_| Error::CacheRecordInvalid)
    }

    /// True when a key with this `kid` is in the set (exact, case-sensitive comparison).
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|key| key.kid() == Some(kid))
    }

    /// The number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the set holds no key (never, for a set built by this module).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The usable keys, in document order.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// Picks the key for a token (RFC 7515 §5.2 step 8, RFC 7517 §4.5).
    ///
    /// With a `kid`, the key with exactly that `kid` (never interpreted: no paths, no lookups),
    /// which must then fit `alg`. Without one, the only key that fits `alg`; several candidates
    /// are refused rather than tried in turn, so a token cannot shop for a key.
    pub(crate) fn select(&self, kid: Option<&str>, alg: Alg) -> Result<&Jwk, Error> {
        match kid {
            Some(kid) => {
                let key = self
                    .keys
                    .iter()
                    .find(|key| key.kid() == Some(kid))
                    .ok_or(Error::UnknownKid)?;
                if key.fits(alg) {
                    Ok(key)
                } else {
                    Err(Error::KeyAlgMismatch)
                }
            }
            None => {
                let mut fitting = self.keys.iter().filter(|key| key.fits(alg));
                match (fitting.next(), fitting.next()) {
                    (Some(key), None) => Ok(key),
                    (None, _) => Err(Error::NoKeyForAlg),
                    (Some(_), Some(_)) => Err(Error::AmbiguousKey),
                }
            }
        }
    }
}
