//! The policy language (`auth_policy`) and its parser.
//!
//! ```text
//! policy     = item *( ( ";" / LF ) item )          ; empty items are skipped
//! item       = rule / "default" SP ( "allow" / "deny" )
//! rule       = target "->" grant [ SP "if" SP condition *( SP "and" SP condition ) ]
//! target     = method-glob [ ":" name-glob ]        ; no whitespace; split at the first ":"
//! grant      = "allow" / "deny" / scope *( SP scope ) ; scope: RFC 6749 §3.3 scope-token
//! condition  = claim ( "=" / "~" ) value           ; value: bare word or "quoted words"
//! ```
//!
//! Example: `tools/call:delete_* -> mcp:admin; tools/call -> mcp:write; * -> mcp:read`.
//!
//! The parser is zero-copy: a [`Policy`] is a vector of [`Rule`]s whose fields are slices of
//! the variable's text, validated once so that evaluation ([`super::matcher`]) can re-split them
//! without failing. Spin keeps no state between requests, so this runs on every request: one
//! pass over the text, one allocation (the rule vector).

pub use super::error::{Fault, SyntaxError};

/// At most this many items (rules and `default`): a bound on parse and evaluation work.
pub const MAX_RULES: usize = 256;

/// Methods that are always allowed, whatever the policy says: the lifecycle (`initialize`,
/// MCP 2025-06-18/2025-11-25 basic/lifecycle) and `ping` (basic/utilities/ping) carry no
/// operation to authorize, and notifications (JSON-RPC 2.0 §4.1) get no answer to deny with.
pub fn always_allowed(method: &str) -> bool {
    method == "initialize" || method == "ping" || method.starts_with("notifications/")
}

/// The methods whose target has a name: `tools/call` and `prompts/get` (`params.name`),
/// `resources/read` (`params.uri`), as mirrored in `Mcp-Name` (MCP 2026-07-28
/// basic/transports/streamable-http §Standard Request Headers).
pub fn name_member(method: &str) -> Option<&'static str> {
    match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        _ => None,
    }
}

/// RFC 6749 §3.3 `scope-token`: the jose core's definition, the one tokens are checked with.
pub(super) use jose::is_scope_token;

/// Splits `text` into trimmed, non-empty items (separated by `;` or newlines), numbered from 1.
pub(super) fn items(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = Some(text);
    core::iter::from_fn(move || {
        let s = rest?;
        // Byte-wise: `str::split` with a char pattern decodes UTF-8 on the hot path.
        let (item, next) = match s.bytes().position(|b| b == b';' || b == b'\n') {
            Some(at) => (s.get(..at)?, s.get(at + 1..)),
            None => (s, None),
        };
        rest = next;
        Some(item.trim_ascii())
    })
    .filter(|s| !s.is_empty())
    .zip(1..)
    .map(|(s, i)| (i, s))
}

/// `text` split around the first `byte` (ASCII, so both halves are on char boundaries).
pub(super) fn split_at_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    let at = text.bytes().position(|b| b == byte)?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// `item` split around the first `->`.
fn split_at_arrow(item: &str) -> Option<(&str, &str)> {
    let bytes = item.as_bytes();
    let mut from = 0;
    loop {
        let at = from + bytes.get(from..)?.iter().position(|&b| b == b'>')?;
        if at > 0 && bytes.get(at - 1) == Some(&b'-') {
            return Some((item.get(..at - 1)?, item.get(at + 1..)?));
        }
        from = at + 1;
    }
}

/// Whitespace-separated words of a rule; a `"` starts a quoted run in which whitespace does
/// not split, so `groups~"Domain Admins"` is one word.
#[derive(Clone)]
pub(super) struct Words<'a> {
    rest: &'a str,
}

impl<'a> Words<'a> {
    pub(super) fn new(text: &'a str) -> Words<'a> {
        Words { rest: text }
    }

    /// What follows the last word returned.
    pub(super) fn rest(&self) -> &'a str {
        self.rest
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest.trim_ascii_start();
        if s.is_empty() {
            self.rest = s;
            return None;
        }
        let mut quoted = false;
        let end = s
            .bytes()
            .position(|b| {
                if b == b'"' {
                    quoted = !quoted;
                }
                !quoted && b.is_ascii_whitespace()
            })
            .unwrap_or(s.len());
        // `end` is at an ASCII byte or the end: a char boundary.
        let (word, rest) = s.split_at_checked(end).unwrap_or((s, ""));
        self.rest = rest;
        Some(word)
    }
}

/// How a matching rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Allowed (when the conditions hold).
    Allow,
    /// Never allowed.
    Deny,
    /// Allowed when the caller holds every scope in [`Rule::scopes`] (and the conditions hold).
    Scopes,
}

/// One rule, as slices of the policy text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule<'a> {
    /// Method glob (`tools/call`, `tools/*`, `*`).
    pub method: &'a str,
    /// Name glob, if the rule names one (`delete_*`, `file:///docs/*`).
    pub name: Option<&'a str>,
    /// What the rule grants.
    pub grant: Grant,
    /// With [`Grant::Scopes`]: the text from the first scope on; its words up to `if` are the
    /// scopes (see [`Rule::scope_list`]). Empty otherwise.
    pub scopes: &'a str,
    /// The text after `if` (conditions joined by `and`), or empty.
    pub conditions: &'a str,
}

impl<'a> Rule<'a> {
    /// The rule's scopes, in the order written.
    pub fn scope_list(&self) -> impl Iterator<Item = &'a str> + Clone {
        Words::new(self.scopes).take_while(|w| *w != "if")
    }

    /// The rule's conditions as (claim, operator, value), operator `=` (equals) or `~`
    /// (contains).
    pub fn condition_list(&self) -> impl Iterator<Item = (&'a str, u8, &'a str)> {
        Words::new(self.conditions)
            .filter(|w| *w != "and")
            .filter_map(|w| split_condition(w).ok())
    }
}

/// Splits `CLAIM=VALUE` / `CLAIM~VALUE` (value possibly `"quoted"`) at the first operator.
pub(super) fn split_condition(word: &str) -> Result<(&str, u8, &str), Fault> {
    let at = word
        .bytes()
        .position(|b| b == b'=' || b == b'~')
        .ok_or(Fault::MissingOperator)?;
    let (claim, rest) = word.split_at_checked(at).ok_or(Fault::MissingOperator)?;
    let op = rest.bytes().next().ok_or(Fault::MissingOperator)?;
    let value = rest.get(1..).unwrap_or("");
    if claim.is_empty() {
        return Err(Fault::EmptyClaim);
    }
    if claim.contains('"') {
        return Err(Fault::BadQuote);
    }
    let value = match value.strip_prefix('"') {
        Some(inner) => match inner.strip_suffix('"') {
            Some(v) if !v.contains('"') => v,
            _ => return Err(Fault::BadQuote),
        },
        None if value.contains('"') => return Err(Fault::BadQuote),
        None => value,
    };
    if value.is_empty() {
        return Err(Fault::EmptyValue);
    }
    Ok((claim, op, value))
}

/// A parsed policy: rules in order (first match wins) and the default for unmatched methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy<'a> {
    /// The rules, in the order written.
    pub rules: Vec<Rule<'a>>,
    /// Whether a method no rule matches is allowed. `true` for an empty policy (the feature is
    /// off); otherwise `default allow` or `default deny`, and **deny** when not written.
    pub default_allow: bool,
    active: bool,
}

impl<'a> Policy<'a> {
    /// Parses the text of `variable` (named in errors). Empty text is the inactive policy:
    /// everything allowed, as without per-tool authorization.
    pub fn parse(variable: &'static str, text: &'a str) -> Result<Policy<'a>, SyntaxError<'a>> {
        let mut rules = Vec::new();
        let mut default = None;
        let mut active = false;
        for (index, item) in items(text) {
            active = true;
            let error = |fault| SyntaxError {
                variable,
                index,
                text: item,
                fault,
            };
            if index > MAX_RULES {
                return Err(error(Fault::TooManyRules));
            }
            let mut words = Words::new(item);
            if words.next() == Some("default") {
                let allow = match (words.next(), words.next()) {
                    (Some("allow"), None) => true,
                    (Some("deny"), None) => false,
                    _ => return Err(error(Fault::BadDefault)),
                };
                if default.replace(allow).is_some() {
                    return Err(error(Fault::DuplicateDefault));
                }
                continue;
            }
            rules.push(parse_rule(item).map_err(error)?);
        }
        Ok(Policy {
            rules,
            default_allow: default.unwrap_or(!active),
            active,
        })
    }

    /// Whether the policy says anything. An inactive policy allows everything, so the
    /// pipeline may skip body parsing and list filtering altogether.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Every scope the rules mention, each once, in order of appearance: for `scopes_supported`
    /// (RFC 9728 §2), together with the server-wide required scopes.
    pub fn scopes(&self) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = Vec::new();
        for scope in self.rules.iter().flat_map(|r| r.scope_list()) {
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
        out
    }
}

fn parse_rule(item: &str) -> Result<Rule<'_>, Fault> {
    let (target, rhs) = split_at_arrow(item).ok_or(Fault::MissingArrow)?;
    let target = target.trim_ascii();
    if target.is_empty() {
        return Err(Fault::EmptyTarget);
    }
    if target.bytes().any(|b| b.is_ascii_whitespace() || b == b'"') {
        return Err(Fault::SpaceInTarget);
    }
    // Method names never contain `:`; names and URIs may (`file:///x`), so split at the first.
    let (method, name) = match split_at_byte(target, b':') {
        Some((m, n)) => (m, Some(n)),
        None => (target, None),
    };
    if method.is_empty() {
        return Err(Fault::EmptyMethod);
    }
    if name == Some("") {
        return Err(Fault::EmptyName);
    }
    let literal = !method.contains('*');
    if literal && always_allowed(method) {
        return Err(Fault::AlwaysAllowed);
    }
    if literal && name.is_some() && name_member(method).is_none() {
        return Err(Fault::NameOnUnnamedMethod);
    }

    let mut words = Words::new(rhs);
    let grant = match words.next() {
        None | Some("if") => return Err(Fault::MissingGrant),
        Some("allow") => Grant::Allow,
        Some("deny") => Grant::Deny,
        Some(scope) => {
            check_scope(scope)?;
            Grant::Scopes
        }
    };
    let scopes = if grant == Grant::Scopes {
        rhs.trim_ascii_start()
    } else {
        ""
    };
    let mut conditions = None;
    while let Some(word) = words.next() {
        if word == "if" {
            conditions = Some(words.rest());
            break;
        }
        if grant != Grant::Scopes || word == "allow" || word == "deny" {
            return Err(Fault::KeywordWithScopes);
        }
        check_scope(word)?;
    }
    if let Some(text) = conditions {
        check_conditions(text, grant)?;
    }
    Ok(Rule {
        method,
        name,
        grant,
        scopes,
        conditions: conditions.unwrap_or(""),
    })
}

fn check_scope(scope: &str) -> Result<(), Fault> {
    if !is_scope_token(scope) {
        Err(Fault::InvalidScope)
    } else if scope == "offline_access" {
        Err(Fault::OfflineAccess)
    } else {
        Ok(())
    }
}

/// Checks the text after `if`: `CONDITION *( "and" CONDITION )`.
fn check_conditions(text: &str, grant: Grant) -> Result<(), Fault> {
    let mut words = Words::new(text);
    let first = words.next().ok_or(Fault::EmptyCondition)?;
    if grant == Grant::Deny {
        return Err(Fault::ConditionOnDeny);
    }
    split_condition(first)?;
    while let Some(word) = words.next() {
        if word != "and" {
            return Err(Fault::ExpectedAnd);
        }
        split_condition(words.next().ok_or(Fault::EmptyCondition)?)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn fault(text: &str) -> Fault {
        Policy::parse("auth_policy", text).unwrap_err().fault
    }

    #[test]
    fn parses_rules_in_order_with_default() {
        let p = Policy::parse(
            "auth_policy",
            "tools/call:delete_* -> mcp:admin;\n tools/call -> mcp:write mcp:read if groups~\"Tool Users\" and tenant=acme;\
             resources/read:file:///public/* -> allow; tools/call:shutdown -> deny; default allow;",
        )
        .unwrap();
        assert!(p.is_active() && p.default_allow);
        assert_eq!(p.rules.len(), 4);
        assert_eq!(
            (p.rules[0].method, p.rules[0].name),
            ("tools/call", Some("delete_*"))
        );
        assert_eq!(
            p.rules[1].scope_list().collect::<Vec<_>>(),
            ["mcp:write", "mcp:read"]
        );
        assert_eq!(
            p.rules[1].condition_list().collect::<Vec<_>>(),
            [("groups", b'~', "Tool Users"), ("tenant", b'=', "acme")]
        );
        assert_eq!(p.rules[2].name, Some("file:///public/*"));
        assert_eq!(p.rules[2].grant, Grant::Allow);
        assert_eq!(p.rules[3].grant, Grant::Deny);
        assert_eq!(p.scopes(), ["mcp:admin", "mcp:write", "mcp:read"]);
    }

    #[test]
    fn empty_policy_is_inactive_and_allows_written_policy_denies_by_default() {
        let p = Policy::parse("auth_policy", " ; \n ").unwrap();
        assert!(!p.is_active() && p.default_allow);
        let p = Policy::parse("auth_policy", "tools/list -> mcp:read").unwrap();
        assert!(p.is_active() && !p.default_allow);
        let p = Policy::parse("auth_policy", "default deny").unwrap();
        assert!(p.is_active() && !p.default_allow && p.rules.is_empty());
    }

    #[test]
    fn arrow_without_spaces_and_allow_with_condition() {
        let p = Policy::parse(
            "auth_policy",
            "tools/call:x->a:b;tools/*->allow if admin=true",
        )
        .unwrap();
        assert_eq!(p.rules[0].scope_list().collect::<Vec<_>>(), ["a:b"]);
        assert_eq!(p.rules[1].condition_list().count(), 1);
    }

    #[test]
    fn every_syntax_error_is_named() {
        let cases: &[(&str, Fault)] = &[
            ("tools/call mcp:read", Fault::MissingArrow),
            (" -> mcp:read", Fault::EmptyTarget),
            ("tools/call: x -> a", Fault::SpaceInTarget),
            ("tools/call:\"x\" -> a", Fault::SpaceInTarget),
            (":x -> a", Fault::EmptyMethod),
            ("tools/call: -> a", Fault::EmptyName),
            ("tools/list:x -> a", Fault::NameOnUnnamedMethod),
            ("initialize -> a", Fault::AlwaysAllowed),
            ("notifications/initialized -> a", Fault::AlwaysAllowed),
            ("tools/call ->", Fault::MissingGrant),
            ("tools/call -> if a=b", Fault::MissingGrant),
            ("tools/call -> a\\b", Fault::InvalidScope),
            ("tools/call -> a \"b\"", Fault::InvalidScope),
            ("tools/call -> offline_access", Fault::OfflineAccess),
            ("tools/call -> allow mcp:read", Fault::KeywordWithScopes),
            ("tools/call -> mcp:read deny", Fault::KeywordWithScopes),
            ("tools/call -> deny if a=b", Fault::ConditionOnDeny),
            ("tools/call -> a if", Fault::EmptyCondition),
            ("tools/call -> a if x=y and", Fault::EmptyCondition),
            ("tools/call -> a if x=y z=w", Fault::ExpectedAnd),
            ("tools/call -> a if groups", Fault::MissingOperator),
            ("tools/call -> a if =x", Fault::EmptyClaim),
            ("tools/call -> a if x~", Fault::EmptyValue),
            ("tools/call -> a if x=\"\"", Fault::EmptyValue),
            ("tools/call -> a if x=\"ab", Fault::BadQuote),
            ("tools/call -> a if x=a\"b\"", Fault::BadQuote),
            ("default maybe", Fault::BadDefault),
            ("default allow now", Fault::BadDefault),
            ("default allow; default deny", Fault::DuplicateDefault),
        ];
        for (text, expected) in cases {
            assert_eq!(fault(text), *expected, "{text}");
        }
        let many = "tools/call -> a;".repeat(MAX_RULES + 1);
        assert_eq!(fault(&many), Fault::TooManyRules);
    }

    #[test]
    fn glob_methods_may_name_targets() {
        // `tools/*:x` could match tools/call, so it is not refused.
        assert!(Policy::parse("auth_policy", "tools/*:x -> a; *:y -> b").is_ok());
    }
}
