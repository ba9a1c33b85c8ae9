//! Authenticated cache records in the key-value store (issue 13 item 1, review F1).
//!
//! Whoever can write the store could otherwise plant a JWK Set of their own and mint tokens for
//! any identity. Two defences: the store label is the authorizer's own (the adapter opens
//! `mcp_authorizer`, which no other component may be granted), and every record carries an
//! HMAC-SHA256 tag (RFC 2104, FIPS 198-1) under the secret Spin variable `auth_kv_record_key`,
//! bound to the KV key it is stored under, so a record is neither forgeable nor movable:
//!
//! ```text
//! ftl-authz/2\n<tag>\n<fetched_at>\n<attempted_at>\n<source>\n<payload>
//! tag = hex(HMAC-SHA256(K, "ftl-authz/2\n" || kv key || "\n" || everything after the tag line))
//! K   = SHA-256(auth_kv_record_key)
//! ```
//!
//! Without a secret the tag is `-` and records are accepted unauthenticated (the gateway then
//! warns whenever it writes one). With a secret, a record whose tag is missing or wrong is a
//! cache miss, never an error: the provider is asked again (at most once per cooldown).

use core::fmt;

use ring::{digest, hmac};

const MAGIC: &[u8] = b"ftl-authz/2\n";
/// The tag of a record written without a secret.
const NO_TAG: &[u8] = b"-";
const TAG_HEX_LEN: usize = 64;

/// Shortest accepted `auth_kv_record_key`, in bytes: 32 random characters carry well over the
/// 128 bits an HMAC key needs even from a reduced alphabet (NIST SP 800-107 §5.2).
pub const MIN_SECRET_BYTES: usize = 32;
/// Longest accepted `auth_kv_record_key`, in bytes.
pub const MAX_SECRET_BYTES: usize = 1024;

/// The key that authenticates cache records: SHA-256 of the `auth_kv_record_key` secret.
/// Hashing first (HMAC hashes any key longer than its block anyway, RFC 2104 §3) gives a fixed
/// 32-byte `Copy` value whatever the secret's length.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RecordKey([u8; 32]);

impl fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the key, not even in test output.
        f.write_str("RecordKey(<redacted>)")
    }
}

/// Why an `auth_kv_record_key` value is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKeyError {
    /// Fewer than [`MIN_SECRET_BYTES`] bytes.
    TooShort,
    /// More than [`MAX_SECRET_BYTES`] bytes.
    TooLong,
    /// A byte outside printable ASCII (`!`..`~`): secrets pass through TOML, environment
    /// variables and shells, where anything else is mangled silently.
    NotPrintable,
}

impl RecordKey {
    /// Derives the key from the secret's value (already trimmed).
    pub fn from_secret(secret: &str) -> Result<RecordKey, RecordKeyError> {
        let bytes = secret.as_bytes();
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(RecordKeyError::TooShort);
        }
        if bytes.len() > MAX_SECRET_BYTES {
            return Err(RecordKeyError::TooLong);
        }
        if !bytes.iter().all(|b| (b'!'..=b'~').contains(b)) {
            return Err(RecordKeyError::NotPrintable);
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(digest::digest(&digest::SHA256, bytes).as_ref());
        Ok(RecordKey(key))
    }

    fn tag(&self, kv_key: &str, body: &[u8]) -> hmac::Tag {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(MAGIC);
        ctx.update(kv_key.as_bytes());
        ctx.update(b"\n");
        ctx.update(body);
        ctx.sign()
    }
}

/// One cached document (or a lease: no payload, `fetched_at` 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Unix seconds of the last successful fetch; 0 when there never was one.
    pub fetched_at: u64,
    /// Unix seconds of the last fetch attempt (the lease), successful or not.
    pub attempted_at: u64,
    /// The URL (or issuer) the payload belongs to; guards against key collisions.
    pub source: String,
    /// The normalized document; empty when there never was a successful fetch.
    pub payload: Vec<u8>,
}

/// Why a stored record is not used (each is a cache miss, logged as a detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordError {
    /// Not a record of this version (older format, or garbage).
    Malformed,
    /// Written without a tag while a secret is configured (before the secret was set, or
    /// planted by someone who does not know it).
    Unsigned,
    /// The tag does not match: planted, altered, moved from another key, or written under
    /// another secret.
    TagMismatch,
    /// Authentic, but for another source (a 64-bit key-hash collision).
    OtherSource,
}

impl RecordError {
    /// A short, fixed description for logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            RecordError::Malformed => "kv_record_malformed",
            RecordError::Unsigned => "kv_record_unsigned",
            RecordError::TagMismatch => "kv_record_tag_mismatch",
            RecordError::OtherSource => "kv_record_other_source",
        }
    }
}

impl Record {
    fn body(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(48 + self.source.len() + self.payload.len());
        out.extend_from_slice(self.fetched_at.to_string().as_bytes());
        out.push(b'\n');
        out.extend_from_slice(self.attempted_at.to_string().as_bytes());
        out.push(b'\n');
        out.extend_from_slice(self.source.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(&self.payload);
        out
    }

    /// Serializes the record for KV key `kv_key`, tagged under `key` (untagged without one).
    pub fn seal(&self, kv_key: &str, key: Option<&RecordKey>) -> Vec<u8> {
        let body = self.body();
        let mut out = Vec::with_capacity(MAGIC.len() + TAG_HEX_LEN + 1 + body.len());
        out.extend_from_slice(MAGIC);
        match key {
            Some(k) => push_hex(&mut out, k.tag(kv_key, &body).as_ref()),
            None => out.extend_from_slice(NO_TAG),
        }
        out.push(b'\n');
        out.extend_from_slice(&body);
        out
    }

    /// Serializes the record without a tag: what anyone without the secret can produce.
    pub fn encode(&self) -> Vec<u8> {
        self.seal("", None)
    }

    /// Parses a record without checking its tag (diagnostics and tests only).
    pub fn decode(bytes: &[u8]) -> Option<Record> {
        let (_, body) = split_tag(bytes)?;
        parse_body(body)
    }

    /// Parses and authenticates the record stored under `kv_key`: with `key`, the tag must be
    /// its HMAC (compared in constant time); the record must belong to `source`.
    pub fn open(
        bytes: &[u8],
        kv_key: &str,
        source: &str,
        key: Option<&RecordKey>,
    ) -> Result<Record, RecordError> {
        let (tag, body) = split_tag(bytes).ok_or(RecordError::Malformed)?;
        if let Some(k) = key {
            if tag == NO_TAG {
                return Err(RecordError::Unsigned);
            }
            let expected = k.tag(kv_key, body);
            if !hex_equals(tag, expected.as_ref()) {
                return Err(RecordError::TagMismatch);
            }
        }
        let record = parse_body(body).ok_or(RecordError::Malformed)?;
        if record.source != source {
            return Err(RecordError::OtherSource);
        }
        Ok(record)
    }
}

fn split_tag(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let end = rest.iter().position(|b| *b == b'\n')?;
    let (tag, body) = rest.split_at(end);
    Some((tag, body.get(1..)?))
}

fn parse_body(body: &[u8]) -> Option<Record> {
    let mut parts = body.splitn(4, |b| *b == b'\n');
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

fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 20 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    core::str::from_utf8(b).ok()?.parse().ok()
}

/// The lowercase hex digit of a nibble (`n` < 16).
fn hex_digit(n: u8) -> u8 {
    let n = n & 0xf;
    if n < 10 {
        b'0' + n
    } else {
        b'a' + (n - 10)
    }
}

fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    for b in bytes {
        out.push(hex_digit(b >> 4));
        out.push(hex_digit(b & 0xf));
    }
}

/// Whether `hex` (lowercase) spells `bytes`, without an early exit on the first difference
/// (the tag comparison must not leak how many leading characters an attacker got right).
fn hex_equals(hex: &[u8], bytes: &[u8]) -> bool {
    if hex.len() != bytes.len() * 2 {
        return false;
    }
    let mut expected = Vec::with_capacity(hex.len());
    push_hex(&mut expected, bytes);
    let diff = hex
        .iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    diff == 0
}

/// The KV key for a source: a prefix plus a 64-bit FNV-1a hash (Spin limits keys to 256 bytes;
/// the record repeats the source, so a collision is a miss, never a mix-up).
pub fn kv_key(prefix: &str, source: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut key = String::with_capacity(prefix.len() + 16);
    key.push_str(prefix);
    for shift in (0..16).rev() {
        key.push(char::from(hex_digit(((h >> (shift * 4)) & 0xf) as u8)));
    }
    key
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn rec() -> Record {
        Record {
            fetched_at: 1,
            attempted_at: 2,
            source: "https://a/j".into(),
            payload: b"p\nq".to_vec(),
        }
    }

    #[test]
    fn sealed_record_opens_only_under_its_key_name_and_secret() {
        let k = RecordKey::from_secret(SECRET).unwrap();
        let other = RecordKey::from_secret("fedcba9876543210fedcba9876543210").unwrap();
        let sealed = rec().seal("ftl-authz/jwks/1", Some(&k));
        assert_eq!(
            Record::open(&sealed, "ftl-authz/jwks/1", "https://a/j", Some(&k)),
            Ok(rec())
        );
        assert_eq!(
            Record::open(&sealed, "ftl-authz/jwks/2", "https://a/j", Some(&k)),
            Err(RecordError::TagMismatch)
        );
        assert_eq!(
            Record::open(&sealed, "ftl-authz/jwks/1", "https://a/j", Some(&other)),
            Err(RecordError::TagMismatch)
        );
        assert_eq!(
            Record::open(&sealed, "ftl-authz/jwks/1", "https://b/j", Some(&k)),
            Err(RecordError::OtherSource)
        );
        // Without a secret the tag is not checked.
        assert_eq!(
            Record::open(&sealed, "x", "https://a/j", None),
            Ok(rec())
        );
    }

    #[test]
    fn altered_or_unsigned_records_are_refused() {
        let k = RecordKey::from_secret(SECRET).unwrap();
        let mut sealed = rec().seal("key", Some(&k));
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(
            Record::open(&sealed, "key", "https://a/j", Some(&k)),
            Err(RecordError::TagMismatch)
        );
        assert_eq!(
            Record::open(&rec().encode(), "key", "https://a/j", Some(&k)),
            Err(RecordError::Unsigned)
        );
        assert_eq!(
            Record::open(b"ftl-authz/1\n1\n2\ns\np", "key", "s", None),
            Err(RecordError::Malformed)
        );
        assert_eq!(Record::decode(&rec().encode()), Some(rec()));
        assert_eq!(Record::decode(b"garbage"), None);
        assert_eq!(Record::decode(b"ftl-authz/2\n-\nx\n2\ns\np"), None);
        assert_eq!(Record::decode(b"ftl-authz/2\n-\n1\n2\ns"), None);
        assert_eq!(
            Record::decode(b"ftl-authz/2\n-\n99999999999999999999999\n2\ns\n"),
            None
        );
    }

    #[test]
    fn weak_secrets_are_refused() {
        assert_eq!(
            RecordKey::from_secret("short"),
            Err(RecordKeyError::TooShort)
        );
        assert_eq!(
            RecordKey::from_secret(&"é".repeat(20)),
            Err(RecordKeyError::NotPrintable)
        );
        assert_eq!(
            RecordKey::from_secret(&"a".repeat(MAX_SECRET_BYTES + 1)),
            Err(RecordKeyError::TooLong)
        );
        assert!(!format!("{:?}", RecordKey::from_secret(SECRET).unwrap()).contains('0'));
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
}
