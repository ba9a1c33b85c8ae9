//! RFC 8259 conformance: the RFC's own examples, JSONTestSuite-style `y_` (must accept) and
//! `n_` (must refuse) documents written for this crate, depth and duplicate rules, and the
//! cost of attacker-sized documents. Each case is also checked against serde_json, whose
//! reading the gateway's normalised bodies must match.

use json::{parse, Duplicates, Fault, Value};
use std::time::{Duration, Instant};

fn ours(doc: &[u8]) -> Result<Value, Fault> {
    parse(doc, usize::MAX, Duplicates::KeepLast).map(|(v, _)| v)
}

/// Our value, written and read back by serde_json, equals serde_json's own reading.
fn agrees_with_serde_json(doc: &[u8], v: &Value) -> bool {
    let theirs: serde_json::Value = serde_json::from_slice(doc).unwrap();
    let ours_read_by_them: serde_json::Value =
        serde_json::from_slice(&json::to_vec(v).unwrap()).unwrap();
    ours_read_by_them == theirs
}

/// Must be accepted, by us and by serde_json, with the same reading.
const ACCEPT: &[(&str, &[u8])] = &[
    ("y_rfc8259_13_image_object", br#"{
        "Image": {
            "Width":  800,
            "Height": 600,
            "Title":  "View from 15th Floor",
            "Thumbnail": {
                "Url":    "http://www.example.com/image/481989943",
                "Height": 125,
                "Width":  100
            },
            "Animated" : false,
            "IDs": [116, 943, 234, 38793]
          }
      }"#),
    ("y_rfc8259_13_array_of_objects", br#"[
        {
           "precision": "zip",
           "Latitude":  37.7668,
           "Longitude": -122.3959,
           "Address":   "",
           "City":      "SAN FRANCISCO",
           "State":     "CA",
           "Zip":       "94107",
           "Country":   "US"
        },
        {
           "precision": "zip",
           "Latitude":  37.371991,
           "Longitude": -122.026020,
           "Address":   "",
           "City":      "SUNNYVALE",
           "State":     "CA",
           "Zip":       "94085",
           "Country":   "US"
        }
      ]"#),
    ("y_rfc8259_13_scalar_string", br#""Hello world!""#),
    ("y_rfc8259_13_scalar_number", b"42"),
    ("y_rfc8259_13_scalar_true", b"true"),
    ("y_top_false", b"false"),
    ("y_top_null", b"null"),
    ("y_whitespace_all_four_around_and_inside", b" \t\r\n[ 1 ,\t{ \"a\" : null } ]\n\r\t "),
    ("y_empty_object", b"{}"),
    ("y_empty_array", b"[]"),
    ("y_nested_empty", b"[[[]],{},[{}]]"),
    ("y_string_all_short_escapes", br#""\"\\\/\b\f\n\r\t""#),
    ("y_string_u_escape_bmp", br#""\u00e9\u20AC\uFFFF""#),
    ("y_string_u_escape_nul", br#""a\u0000b""#),
    ("y_string_surrogate_pair", br#""\ud83d\ude00\uD834\uDD1E""#),
    ("y_string_raw_utf8", "\"é€😀\u{10ffff}\"".as_bytes()),
    ("y_string_raw_del_and_u2028", "\"\x7f\u{2028}\u{2029}\"".as_bytes()),
    ("y_string_escaped_then_raw", br#""a\nb\u0041c""#),
    ("y_object_name_empty", br#"{"":1}"#),
    ("y_object_names_differ_only_by_case", br#"{"a":1,"A":2}"#),
    ("y_object_repeated_name_kept_last", br#"{"a":1,"b":2,"a":3}"#),
    ("y_object_repeated_escaped_name", br#"{"alg":"none","\u0061lg":"RS256"}"#),
    ("y_number_zero", b"0"),
    ("y_number_minus_zero", b"-0"),
    ("y_number_minus_zero_point_zero", b"-0.0"),
    ("y_number_fraction", b"0.5"),
    ("y_number_exponents", b"[1e1,1E1,1e+1,1e-1,1E-01,0e0,-1.5e300]"),
    ("y_number_u64_max", b"18446744073709551615"),
    ("y_number_past_u64_is_float", b"18446744073709551616"),
    ("y_number_i64_min", b"-9223372036854775808"),
    ("y_number_past_i64_min_is_float", b"-9223372036854775809"),
    ("y_number_long_integer", b"123456789012345678901234567890"),
    ("y_number_f64_max", b"1.7976931348623157e308"),
    ("y_number_underflow_to_zero", b"1e-400"),
    ("y_number_many_fraction_digits", b"0.1000000000000000055511151231257827021181583404541015625"),
];

/// Must be refused (Syntax unless noted), by us and by serde_json.
const REFUSE: &[(&str, &[u8])] = &[
    ("n_empty_document", b""),
    ("n_whitespace_only", b" \n"),
    ("n_trailing_comma_array", b"[1,]"),
    ("n_trailing_comma_object", br#"{"a":1,}"#),
    ("n_leading_comma", b"[,1]"),
    ("n_double_comma", b"[1,,2]"),
    ("n_missing_comma", b"[1 2]"),
    ("n_missing_colon", br#"{"a" 1}"#),
    ("n_missing_value", br#"{"a":}"#),
    ("n_unquoted_name", b"{a:1}"),
    ("n_number_name", b"{1:1}"),
    ("n_single_quotes", b"['a']"),
    ("n_colon_in_array", b"[1:2]"),
    ("n_line_comment", b"[1]//c"),
    ("n_block_comment", b"/*c*/[1]"),
    ("n_leading_zero", b"01"),
    ("n_negative_leading_zero", b"-01"),
    ("n_double_zero", b"00"),
    ("n_plus_sign", b"+1"),
    ("n_fraction_without_int", b".5"),
    ("n_fraction_without_digits", b"1."),
    ("n_exponent_without_digits", b"1e"),
    ("n_exponent_sign_only", b"1e+"),
    ("n_hex_number", b"0x1"),
    ("n_minus_alone", b"-"),
    ("n_minus_space_digit", b"- 1"),
    ("n_nan", b"NaN"),
    ("n_infinity", b"Infinity"),
    ("n_minus_infinity", b"-Infinity"),
    ("n_number_beyond_f64", b"1e400"),
    ("n_negative_number_beyond_f64", b"[-1e400]"),
    ("n_integer_beyond_f64", &[b'9'; 400]),
    ("n_truncated_true", b"tru"),
    ("n_truncated_null", b"[nul]"),
    ("n_capitalised_literal", b"True"),
    ("n_upper_null", b"NULL"),
    ("n_form_feed_whitespace", b"\x0c[1]"),
    ("n_vertical_tab_whitespace", b"[1\x0b]"),
    ("n_no_break_space_whitespace", "\u{a0}[1]".as_bytes()),
    ("n_byte_order_mark", b"\xef\xbb\xbf{}"),
    ("n_trailing_garbage", b"[1] x"),
    ("n_extra_close_brace", b"{}}"),
    ("n_extra_close_bracket", b"[1]]"),
    ("n_two_values", b"1 2"),
    ("n_trailing_nul", b"[1]\x00"),
    ("n_utf16_be", b"\x00[\x001\x00]"),
    ("n_unclosed_array", b"[1"),
    ("n_open_bracket", b"["),
    ("n_open_brace", b"{"),
    ("n_unclosed_object", br#"{"a":1"#),
    ("n_unterminated_string", b"\"abc"),
    ("n_raw_control_in_string", b"\"a\x01\""),
    ("n_raw_tab_in_string", b"\"\t\""),
    ("n_raw_newline_in_string", b"\"\n\""),
    ("n_unknown_escape", br#""\x41""#),
    ("n_escaped_apostrophe", br#""\'""#),
    ("n_upper_u_escape", br#""\U0041""#),
    ("n_short_u_escape", br#""\u12""#),
    ("n_non_hex_u_escape", br#""\u12g4""#),
    ("n_lone_high_surrogate", br#""\ud800""#),
    ("n_lone_low_surrogate", br#""\udc00""#),
    ("n_high_surrogate_then_bmp_escape", br#""\ud800\u0041""#),
    ("n_high_surrogate_then_char", br#""\ud800x""#),
    ("n_two_high_surrogates", br#""\ud800\ud800""#),
    ("n_lone_surrogate_as_name", br#"{"\udfff":1}"#),
    ("n_invalid_utf8_byte", b"\"\xff\""),
    ("n_overlong_utf8", b"\"\xc0\xaf\""),
    ("n_utf8_encoded_surrogate", b"\"\xed\xa0\x80\""),
    ("n_truncated_utf8", b"\"\xe2\x82\""),
    ("n_utf8_continuation_alone", b"\"\x80\""),
    ("n_utf8_beyond_u10ffff", b"\"\xf4\x90\x80\x80\""),
    ("n_raw_utf8_outside_string", "[1]é".as_bytes()),
];

#[test]
fn rfc8259_examples_and_y_cases_are_read_as_serde_json_reads_them() {
    for (name, doc) in ACCEPT {
        let v = ours(doc).unwrap_or_else(|f| panic!("{name}: refused, {f:?}"));
        assert!(agrees_with_serde_json(doc, &v), "{name}");
    }
}

#[test]
fn n_cases_are_refused_as_serde_json_refuses_them() {
    for (name, doc) in REFUSE {
        assert_eq!(ours(doc), Err(Fault::Syntax), "{name}");
        assert!(serde_json::from_slice::<serde_json::Value>(doc).is_err(), "{name}: serde_json accepts");
    }
}

#[test]
fn strings_decode_escapes_and_surrogate_pairs() {
    let v = ours(br#"["\"\\\/\b\f\n\r\t", "\u00e9\ud83d\ude00", "x\u0000y"]"#).unwrap();
    assert_eq!(v[0], "\"\\/\u{8}\u{c}\n\r\t");
    assert_eq!(v[1], "é😀");
    assert_eq!(v[2], "x\0y");
}

#[test]
fn writing_escapes_as_serde_json_and_keeps_number_text() {
    let doc = br#"{"b":"\u0001\u001f\"\\/\u007f","a":[1.50,-0,1E2,18446744073709551616]}"#;
    let v = ours(doc).unwrap();
    assert_eq!(
        json::to_string(&v).unwrap(),
        concat!(r#"{"b":"\u0001\u001f\"\\/"#, "\x7f", r#"","a":[1.50,-0,1E2,18446744073709551616]}"#)
    );
}

#[test]
fn repeated_names_are_refused_or_kept_last_in_first_position() {
    let doc = br#"{"a":1,"b":{"x":1,"x":2},"a":3}"#;
    assert_eq!(parse(doc, 8, Duplicates::Refuse), Err(Fault::Duplicate));
    let (v, repeated) = parse(doc, 8, Duplicates::KeepLast).unwrap();
    assert!(repeated);
    assert_eq!(json::to_string(&v).unwrap(), r#"{"a":3,"b":{"x":2}}"#);
    assert!(agrees_with_serde_json(doc, &v));
    // A refused duplicate wins over a later syntax error? No: the document is read in order,
    // and the duplicate is only known when its object closes.
    assert_eq!(parse(br#"{"a":1,"a":2"#, 8, Duplicates::Refuse), Err(Fault::Syntax));
}

#[test]
fn nesting_stops_where_serde_json_stops() {
    for depth in [126, 127, 128, 129] {
        let doc = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let theirs = serde_json::from_str::<serde_json::Value>(&doc).is_ok();
        let mine = parse(doc.as_bytes(), usize::MAX, Duplicates::KeepLast);
        assert_eq!(mine.is_ok(), theirs, "{depth}");
        if !theirs {
            assert_eq!(mine, Err(Fault::TooDeep));
        }
        let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        let theirs = serde_json::from_str::<serde_json::Value>(&objects).is_ok();
        assert_eq!(ours(objects.as_bytes()).is_ok(), theirs, "{depth} objects");
    }
    assert_eq!(json::from_slice::<Value>(b"[[1]]").unwrap(), json::json!([[1]]));
}

#[test]
fn hostile_nesting_of_ten_thousand_levels_is_refused_without_recursing() {
    let doc = "[".repeat(10_000);
    assert_eq!(parse(doc.as_bytes(), usize::MAX, Duplicates::Refuse), Err(Fault::TooDeep));
    let doc = "{\"a\":".repeat(10_000);
    assert_eq!(parse(doc.as_bytes(), usize::MAX, Duplicates::KeepLast), Err(Fault::TooDeep));
}

/// Generous for a debug build on a loaded, shared machine (measured: 0.15–0.35 s per case
/// there); a quadratic duplicate check takes minutes at these sizes.
const LIMIT: Duration = Duration::from_secs(2);

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

#[test]
fn a_hundred_thousand_members_parse_in_linearithmic_time() {
    let members: Vec<String> = (0..100_000).map(|i| format!("\"k{i}\":{i}")).collect();
    let doc = format!("{{{}}}", members.join(","));
    let (v, took) = timed(|| parse(doc.as_bytes(), 4, Duplicates::Refuse));
    assert_eq!(v.unwrap().0.as_object().unwrap().len(), 100_000);
    assert!(took < LIMIT, "{took:?}");

    // The same name 100 000 times: one survivor, the last value.
    let same = format!("{{{}}}", vec!["\"k\":1"; 99_999].join(",") + ",\"k\":2");
    let (v, took) = timed(|| parse(same.as_bytes(), 4, Duplicates::KeepLast));
    let (v, repeated) = v.unwrap();
    assert!(repeated);
    assert_eq!(json::to_string(&v).unwrap(), r#"{"k":2}"#);
    assert!(took < LIMIT, "{took:?}");
    let (v, took) = timed(|| parse(same.as_bytes(), 4, Duplicates::Refuse));
    assert_eq!(v, Err(Fault::Duplicate));
    assert!(took < LIMIT, "{took:?}");

    // One duplicate at the far end of a wide object.
    let late = doc.replacen("\"k99999\"", "\"k0\"", 1);
    let (v, took) = timed(|| parse(late.as_bytes(), 4, Duplicates::Refuse));
    assert_eq!(v, Err(Fault::Duplicate));
    assert!(took < LIMIT, "{took:?}");
}

#[test]
fn long_strings_and_arrays_parse_in_linear_time() {
    let escaped = format!("\"{}\"", "\\u00e9\\n".repeat(200_000));
    let (v, took) = timed(|| ours(escaped.as_bytes()));
    assert_eq!(v.unwrap().as_str().map(str::len), Some(600_000));
    assert!(took < LIMIT, "{took:?}");
    let array = format!("[{}0]", "0,".repeat(500_000));
    let (v, took) = timed(|| ours(array.as_bytes()));
    assert_eq!(v.unwrap().as_array().map(Vec::len), Some(500_001));
    assert!(took < LIMIT, "{took:?}");
}
