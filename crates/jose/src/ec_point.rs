//! Is a JWK's (x, y) a point of its curve? SEC 1 v2 §3.2.2.1 public-key validation, steps 2–3,
//! for the two curves the core accepts (both of cofactor 1, so step 4 is implied).
//!
//! ring validates the point too, but only when a signature is verified. Checking it when the
//! JWK is parsed keeps an invalid key out of the [`KeySet`](super::KeySet) and of the cache, so
//! it can neither fail late nor make a kid-less token "ambiguous" next to a real key.
//!
//! The arithmetic is deliberately the simplest that is correct: numbers as seven little-endian
//! u64 limbs (room for any sum of two values below a 384-bit prime) and multiplication mod p by
//! double-and-add. A public key is public, so nothing here needs to be constant-time, and it runs
//! once per key when a JWK Set is fetched, never per token.

use super::alg::Curve;

/// A number below 2^448, least significant limb first.
type Limbs = [u64; 7];

/// P-256 `b` (SEC 2 §2.4.2), big-endian; `a` is p − 3 for both curves.
static P256_B: [u8; 32] = [
    0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd, 0x55, 0x76, 0x98, 0x86, 0xbc,
    0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53, 0xb0, 0xf6, 0x3b, 0xce, 0x3c, 0x3e, 0x27, 0xd2, 0x60, 0x4b,
];

/// P-384 `b` (SEC 2 §2.5.1), big-endian.
static P384_B: [u8; 48] = [
    0xb3, 0x31, 0x2f, 0xa7, 0xe2, 0x3e, 0xe7, 0xe4, 0x98, 0x8e, 0x05, 0x6b, 0xe3, 0xf8, 0x2d, 0x19,
    0x18, 0x1d, 0x9c, 0x6e, 0xfe, 0x81, 0x41, 0x12, 0x03, 0x14, 0x08, 0x8f, 0x50, 0x13, 0x87, 0x5a,
    0xc6, 0x56, 0x39, 0x8d, 0x8a, 0x2e, 0xd1, 0x9d, 0x2a, 0x85, 0xc8, 0xed, 0xd3, 0xec, 0x2a, 0xef,
];

impl Curve {
    /// The coefficient `b` of y² = x³ − 3x + b.
    fn b(self) -> &'static [u8] {
        match self {
            Curve::P256 => &P256_B,
            Curve::P384 => &P384_B,
        }
    }
}

/// True when big-endian `x` and `y`, each already checked to be below the curve's field prime,
/// satisfy y² = x³ − 3x + b (mod p); computed as y² + 3x = x³ + b, so no step subtracts.
pub(crate) fn on_curve(curve: Curve, x: &[u8], y: &[u8]) -> bool {
    let p = limbs(curve.prime());
    let (x, y, b) = (limbs(x), limbs(y), limbs(curve.b()));
    let x3 = mul_mod(&mul_mod(&x, &x, &p), &x, &p);
    let x2 = add_mod(&x, &x, &p);
    let left = add_mod(&add_mod(&mul_mod(&y, &y, &p), &x2, &p), &x, &p);
    left == add_mod(&x3, &b, &p)
}

/// Big-endian bytes (at most 56) to limbs.
fn limbs(bytes: &[u8]) -> Limbs {
    let mut out = [0u64; 7];
    for (limb, chunk) in out.iter_mut().zip(bytes.rchunks(8)) {
        *limb = chunk
            .iter()
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
    }
    out
}

/// `a ≥ b`, comparing from the most significant limb.
fn ge(a: &Limbs, b: &Limbs) -> bool {
    a.iter().rev().cmp(b.iter().rev()) != core::cmp::Ordering::Less
}

/// `a + b`, wrapping at 2^448 (never reached: both operands are below 2^385).
fn add(a: &Limbs, b: &Limbs) -> Limbs {
    let mut out = [0u64; 7];
    let mut carry = false;
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        let (sum, c1) = x.overflowing_add(*y);
        let (sum, c2) = sum.overflowing_add(u64::from(carry));
        *o = sum;
        carry = c1 || c2;
    }
    out
}

/// `a − b` for `a ≥ b`.
fn sub(a: &Limbs, b: &Limbs) -> Limbs {
    let mut out = [0u64; 7];
    let mut borrow = false;
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        let (diff, b1) = x.overflowing_sub(*y);
        let (diff, b2) = diff.overflowing_sub(u64::from(borrow));
        *o = diff;
        borrow = b1 || b2;
    }
    out
}

/// `(a + b) mod p` for `a, b < p`.
fn add_mod(a: &Limbs, b: &Limbs, p: &Limbs) -> Limbs {
    let sum = add(a, b);
    if ge(&sum, p) {
        sub(&sum, p)
    } else {
        sum
    }
}

/// `(a · b) mod p` for `a, b < p`, by double-and-add over the bits of `b`, most significant
/// first, from its highest non-zero limb: at most 384 doublings and additions.
fn mul_mod(a: &Limbs, b: &Limbs, p: &Limbs) -> Limbs {
    let mut acc = [0u64; 7];
    let used = b.iter().rposition(|limb| *limb != 0).map_or(0, |top| top + 1);
    for limb in b.iter().take(used).rev() {
        for bit in (0..64).rev() {
            acc = add_mod(&acc, &acc, p);
            if (limb >> bit) & 1 == 1 {
                acc = add_mod(&acc, a, p);
            }
        }
    }
    acc
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The base points G (SEC 2 §2.4.2, §2.5.1) are on their curves; G with y + 1 is not.
    #[test]
    fn generators_are_on_their_curves() {
        let cases = [
            (
                Curve::P256,
                "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
                "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
            ),
            (
                Curve::P384,
                "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
                "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
            ),
        ];
        for (curve, x, y) in cases {
            let (x, mut y) = (hex(x), hex(y));
            assert!(on_curve(curve, &x, &y));
            *y.last_mut().unwrap() ^= 1;
            assert!(!on_curve(curve, &x, &y));
            // (0, 0) is never on a curve with b ≠ 0.
            let zero = vec![0u8; x.len()];
            assert!(!on_curve(curve, &zero, &zero));
        }
    }

    #[test]
    fn arithmetic_wraps_mod_p() {
        let p = limbs(Curve::P384.prime());
        let p_minus_1 = sub(&p, &[1, 0, 0, 0, 0, 0, 0]);
        // (p − 1)² = 1 and (p − 1) + (p − 1) = p − 2.
        assert_eq!(mul_mod(&p_minus_1, &p_minus_1, &p), [1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            add_mod(&p_minus_1, &p_minus_1, &p),
            sub(&p, &[2, 0, 0, 0, 0, 0, 0])
        );
    }
}
