//! `Authorization` header parsing (RFC 6750 §2.1, RFC 9110 §11.6.2): any header list, any bytes.
//!
//! Asserts: no panic; exactly one `Authorization` field yields a token; the token is a
//! non-empty `token68` taken verbatim from that field after a case-insensitive `Bearer`; the
//! rejection's status/code/description are well-formed; the token then parses without panic.
#![no_main]

use gateway::authn::{bearer_token, Rejection};
use jose::{Limits, Token};
use ftl_mcp_authorizer_fuzz::split_at_byte;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // One header per line, `name:value`; the value keeps every byte but LF (CR, NUL, UTF-8 or
    // not), since a header value cannot carry a bare LF past any HTTP parser.
    let headers: Vec<(String, Vec<u8>)> = data
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (name, value) = split_at_byte(line, b':');
            (String::from_utf8_lossy(name).into_owned(), value.to_vec())
        })
        .collect();
    let result = bearer_token(&headers);
    let authorization: Vec<&Vec<u8>> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v)
        .collect();
    match result {
        Ok(token) => {
            assert_eq!(authorization.len(), 1);
            let field = core::str::from_utf8(authorization[0]).expect("token from non-UTF-8 field");
            assert!(!token.is_empty());
            assert!(field.contains(token));
            let scheme = field.trim_start().get(..6).expect("scheme");
            assert!(scheme.eq_ignore_ascii_case("bearer"), "{field:?}");
            let body = token.trim_end_matches('=');
            assert!(!body.is_empty());
            assert!(
                body.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)),
                "{token:?}"
            );
            let _ = Token::parse(token, &Limits::default());
        }
        Err(rejection) => {
            if authorization.is_empty() {
                assert_eq!(rejection, Rejection::MissingToken);
            }
            if authorization.len() > 1 {
                assert_eq!(rejection, Rejection::MultipleAuthorization);
            }
            assert!(matches!(rejection.status(), 400 | 401));
            assert!(!rejection.error_code().is_empty());
            assert!(!rejection.description().is_empty());
        }
    }
});
