//! A JWK Set (RFC 7517 §5), key selection for a token, and the normalised cache record.

use serde_json::{Map, Value};

use super::jwk::{Jwk, MAX_JWK_DEPTH};
use super::{json, Alg, Error};

/// Version marker of the cache record; bump it when the record's meaning changes, so an old
/// record in the KV store is refused (and refetched) rather than misread.
const CACHE_MARKER: &str = "mcp-authorizer-keyset";
const CACHE_VERSION: u64 = 1;

/// The usable signature keys of one provider, ready for verification.
///
/// Only keys that passed [`Jwk`] parsing are kept, and no two of them share a `kid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<Jwk>,
}

impl KeySet {
    /// Parses a JWK Set document (RFC 7517 §5).
    ///
    /// Keys this core cannot use (`oct`, secp256k1, X25519, RSA below 2048 bits, `use: enc`,
    /// malformed members...) are skipped, as RFC 7517 §5 recommends, so one exotic key does not
    /// take a provider down. Errors: not a JSON object (or a duplicate member), no `keys` array,
    /// no usable key, or two usable keys with the same `kid` (selection would be ambiguous).
    pub fn from_jwks_json(json: &[u8]) -> Result<KeySet, Error> {
        // The set adds two levels (the set object, the `keys` array) above each key.
        let set = json::parse_object(json, MAX_JWK_DEPTH + 2).map_err(|_| Error::JwksNotJson)?;
        let keys = set
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(Error::JwksMissingKeys)?;
        let usable = keys
            .iter()
            .filter_map(Value::as_object)
            .filter_map(|key| Jwk::from_object(key).ok())
            .collect();
        KeySet::from_keys(usable)
    }

    /// Builds a set from already-parsed keys, with the same rules as [`KeySet::from_jwks_json`].
    pub fn from_keys(keys: Vec<Jwk>) -> Result<KeySet, Error> {
        if keys.is_empty() {
            return Err(Error::JwksNoUsableKey);
        }
        // Sorted, so a large set costs n log n, not n².
        let mut kids: Vec<&str> = keys.iter().filter_map(Jwk::kid).collect();
        kids.sort_unstable();
        if kids.windows(2).any(|pair| matches!(pair, [a, b] if a == b)) {
            return Err(Error::JwksDuplicateKid);
        }
        Ok(KeySet { keys })
    }

    /// A compact record of this set for the key-value cache: a JWK Set holding only the
    /// members verification needs (`kty`, `kid`, `alg`, `crv`, `n`, `e`, `x`, `y`) plus a
    /// version marker. Unusable keys, private members and certificates are already gone.
    pub fn to_cache_record(&self) -> Vec<u8> {
        let mut record = Map::new();
        record.insert(CACHE_MARKER.into(), CACHE_VERSION.into());
        record.insert("keys".into(), self.keys.iter().map(Jwk::to_value).collect());
        // Serialising a `Value` with string keys cannot fail.
        serde_json::to_vec(&Value::Object(record)).unwrap_or_default()
    }

    /// Reads a record written by [`KeySet::to_cache_record`].
    ///
    /// Stricter than a JWK Set: every key must parse, since this code wrote them all; any
    /// deviation means the record is stale or damaged and the caller should refetch.
    pub fn from_cache_record(bytes: &[u8]) -> Result<KeySet, Error> {
        let record =
            json::parse_object(bytes, MAX_JWK_DEPTH + 2).map_err(|_| Error::CacheRecordInvalid)?;
        if record.get(CACHE_MARKER).and_then(Value::as_u64) != Some(CACHE_VERSION) {
            return Err(Error::CacheRecordInvalid);
        }
        let keys = record
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(Error::CacheRecordInvalid)?
            .iter()
            .map(|key| match key {
                Value::Object(key) => Jwk::from_object(key).map_err(|_| Error::CacheRecordInvalid),
                _ => Err(Error::CacheRecordInvalid),
            })
            .collect::<Result<Vec<_>, _>>()?;
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
