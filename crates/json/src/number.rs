//! JSON numbers (RFC 8259 §6), kept as integers or as their validated source text.
//!
//! Storing the lexeme means writing a number never formats a float (the code we want out of the
//! module), and reading one never loses digits. Arithmetic on the decimal text (range check,
//! integer part, equality) is exact and needs no float code either.

use core::fmt;

/// A JSON number: an integer, or any other number as its validated RFC 8259 text.
///
/// Classified as serde_json classifies: a number without fraction or exponent is an integer
/// when it fits `u64` (non-negative) or `i64` (negative); everything else (`1.0`, `1e3`, `-0`,
/// `18446744073709551616`) is a "float" for which [`Number::as_u64`] and [`Number::as_i64`] are
/// `None`.
#[derive(Clone, Debug)]
pub struct Number(N);

#[derive(Clone, Debug)]
enum N {
    /// A non-negative integer written without fraction or exponent.
    Pos(u64),
    /// A negative integer written without fraction or exponent.
    Neg(i64),
    /// Any other number: RFC 8259 `number` text whose magnitude is within f64's range.
    Text(Box<str>),
}

/// The exact value of 2^1024 − 2^970, the smallest magnitude that rounds to infinity in
/// IEEE 754 binary64 (round half to even: halfway above `f64::MAX`), all 309 digits.
const OVERFLOW: &[u8; 309] = b"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

/// A number's text as sign, significant digits and decimal exponent: the value is
/// `0.d₁d₂d₃… × 10^point` with `d₁ ≠ 0`, or zero when there are no significant digits.
struct Decimal<'a> {
    negative: bool,
    /// Digits before and after the point (`int` starts at the first significant digit, or is
    /// empty and `frac` does).
    int: &'a [u8],
    frac: &'a [u8],
    point: i64,
}

impl<'a> Decimal<'a> {
    /// Splits validated RFC 8259 number text (see [`crate::parse`]).
    fn of(text: &'a str) -> Decimal<'a> {
        let bytes = text.as_bytes();
        let (negative, rest) = match bytes.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, bytes),
        };
        let mantissa_end = rest.iter().position(|b| matches!(b, b'e' | b'E'));
        let (mantissa, exponent) = match mantissa_end {
            Some(at) => rest.split_at(at),
            None => (rest, &[][..]),
        };
        let (int, frac) = match mantissa.iter().position(|&b| b == b'.') {
            Some(at) => {
                let (int, frac) = mantissa.split_at(at);
                (int, frac.get(1..).unwrap_or_default())
            }
            None => (mantissa, &[][..]),
        };
        // Saturating: an exponent of a billion digits is as infinite as one of ten.
        let mut exp: i64 = 0;
        let mut exp_negative = false;
        for &b in exponent.iter().skip(1) {
            match b {
                b'-' => exp_negative = true,
                b'0'..=b'9' => exp = exp.saturating_mul(10).saturating_add(i64::from(b - b'0')),
                _ => {}
            }
        }
        if exp_negative {
            exp = -exp;
        }
        let mut point = i64::try_from(int.len()).unwrap_or(i64::MAX).saturating_add(exp);
        // Strip leading zeros so that the first digit is significant.
        let int_zeros = int.iter().take_while(|&&b| b == b'0').count();
        let int = int.get(int_zeros..).unwrap_or_default();
        // Each leading zero dropped from `0.000d…` moves the point one place.
        point = point.saturating_sub(i64::try_from(int_zeros).unwrap_or(i64::MAX));
        let frac = if int.is_empty() {
            let frac_zeros = frac.iter().take_while(|&&b| b == b'0').count();
            point = point.saturating_sub(i64::try_from(frac_zeros).unwrap_or(i64::MAX));
            frac.get(frac_zeros..).unwrap_or_default()
        } else {
            frac
        };
        Decimal {
            negative,
            int,
            frac,
            point,
        }
    }

    fn digits(&self) -> impl Iterator<Item = u8> + 'a {
        self.int.iter().chain(self.frac.iter()).copied()
    }

    fn is_zero(&self) -> bool {
        self.digits().all(|d| d == b'0')
    }

    /// Whether the magnitude rounds to infinity as an f64 (serde_json refuses such numbers;
    /// JavaScript and Python read them as infinity).
    fn overflows(&self) -> bool {
        if self.is_zero() || self.point < 309 {
            return false;
        }
        if self.point > 309 {
            return true;
        }
        let mut digits = self.digits();
        for &limit in OVERFLOW {
            let d = digits.next().unwrap_or(b'0');
            if d != limit {
                return d > limit;
            }
        }
        // Equal to the halfway point, or above it by a tail of further digits: both round up.
        true
    }
}

impl Number {
    /// Number text already validated against the RFC 8259 grammar by the parser; `None` when
    /// its magnitude is beyond f64's range.
    pub(crate) fn from_text(text: &str) -> Option<Number> {
        if Decimal::of(text).overflows() {
            None
        } else {
            Some(Number(N::Text(text.into())))
        }
    }

    /// A finite float as a number (written as Rust's shortest round-trip form, e.g. `1.5`,
    /// `1e300`); `None` for NaN and infinities, which JSON cannot spell (serde_json's
    /// `Number::from_f64`). Pulls float formatting into a module that calls it: meant for tests.
    pub fn from_f64(f: f64) -> Option<Number> {
        f.is_finite()
            .then(|| Number(N::Text(format!("{f:?}").into_boxed_str())))
    }

    /// The value if it is an integer in `0..=u64::MAX` (written without fraction or exponent).
    pub fn as_u64(&self) -> Option<u64> {
        match self.0 {
            N::Pos(u) => Some(u),
            _ => None,
        }
    }

    /// The value if it is an integer in the `i64` range (written without fraction or exponent).
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            N::Pos(u) => i64::try_from(u).ok(),
            N::Neg(i) => Some(i),
            N::Text(_) => None,
        }
    }

    /// The value as the nearest f64 (`Some` always, as serde_json's).
    ///
    /// Parsing the text links Rust's float parser (several KB with its tables): production
    /// code that only needs whole seconds should use [`Number::integer_part`].
    pub fn as_f64(&self) -> Option<f64> {
        match &self.0 {
            N::Pos(u) => Some(*u as f64),
            N::Neg(i) => Some(*i as f64),
            N::Text(t) => t.parse().ok(),
        }
    }

    /// Whether [`Number::as_u64`] is `Some`.
    pub fn is_u64(&self) -> bool {
        matches!(self.0, N::Pos(_))
    }

    /// Whether [`Number::as_i64`] is `Some`.
    pub fn is_i64(&self) -> bool {
        self.as_i64().is_some()
    }

    /// Whether the number is not an integer in the `u64` or `i64` range.
    pub fn is_f64(&self) -> bool {
        matches!(self.0, N::Text(_))
    }

    /// The integer part, rounded toward zero and saturated to the `i64` range, computed exactly
    /// from the decimal text (`1234.9` and `1.2349e3` give 1234, `-1.5` gives -1, `1e300` gives
    /// `i64::MAX`). For NumericDate claims (RFC 7519 §2: seconds, "non-integer values can be
    /// represented"): the same as `as_f64()? as i64` except that no precision is lost above
    /// 2^53, and no float code is linked.
    pub fn integer_part(&self) -> i64 {
        let text = match &self.0 {
            N::Pos(u) => return i64::try_from(*u).unwrap_or(i64::MAX),
            N::Neg(i) => return *i,
            N::Text(t) => t,
        };
        let dec = Decimal::of(text);
        let saturated = if dec.negative { i64::MIN } else { i64::MAX };
        if dec.is_zero() || dec.point <= 0 {
            return 0;
        }
        // The first digit is significant, so 20 or more integer digits exceed the i64 range.
        if dec.point > 19 {
            return saturated;
        }
        let mut digits = dec.digits();
        let mut magnitude: u64 = 0;
        for _ in 0..dec.point {
            let d = u64::from(digits.next().unwrap_or(b'0') - b'0');
            magnitude = match magnitude.checked_mul(10).and_then(|m| m.checked_add(d)) {
                Some(m) => m,
                None => return saturated,
            };
        }
        if dec.negative {
            0i64.checked_sub_unsigned(magnitude).unwrap_or(i64::MIN)
        } else {
            i64::try_from(magnitude).unwrap_or(i64::MAX)
        }
    }

    /// Appends the number's JSON text.
    pub(crate) fn write(&self, out: &mut String) {
        match &self.0 {
            N::Pos(u) => push_u64(out, *u),
            N::Neg(i) => {
                out.push('-');
                push_u64(out, i.unsigned_abs());
            }
            N::Text(t) => out.push_str(t),
        }
    }
}

/// Appends the decimal digits of `n` (no core::fmt: its integer formatting is larger).
fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut start = buf.len();
    for slot in buf.iter_mut().rev() {
        // `n % 10` is below 10, so the cast cannot truncate.
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
        start -= 1;
        if n == 0 {
            break;
        }
    }
    for &b in buf.get(start..).unwrap_or_default() {
        out.push(char::from(b));
    }
}

/// Equality as serde_json's: integers by value, other numbers by exact decimal value (`1.5`
/// equals `15e-1`; `0.0` equals `-0`), never an integer with a non-integer (`1` ≠ `1.0`).
/// serde_json compares the nearest f64s instead, so two texts that differ beyond 17 significant
/// digits are equal there and not here.
impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        match (&self.0, &other.0) {
            (N::Pos(a), N::Pos(b)) => a == b,
            (N::Neg(a), N::Neg(b)) => a == b,
            (N::Text(a), N::Text(b)) => {
                let (a, b) = (Decimal::of(a), Decimal::of(b));
                if a.is_zero() || b.is_zero() {
                    return a.is_zero() && b.is_zero();
                }
                let (mut da, mut db) = (a.digits(), b.digits());
                a.negative == b.negative
                    && a.point == b.point
                    && core::iter::from_fn(|| match (da.next(), db.next()) {
                        (None, None) => None,
                        (x, y) => Some(x.unwrap_or(b'0') == y.unwrap_or(b'0')),
                    })
                    .all(|same| same)
            }
            _ => false,
        }
    }
}

/// Reflexive: there is no NaN to compare.
impl Eq for Number {}

/// Writes the JSON text of the number.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write(&mut s);
        f.write_str(&s)
    }
}

macro_rules! from_unsigned {
    ($($t:ty)*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Number {
                Number(N::Pos(u64::from(n)))
            }
        }
    )*};
}
from_unsigned!(u8 u16 u32 u64);

macro_rules! from_signed {
    ($($t:ty)*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Number {
                let n = i64::from(n);
                match u64::try_from(n) {
                    Ok(u) => Number(N::Pos(u)),
                    Err(_) => Number(N::Neg(n)),
                }
            }
        }
    )*};
}
from_signed!(i8 i16 i32 i64);

impl From<usize> for Number {
    fn from(n: usize) -> Number {
        // usize is at most 64 bits on every target Rust supports.
        Number(N::Pos(u64::try_from(n).unwrap_or(u64::MAX)))
    }
}

impl From<isize> for Number {
    fn from(n: isize) -> Number {
        Number::from(i64::try_from(n).unwrap_or(i64::MIN))
    }
}

/// The parser's integer classification (serde_json's): `None` when the text must be kept.
pub(crate) fn integer(negative: bool, digits: &[u8]) -> Option<Number> {
    let mut magnitude: u64 = 0;
    for &b in digits {
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(u64::from(b.wrapping_sub(b'0')))?;
    }
    match (negative, magnitude) {
        (false, u) => Some(Number(N::Pos(u))),
        // `-0` is a float in serde_json (it reads as -0.0).
        (true, 0) => None,
        (true, u) => 0i64.checked_sub_unsigned(u).map(|i| Number(N::Neg(i))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Number {
        Number::from_text(t).unwrap()
    }

    #[test]
    fn overflow_constant_is_two_to_the_1024_minus_two_to_the_970() {
        // Little-endian decimal digits of 2^1024 and 2^970, then their difference.
        let power = |e: u32| {
            let mut digits = vec![1u8];
            for _ in 0..e {
                let mut carry = 0;
                for d in digits.iter_mut() {
                    let v = *d * 2 + carry;
                    *d = v % 10;
                    carry = v / 10;
                }
                if carry > 0 {
                    digits.push(carry);
                }
            }
            digits
        };
        let (big, small) = (power(1024), power(970));
        let mut sum = Vec::new();
        let mut borrow = 0i8;
        for (i, &d) in big.iter().enumerate() {
            let mut v = d as i8 - small.get(i).copied().unwrap_or(0) as i8 - borrow;
            borrow = i8::from(v < 0);
            if v < 0 {
                v += 10;
            }
            sum.push(v as u8);
        }
        while sum.last() == Some(&0) {
            sum.pop();
        }
        let s: String = sum.iter().rev().map(|d| char::from(b'0' + d)).collect();
        assert_eq!(s.as_bytes(), OVERFLOW);
    }

    #[test]
    fn numbers_beyond_f64_range_are_refused_and_the_largest_finite_ones_are_not() {
        for ok in ["1e308", "1.7976931348623157e308", "-1.7976931348623157e308", "1e-400",
            "0e999999999999999999999", "0.000e400", "17976931348623158e292", "1.7976931348623158e308"] {
            assert!(Number::from_text(ok).is_some(), "{ok}");
        }
        for bad in ["1e309", "2e308", "-1e400", "1.797693134862315807937289714053034150799341327100378269361737789804449682927647509466490179775872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548458177115317644757302700698555713669596228429148198608349364752927190741684443655107043427115596995080930428801779041744977920e308",
            "1.7976931348623159e308", "1e99999999999999999999999", "0.0001e313"] {
            assert!(Number::from_text(bad).is_none(), "{bad}");
        }
        // Exactly one digit above the boundary's last digit, and the boundary itself.
        let boundary = core::str::from_utf8(OVERFLOW).unwrap();
        assert!(Number::from_text(boundary).is_none());
        let below = format!("{}1", &boundary[..308]);
        assert!(Number::from_text(&below).is_some());
        assert_eq!(below.parse::<f64>().unwrap(), f64::MAX);
    }

    #[test]
    fn integer_part_of_fractional_numeric_dates_is_exact() {
        for (t, want) in [("1234.5", 1234), ("1.2345e3", 1234), ("-1.5", -1), ("0.9", 0),
            ("-0", 0), ("1e300", i64::MAX), ("-1e300", i64::MIN), ("1e-300", 0),
            ("9223372036854775807.9", i64::MAX), ("9223372036854775808.0", i64::MAX),
            ("-9223372036854775808.5", i64::MIN), ("-9223372036854775809.5", i64::MIN),
            ("9007199254740993.5", 9_007_199_254_740_993), ("0.00012e5", 12),
            ("123456e-3", 123), ("18446744073709551616", i64::MAX), ("1E+2", 100)] {
            assert_eq!(text(t).integer_part(), want, "{t}");
        }
        assert_eq!(Number::from(u64::MAX).integer_part(), i64::MAX);
        assert_eq!(Number::from(-7i32).integer_part(), -7);
    }

    #[test]
    fn equality_is_by_exact_decimal_value() {
        assert_eq!(text("1.5"), text("15e-1"));
        assert_eq!(text("1.50"), text("0.015E2"));
        assert_eq!(text("0.0"), text("-0"));
        assert_ne!(text("1.5"), text("-1.5"));
        assert_ne!(text("1.5"), text("1.51"));
        assert_ne!(text("1.0"), Number::from(1u8));
        assert_eq!(Number::from(-3i64), Number::from(-3i8));
        assert_eq!(Number::from_f64(1.5).unwrap(), text("1.5"));
    }

    #[test]
    fn integers_are_classified_as_serde_json_does() {
        assert_eq!(integer(false, b"18446744073709551615").unwrap().as_u64(), Some(u64::MAX));
        assert!(integer(false, b"18446744073709551616").is_none());
        assert_eq!(integer(true, b"9223372036854775808").unwrap().as_i64(), Some(i64::MIN));
        assert!(integer(true, b"9223372036854775809").is_none());
        assert!(integer(true, b"0").is_none());
        let mut s = String::new();
        Number::from(i64::MIN).write(&mut s);
        Number::from(0u8).write(&mut s);
        assert_eq!(s, "-92233720368547758080");
    }
}
