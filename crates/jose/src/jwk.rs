//! One JSON Web Key (RFC 7517 §4) turned into key material ring can verify with.
//!
//! Parsing is where keys are judged: a [`Jwk`] value exists only for a public key of a supported
//! type and size that is meant for signature verification, so verification never has to ask
//! again. Private members (`d`, `p`, `q`, ...) and certificate members (`x5c`, `x5t`, `x5u`) are
//! never read.

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use ::json::{Map, Value};

use super::alg::{Alg, Curve, Verifier};
use super::{b64, ec_point, json, roca, Error};

/// Nesting a JWK may use: the key object, then `key_ops` or `x5c` arrays.
pub(crate) const MAX_JWK_DEPTH: usize = 8;

/// A public key usable for JWS verification, parsed from a JWK.
#[derive(Clone, PartialEq, Eq)]
pub struct Jwk {
    pub(crate) kid: Option<String>,
    /// When the JWK names an `alg`, the only algorithm it may verify (RFC 7517 §4.4).
    pub(crate) alg: Option<Alg>,
    pub(crate) material: Material,
}

/// The public key itself, in the form ring consumes. Built only through the constructors
/// below, which hold the structural rules (sizes, ranges); [`Material::check_math`] adds the
/// costlier number-theoretic ones.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Material {
    /// Big-endian modulus and exponent without leading zero bytes (RFC 7518 §6.3.1).
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// Uncompressed SEC 1 point 0x04‖x‖y (RFC 7518 §6.2.1).
    Ec { curve: Curve, point: Vec<u8> },
    /// The 32-byte encoded Ed25519 point (RFC 8037 §2).
    Ed25519([u8; 32]),
}

impl core::fmt::Debug for Jwk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Key material is public, but it is noise in logs: show what selection uses.
        f.debug_struct("Jwk")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("kty", &self.kty())
            .finish_non_exhaustive()
    }
}

/// P-256 field prime (SEC 2 §2.4.2), big-endian.
static P256_P: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
];

/// P-384 field prime (SEC 2 §2.5.1), big-endian.
static P384_P: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
];

impl Curve {
    /// The field prime, whose length is also the exact coordinate length (RFC 7518 §6.2.1.2).
    pub(crate) fn prime(self) -> &'static [u8] {
        match self {
            Curve::P256 => &P256_P,
            Curve::P384 => &P384_P,
        }
    }
}

impl Jwk {
    /// Parses one JWK (RFC 7517 §4) that must be a usable public signature-verification key.
    ///
    /// Errors say why it is not: unsupported `kty`/`crv`, wrong `use`/`key_ops`, a size outside
    /// ring's range, a malformed member. A JWK Set skips such keys instead (RFC 7517 §5).
    pub fn from_json(json: &[u8]) -> Result<Jwk, Error> {
        let object = json::parse_object(json, MAX_JWK_DEPTH).map_err(|_| Error::JwkNotJson)?;
        Jwk::from_object(&object)
    }

    /// Parses an already-decoded JWK object; see [`Jwk::from_json`].
    pub(crate) fn from_object(jwk: &Map<String, Value>) -> Result<Jwk, Error> {
        let kty = string(jwk, "kty")?.ok_or(Error::JwkMissingMember)?;

        // RFC 7517 §4.2: `use` "sig" marks a signing key; any other value is not ours to use.
        if let Some(key_use) = string(jwk, "use")? {
            if key_use != "sig" {
                return Err(Error::JwkNotForSignature);
            }
        }
        // RFC 7517 §4.3: when `key_ops` is present, it must permit "verify".
        if let Some(ops) = jwk.get("key_ops") {
            let ops = ops.as_array().ok_or(Error::JwkInvalidMember)?;
            let mut verify = false;
            for op in ops {
                verify |= op.as_str().ok_or(Error::JwkInvalidMember)? == "verify";
            }
            if !verify {
                return Err(Error::JwkNotForSignature);
            }
        }

        let kid = string(jwk, "kid")?.map(str::to_owned);
        let alg = match string(jwk, "alg")? {
            Some(name) => Some(Alg::from_name(name).ok_or(Error::JwkAlgUnsupported)?),
            None => None,
        };

        let material = match kty {
            "RSA" => Material::rsa(bytes(jwk, "n")?, bytes(jwk, "e")?)?,
            "EC" => {
                let curve = match string(jwk, "crv")?.ok_or(Error::JwkMissingMember)? {
                    "P-256" => Curve::P256,
                    "P-384" => Curve::P384,
                    _ => return Err(Error::JwkUnsupportedCurve),
                };
                Material::ec(curve, &bytes(jwk, "x")?, &bytes(jwk, "y")?)?
            }
            "OKP" => {
                // RFC 8037 §2: X25519, Ed448 and X448 are not signature keys we support.
                if string(jwk, "crv")?.ok_or(Error::JwkMissingMember)? != "Ed25519" {
                    return Err(Error::JwkUnsupportedCurve);
                }
                Material::ed25519(&bytes(jwk, "x")?)?
            }
            _ => return Err(Error::JwkUnsupportedKeyType),
        };
        material.check_math()?;
        // A key that names an alg its own type cannot perform is mislabelled: refuse it.
        if let Some(alg) = alg {
            if !material.can_verify(alg) {
                return Err(Error::JwkAlgUnsupported);
            }
        }
        Ok(Jwk { kid, alg, material })
    }

    /// The key ID (RFC 7517 §4.5): an opaque string, only ever compared for equality.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm the JWK restricts itself to, if it names one (RFC 7517 §4.4).
    pub fn alg(&self) -> Option<Alg> {
        self.alg
    }

    /// The key type name: `RSA`, `EC` or `OKP` (RFC 7517 §4.1).
    pub fn kty(&self) -> &'static str {
        match self.material {
            Material::Rsa { .. } => "RSA",
            Material::Ec { .. } => "EC",
            Material::Ed25519(_) => "OKP",
        }
    }

    /// True when this key may verify `alg`: its type (and curve) fit, and its own `alg`, if any,
    /// is the same (RFC 7515 §5.2 step 8, RFC 8725 §3.1).
    pub fn fits(&self, alg: Alg) -> bool {
        self.alg.is_none_or(|own| own == alg) && self.material.can_verify(alg)
    }

    /// Verifies `signature` over `message` with `alg` (RFC 7515 §5.2 step 8).
    ///
    /// This is the one place a signature is checked: tokens and the Wycheproof suite both come
    /// through here. ECDSA signatures are the raw r‖s of RFC 7518 §3.4, never DER.
    pub fn verify(&self, alg: Alg, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        if !self.fits(alg) {
            return Err(Error::KeyAlgMismatch);
        }
        let verified = match (alg.verifier(), &self.material) {
            (Verifier::Rsa(params), Material::Rsa { n, e }) => {
                RsaPublicKeyComponents { n, e }.verify(params, message, signature)
            }
            (Verifier::Ecdsa(_, algorithm), Material::Ec { point, .. }) => {
                // ring validates the point (range and on-curve) before any signature math.
                UnparsedPublicKey::new(*algorithm, point).verify(message, signature)
            }
            (Verifier::Ed25519, Material::Ed25519(x)) => {
                UnparsedPublicKey::new(&signature::ED25519, x).verify(message, signature)
            }
            _ => return Err(Error::KeyAlgMismatch),
        };
        verified.map_err(|_| Error::BadSignature)
    }
}

impl Material {
    /// Whether the table's primitive for `alg` takes this kind of key.
    fn can_verify(&self, alg: Alg) -> bool {
        match (alg.verifier(), self) {
            (Verifier::Rsa(_), Material::Rsa { .. }) => true,
            (Verifier::Ecdsa(curve, _), Material::Ec { curve: own, .. }) => curve == own,
            (Verifier::Ed25519, Material::Ed25519(_)) => true,
            _ => false,
        }
    }

    /// RFC 7518 §6.3.1: `n` and `e`, unsigned big-endian, within ring's ranges.
    pub(crate) fn rsa(n: Vec<u8>, e: Vec<u8>) -> Result<Material, Error> {
        // RFC 7518 asks for minimal encodings, but some providers publish a leading zero
        // octet; the integer is the same, and ring wants it minimal, so strip, not refuse.
        let n = strip_leading_zeros(n);
        let e = strip_leading_zeros(e);

        let bits = match n.first() {
            Some(top) => n
                .len()
                .saturating_mul(8)
                .saturating_sub(top.leading_zeros() as usize),
            None => 0,
        };
        if bits < 2048 {
            return Err(Error::JwkRsaModulusTooSmall);
        }
        if bits > 8192 {
            return Err(Error::JwkRsaModulusTooLarge);
        }
        if n.last().is_none_or(|low| low & 1 == 0) {
            return Err(Error::JwkRsaModulusInvalid);
        }

        // ring verifies with odd exponents 3 ..= 2^33-1; refuse others here, where the reason
        // is still visible, instead of failing every signature later.
        if e.len() > 5 {
            return Err(Error::JwkRsaExponentInvalid);
        }
        let value = e
            .iter()
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
        if !(3..=(1 << 33) - 1).contains(&value) || value & 1 == 0 {
            return Err(Error::JwkRsaExponentInvalid);
        }
        Ok(Material::Rsa { n, e })
    }

    /// RFC 7518 §6.2.1: `x`, `y` each exactly the field size and below the field prime.
    pub(crate) fn ec(curve: Curve, x: &[u8], y: &[u8]) -> Result<Material, Error> {
        let prime = curve.prime();
        if x.len() != prime.len() || y.len() != prime.len() {
            return Err(Error::JwkEcCoordinateLength);
        }
        // Equal-length big-endian byte strings compare like the integers they encode.
        if x >= prime || y >= prime {
            return Err(Error::JwkEcPointInvalid);
        }
        let mut point = Vec::with_capacity(1 + 2 * prime.len());
        point.push(0x04);
        point.extend_from_slice(x);
        point.extend_from_slice(y);
        Ok(Material::Ec { curve, point })
    }

    /// RFC 8037 §2: a 32-byte `x`, canonical (RFC 8032 §5.1.3 step 1) and not of small order.
    pub(crate) fn ed25519(x: &[u8]) -> Result<Material, Error> {
        let x: [u8; 32] = x.try_into().map_err(|_| Error::JwkOkpKeyLength)?;
        if has_small_order(&x) {
            return Err(Error::JwkOkpSmallOrder);
        }
        if !is_canonical(&x) {
            return Err(Error::JwkOkpNonCanonical);
        }
        Ok(Material::Ed25519(x))
    }

    /// The number-theoretic checks, run when a JWK is parsed (so once per fetched JWK Set, never
    /// per token): an RSA modulus without the ROCA fingerprint or a small factor (`roca`), an
    /// EC point on its curve (`ec_point`). Ed25519 has none here: ring decodes the point at
    /// verification, and the cheap checks (small order, canonical y) are in the constructor.
    pub(crate) fn check_math(&self) -> Result<(), Error> {
        match self {
            Material::Rsa { n, .. } => roca::check_modulus(n),
            Material::Ec { curve, point } => {
                let coordinates = point.get(1..).unwrap_or_default();
                let (x, y) = coordinates.split_at(coordinates.len() / 2);
                if ec_point::on_curve(*curve, x, y) {
                    Ok(())
                } else {
                    Err(Error::JwkEcPointNotOnCurve)
                }
            }
            Material::Ed25519(_) => Ok(()),
        }
    }
}

/// RFC 8032 §5.1.3 step 1: the y coordinate (`x` without its top sign bit, little-endian) must
/// be below p = 2^255 − 19. The 19 encodings at or above p name the same points as y − p; ring
/// reduces them silently, so they would be second spellings of a key.
fn is_canonical(x: &[u8; 32]) -> bool {
    let [low, middle @ .., top] = x;
    !(*top & 0x7f == 0x7f && middle.iter().all(|b| *b == 0xff) && *low >= 0xed)
}

/// The encodings of the Ed25519 points of order 1, 2, 4 and 8 (the identity, (0, -1), the two
/// points with y = 0, and the four of order 8), canonical and not, ignoring the x sign bit:
/// libsodium's `ge25519_has_small_order` list.
#[rustfmt::skip]
static ED25519_SMALL_ORDER: [[u8; 32]; 7] = [
    // 0 (order 4)
    [0; 32],
    // 1 (order 1: the identity)
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    // order 8
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
        0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
    ],
    // order 8
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
        0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
    ],
    // p - 1 (order 2)
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ],
    // p (non-canonical 0, order 4)
    [
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ],
    // p + 1 (non-canonical 1, order 1)
    [
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ],
];

/// True when `x` encodes a point of order dividing 8 (RFC 8032 §5.1.3 decoding, sign bit
/// ignored). ring verifies `[S]B = R + [k]A` as RFC 8032 specifies and does not refuse such an
/// `A`; with the identity as `A`, `R = B, S = 1` verifies every message. Public data, so a
/// plain comparison is fine.
fn has_small_order(x: &[u8; 32]) -> bool {
    let mut masked = *x;
    if let Some(last) = masked.last_mut() {
        *last &= 0x7f;
    }
    ED25519_SMALL_ORDER.contains(&masked)
}

/// An optional string member; present with another type is an error.
fn string<'a>(jwk: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Error> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::JwkInvalidMember),
    }
}

/// A required base64url member (RFC 7518 §2 "Base64urlUInt" and octet strings).
fn bytes(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, Error> {
    let text = string(jwk, name)?.ok_or(Error::JwkMissingMember)?;
    b64::decode(text).ok_or(Error::JwkInvalidMember)
}

/// The integer without leading zero octets.
fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros);
    bytes
}
