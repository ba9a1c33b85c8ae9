//! Differential properties against serde_json: the same documents are read alike (structure,
//! numbers, repeated names kept last), what this crate writes serde_json reads back unchanged
//! and byte for byte as serde_json writes it, mutated documents are accepted or refused alike,
//! and no input makes the parser panic.

use proptest::prelude::*;
use serde_json::Value as Theirs;

use json::{parse, Duplicates, Fault, Value};

/// Floats may differ by an ULP: serde_json's default float parser is not always correctly
/// rounded, Rust's (behind our `as_f64`) is.
fn close(a: f64, b: f64) -> bool {
    a == b || (a.signum() == b.signum() && a.to_bits().abs_diff(b.to_bits()) <= 2)
}

/// Whether our value reads as serde_json's.
fn same(ours: &Value, theirs: &Theirs) -> bool {
    match theirs {
        Theirs::Null => ours.is_null(),
        Theirs::Bool(b) => ours.as_bool() == Some(*b),
        Theirs::String(s) => ours.as_str() == Some(s.as_str()),
        Theirs::Number(n) => match (n.as_u64(), n.as_i64(), ours.as_number()) {
            (Some(u), _, Some(o)) => o.as_u64() == Some(u),
            (None, Some(i), Some(o)) => o.as_i64() == Some(i) && o.as_u64().is_none(),
            (None, None, Some(o)) => {
                o.is_f64() && close(o.as_f64().unwrap_or(f64::NAN), n.as_f64().unwrap_or(0.0))
            }
            (_, _, None) => false,
        },
        Theirs::Array(a) => ours
            .as_array()
            .is_some_and(|o| o.len() == a.len() && o.iter().zip(a).all(|(x, y)| same(x, y))),
        Theirs::Object(m) => ours.as_object().is_some_and(|o| {
            o.len() == m.len() && m.iter().all(|(k, v)| o.get(k).is_some_and(|x| same(x, v)))
        }),
    }
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[ab]{0,2}", 1 => "\\PC{0,6}", 1 => "[\\x00-\\x7f]{0,4}"]
}

fn arb_json() -> impl Strategy<Value = Theirs> {
    let leaf = prop_oneof![
        Just(Theirs::Null),
        any::<bool>().prop_map(Theirs::Bool),
        any::<i64>().prop_map(Theirs::from),
        any::<u64>().prop_map(Theirs::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Theirs::Number)),
        any::<String>().prop_map(Theirs::String),
        "[\\x00-\\x7f]{0,8}".prop_map(Theirs::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Theirs::Array),
            prop::collection::vec((name(), inner), 0..8)
                .prop_map(|m| Theirs::Object(m.into_iter().collect())),
        ]
    })
}

/// Bytes that JSON documents are made of, and a few that they are not.
const TOKENS: &[&str] = &[
    "{", "}", "[", "]", ",", ":", " ", "\n", "\"", "\\", "\"a\"", "\"a\":", "0", "-", "1", "9",
    ".", "e", "E", "+", "1e400", "-0", "true", "false", "null", "tru", "\\u", "\\ud800",
    "\\udc00", "\\u0041", "d800", "\u{e9}", "\x01", "\x7f", "/", "\t", "\u{a0}",
];

fn mutate(text: &[u8], at: usize, op: u8, byte: u8) -> Vec<u8> {
    let mut out = text.to_vec();
    let at = if out.is_empty() { 0 } else { at % (out.len() + 1) };
    match op % 3 {
        0 => out.insert(at, byte),
        1 if at < out.len() => {
            out.remove(at);
        }
        _ if at < out.len() => out[at] = byte,
        _ => out.push(byte),
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// serde_json's output is read as serde_json reads it, and written back byte for byte
    /// (its maps are sorted, so document order is its order; numbers keep their text).
    #[test]
    fn serde_json_output_round_trips_byte_for_byte(v in arb_json()) {
        let text = serde_json::to_string(&v).unwrap();
        let (ours, repeated) = parse(text.as_bytes(), usize::MAX, Duplicates::Refuse).unwrap();
        prop_assert!(!repeated);
        prop_assert!(same(&ours, &v));
        prop_assert_eq!(json::to_string(&ours).unwrap(), text.clone());
        prop_assert_eq!(ours.to_string(), text);
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        prop_assert!(same(&json::from_str::<Value>(&pretty).unwrap(), &v));
    }

    /// A document mutated by one byte is accepted or refused as serde_json does, and read alike.
    #[test]
    fn mutated_documents_are_judged_as_serde_json_judges_them(
        v in arb_json(), at in any::<usize>(), op in any::<u8>(),
        byte in prop_oneof![any::<u8>(), prop::sample::select(b"{}[],:\"\\0-.eE+tfn \x01".to_vec())],
    ) {
        let text = mutate(serde_json::to_string(&v).unwrap().as_bytes(), at, op, byte);
        let theirs = serde_json::from_slice::<Theirs>(&text);
        let ours = parse(&text, usize::MAX, Duplicates::KeepLast);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{}", String::from_utf8_lossy(&text));
        if let (Ok((o, _)), Ok(t)) = (&ours, &theirs) {
            prop_assert!(same(o, t));
            let back: Theirs = serde_json::from_slice(&json::to_vec(o).unwrap()).unwrap();
            prop_assert!(same(o, &back));
        }
    }

    /// Token soup: accepted exactly when serde_json accepts, read alike, never a panic.
    #[test]
    fn token_soup_is_judged_as_serde_json_judges_it(
        tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..24),
    ) {
        let text = tokens.concat();
        let theirs = serde_json::from_str::<Theirs>(&text);
        let ours = parse(text.as_bytes(), usize::MAX, Duplicates::KeepLast);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{}", text);
        if let (Ok((o, _)), Ok(t)) = (&ours, &theirs) {
            prop_assert!(same(o, t));
        }
    }

    /// Arbitrary bytes, every mode and depth: a verdict, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512), depth in 0usize..6) {
        for duplicates in [Duplicates::Refuse, Duplicates::KeepLast] {
            for max in [depth, usize::MAX] {
                if let Ok((v, _)) = parse(&bytes, max, duplicates) {
                    prop_assert!(serde_json::from_slice::<Theirs>(&json::to_vec(&v).unwrap()).is_ok());
                }
            }
        }
        let _ = json::parse_object(&bytes, depth);
    }

    /// Objects with repeated names: refused in one mode, read as serde_json in the other,
    /// and the report of a repeat is exact.
    #[test]
    fn repeated_names_are_found_exactly(
        members in prop::collection::vec(("[abc]|\\\\u0061", any::<i32>()), 0..40),
    ) {
        let body: Vec<String> = members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        let text = format!("{{{}}}", body.join(","));
        let names: std::collections::BTreeSet<&str> =
            members.iter().map(|(k, _)| if k == "\\u0061" { "a" } else { k.as_str() }).collect();
        let has_repeat = names.len() != members.len();
        let refused = parse(text.as_bytes(), 4, Duplicates::Refuse);
        prop_assert_eq!(refused.is_err(), has_repeat);
        if has_repeat {
            prop_assert_eq!(refused, Err(Fault::Duplicate));
        }
        let (ours, repeated) = parse(text.as_bytes(), 4, Duplicates::KeepLast).unwrap();
        prop_assert_eq!(repeated, has_repeat);
        let theirs: Theirs = serde_json::from_str(&text).unwrap();
        prop_assert!(same(&ours, &theirs));
    }

    /// The integer part of `m × 10^e` is exact (checked with i128 arithmetic) and saturates.
    #[test]
    fn integer_part_is_exact(m in 0u64..10_000_000_000, frac in 0u32..1000, e in -25i32..25, neg in any::<bool>()) {
        let text = format!("{}{m}.{frac:03}e{e}", if neg { "-" } else { "" });
        let scaled = i128::from(m) * 1000 + i128::from(frac);
        let shift = e - 3;
        let magnitude = if shift >= 0 {
            10i128.checked_pow(shift.unsigned_abs()).and_then(|p| scaled.checked_mul(p)).unwrap_or(i128::MAX)
        } else {
            10i128.checked_pow(shift.unsigned_abs()).map_or(0, |p| scaled / p)
        };
        let exact = if neg { -magnitude } else { magnitude };
        let want = exact.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        let v: Value = json::from_str(&text).unwrap();
        prop_assert_eq!(v.as_number().unwrap().integer_part(), want, "{}", text);
    }

    /// Below 2^53 (where every f64 text is exact enough), the integer part is `f as i64`.
    #[test]
    fn integer_part_matches_float_truncation(f in -9.0e15f64..9.0e15) {
        let text = serde_json::to_string(&f).unwrap();
        let v: Value = json::from_str(&text).unwrap();
        prop_assert_eq!(v.as_number().unwrap().integer_part(), f as i64, "{}", text);
    }
}
