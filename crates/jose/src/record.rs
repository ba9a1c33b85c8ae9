//! The key-set cache record: the keys of a [`KeySet`](super::KeySet) as already-decoded bytes.
//!
//! Spin keeps no memory between requests, so the gateway reads this record on every request.
//! It therefore holds keys in the form verification consumes (the big-endian integers and the
//! SEC 1 point, not base64url in JSON): reading it back copies bytes and re-checks sizes and
//! ranges, and costs no JSON parse, no base64 decode and no number theory per key. The costly
//! checks (ROCA, point on the curve) ran once, when the provider's JWK Set was parsed; a record
//! is only ever written from such a set, and ring checks the point again before any signature
//! math. Whoever can write the store can plant any key anyway, so the record's authenticity is
//! the store's and the gateway's MAC's business (issue 13 item 1), not this format's.
//!
//! Layout (all lengths u32 big-endian):
//!
//! ```text
//! MAGIC, then per key:  tag u8 (kind | 0x80 when a kid follows)  alg u8 (0 = none)
//!                       [len kid]  len a  a  len b  b
//! kinds: 1 RSA (a = n, b = e), 2 P-256 and 3 P-384 (a = x, b = y), 4 Ed25519 (a = x, b empty)
//! ```

use super::alg::Curve;
use super::jwk::Material;
use super::{Alg, Error, Jwk};

/// Names the format and its version; a record that does not start with it (an older version,
/// another writer, damage) is refused, and the caller refetches.
const MAGIC: &[u8] = b"mcp-authorizer-keyset/2\n";

const HAS_KID: u8 = 0x80;

/// Appends the record of `keys` to a fresh buffer.
pub(crate) fn encode(keys: &[Jwk]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    for key in keys {
        let (kind, a, b): (u8, &[u8], &[u8]) = match &key.material {
            Material::Rsa { n, e } => (1, n, e),
            Material::Ec { curve, point } => {
                let coordinates = point.get(1..).unwrap_or_default();
                let (x, y) = coordinates.split_at(coordinates.len() / 2);
                let kind = match curve {
                    Curve::P256 => 2,
                    Curve::P384 => 3,
                };
                (kind, x, y)
            }
            Material::Ed25519(x) => (4, x, &[]),
        };
        out.push(if key.kid.is_some() { kind | HAS_KID } else { kind });
        out.push(key.alg.map_or(0, alg_code));
        if let Some(kid) = &key.kid {
            push_bytes(&mut out, kid.as_bytes());
        }
        push_bytes(&mut out, a);
        push_bytes(&mut out, b);
    }
    out
}

/// Reads a record written by [`encode`]; [`Error::CacheRecordInvalid`] for anything else. Every key is rebuilt with
/// the structural rules of [`Material`]; at most `max_keys` keys.
pub(crate) fn decode(bytes: &[u8], max_keys: usize) -> Result<Vec<Jwk>, Error> {
    let mut rest = bytes
        .strip_prefix(MAGIC)
        .ok_or(Error::CacheRecordInvalid)?;
    let mut keys = Vec::new();
    while let Some((&tag, after)) = rest.split_first() {
        if keys.len() == max_keys {
            return Err(Error::CacheRecordInvalid);
        }
        let (&alg, after) = after.split_first().ok_or(Error::CacheRecordInvalid)?;
        rest = after;
        let kid = if tag & HAS_KID != 0 {
            let kid = take(&mut rest)?;
            Some(
                core::str::from_utf8(kid)
                    .map_err(|_| Error::CacheRecordInvalid)?
                    .to_owned(),
            )
        } else {
            None
        };
        let alg = match alg {
            0 => None,
            code => Some(
                Alg::ALL
                    .get(usize::from(code) - 1)
                    .copied()
                    .ok_or(Error::CacheRecordInvalid)?,
            ),
        };
        let (a, b) = (take(&mut rest)?, take(&mut rest)?);
        let material = match tag & !HAS_KID {
            1 => Material::rsa(a.to_vec(), b.to_vec()),
            2 => Material::ec(Curve::P256, a, b),
            3 => Material::ec(Curve::P384, a, b),
            4 if b.is_empty() => Material::ed25519(a),
            _ => Err(Error::CacheRecordInvalid),
        }
        .map_err(|_| Error::CacheRecordInvalid)?;
        let key = Jwk {
            kid,
            alg,
            material,
        };
        // The writer only wrote keys whose own alg fits them.
        if alg.is_some_and(|alg| !key.fits(alg)) {
            return Err(Error::CacheRecordInvalid);
        }
        keys.push(key);
    }
    Ok(keys)
}

/// 1 + the algorithm's position in [`Alg::ALL`] (0 means "no alg").
fn alg_code(alg: Alg) -> u8 {
    Alg::ALL
        .iter()
        .position(|a| *a == alg)
        .map_or(0, |i| (i + 1) as u8)
}

fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    // A kid or key longer than 4 GiB cannot come out of a bounded JWK Set document.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Takes one length-prefixed byte string off the front of `rest`.
fn take<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8], Error> {
    let (len, after) = rest
        .split_first_chunk::<4>()
        .ok_or(Error::CacheRecordInvalid)?;
    let len = usize::try_from(u32::from_be_bytes(*len)).map_err(|_| Error::CacheRecordInvalid)?;
    let (bytes, after) = after
        .split_at_checked(len)
        .ok_or(Error::CacheRecordInvalid)?;
    *rest = after;
    Ok(bytes)
}
