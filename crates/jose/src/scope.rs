//! OAuth 2.0 scope values, split exactly as RFC 6749 §3.3 defines them:
//!
//! ```text
//! scope       = scope-token *( SP scope-token )
//! scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
//! ```
//!
//! Why exact: the gateway forwards the scopes it verified, and an upstream splits them again. If
//! the two splits differ (a tab or newline read as a separator upstream, `"read\tmcp:admin"`
//! one scope here and two there), the upstream acts on scopes that were never checked. So a
//! value that breaks the grammar is refused, never repaired: leading, trailing or doubled
//! spaces are refused too, since the grammar has no empty scope-token and a silent repair is
//! a second reading of the same bytes. The one leniency: an empty string is no scope at all
//! (some providers send `"scope": ""` when nothing was granted; it grants nothing either way).

/// True when `token` is one RFC 6749 §3.3 scope-token: one or more of the printable ASCII
/// characters other than space, `"` and `\`.
pub fn is_scope_token(token: &str) -> bool {
    !token.is_empty()
        && token
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// Splits a space-delimited scope string (RFC 6749 §3.3); `None` when it breaks the grammar.
/// `""` is an empty list.
pub(crate) fn split(scope: &str) -> Option<Vec<String>> {
    if scope.is_empty() {
        return Some(Vec::new());
    }
    scope
        .split(' ')
        .map(|token| is_scope_token(token).then(|| token.to_owned()))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        assert_eq!(split("read write").unwrap(), ["read", "write"]);
        assert_eq!(split("a").unwrap(), ["a"]);
        assert_eq!(split("").unwrap(), Vec::<String>::new());
        assert_eq!(
            split("mcp:tools https://api.example/x!#$%&'()*+,-./[]^_`{|}~").unwrap(),
            ["mcp:tools", "https://api.example/x!#$%&'()*+,-./[]^_`{|}~"]
        );
        for bad in [
            " read",
            "read ",
            "read  write",
            " ",
            "read\twrite",
            "read\nwrite",
            "read\r\nwrite",
            "read\u{a0}write",
            "r\"ead",
            "r\\ead",
            "lecture:écrire",
            "read\u{0}",
            "read\u{7f}",
        ] {
            assert_eq!(split(bad), None, "{bad:?}");
        }
        assert!(is_scope_token("!"));
        assert!(!is_scope_token(""));
        assert!(!is_scope_token("a b"));
    }
}
