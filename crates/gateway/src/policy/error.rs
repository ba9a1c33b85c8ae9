//! Syntax errors of `auth_policy` and `auth_scope_implies`: one [`Fault`] per mistake, and a
//! [`SyntaxError`] whose `Display` is the log line of the 500 `server_error` a bad policy
//! causes (fail closed: a policy that does not parse authorizes nothing).

use core::fmt;

/// What a syntax error is, precisely. [`Fault::code`] is the fixed string for log fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A rule without `->`.
    MissingArrow,
    /// Nothing before `->`.
    EmptyTarget,
    /// Whitespace or `"` inside `METHOD:NAME`.
    SpaceInTarget,
    /// `:NAME` with no method before it.
    EmptyMethod,
    /// `METHOD:` with no name after it.
    EmptyName,
    /// A name on a method that has none (only `tools/call`, `resources/read`, `prompts/get`).
    NameOnUnnamedMethod,
    /// A rule for `initialize`, `ping` or `notifications/…`, which are always allowed.
    AlwaysAllowed,
    /// Nothing after `->` (or `if` right after it).
    MissingGrant,
    /// Not an RFC 6749 §3.3 scope token.
    InvalidScope,
    /// `offline_access` as a requirement: it is no resource requirement (MCP 2026-07-28
    /// basic/authorization §Refresh Tokens).
    OfflineAccess,
    /// `allow` or `deny` together with scopes.
    KeywordWithScopes,
    /// `deny if …`: a deny rule has nothing to grant, so no condition.
    ConditionOnDeny,
    /// `if` or `and` with no condition after it.
    EmptyCondition,
    /// Two conditions not joined by `and`.
    ExpectedAnd,
    /// A condition without `=` (equals) or `~` (contains).
    MissingOperator,
    /// A condition with no claim name before the operator.
    EmptyClaim,
    /// A condition with no value after the operator.
    EmptyValue,
    /// A quote that does not enclose the whole value, or is unterminated.
    BadQuote,
    /// `default` followed by something other than `allow` or `deny`.
    BadDefault,
    /// `default` twice.
    DuplicateDefault,
    /// More than [`MAX_RULES`] items.
    TooManyRules,
    /// `auth_scope_implies`: an item without `=`.
    MissingEquals,
    /// `auth_scope_implies`: `SCOPE=` with nothing implied.
    NothingImplied,
}

impl Fault {
    /// A fixed, log-friendly code (`policy_missing_arrow`, ...).
    pub fn code(self) -> &'static str {
        self.text().0
    }

    /// The human explanation for the log line.
    pub fn explanation(self) -> &'static str {
        self.text().1
    }

    fn text(self) -> (&'static str, &'static str) {
        match self {
            Fault::MissingArrow => ("policy_missing_arrow", "expected `METHOD[:NAME] -> SCOPES`"),
            Fault::EmptyTarget => ("policy_empty_target", "nothing before `->`"),
            Fault::SpaceInTarget => (
                "policy_space_in_target",
                "`METHOD:NAME` may not contain spaces or quotes",
            ),
            Fault::EmptyMethod => ("policy_empty_method", "no method before `:`"),
            Fault::EmptyName => ("policy_empty_name", "no name after `:` (use `*` for any)"),
            Fault::NameOnUnnamedMethod => (
                "policy_name_on_unnamed_method",
                "only tools/call, resources/read and prompts/get have a name",
            ),
            Fault::AlwaysAllowed => (
                "policy_always_allowed",
                "initialize, ping and notifications are always allowed",
            ),
            Fault::MissingGrant => (
                "policy_missing_grant",
                "nothing after `->`: write scopes, `allow` or `deny`",
            ),
            Fault::InvalidScope => (
                "policy_invalid_scope",
                "not a scope token (RFC 6749 section 3.3)",
            ),
            Fault::OfflineAccess => (
                "policy_offline_access",
                "offline_access is not a resource scope",
            ),
            Fault::KeywordWithScopes => (
                "policy_keyword_with_scopes",
                "`allow`/`deny` cannot be combined with scopes",
            ),
            Fault::ConditionOnDeny => ("policy_condition_on_deny", "`deny` takes no `if`"),
            Fault::EmptyCondition => (
                "policy_empty_condition",
                "`if`/`and` needs a condition `CLAIM=VALUE` or `CLAIM~VALUE`",
            ),
            Fault::ExpectedAnd => ("policy_expected_and", "join conditions with `and`"),
            Fault::MissingOperator => (
                "policy_missing_operator",
                "a condition is `CLAIM=VALUE` or `CLAIM~VALUE`",
            ),
            Fault::EmptyClaim => ("policy_empty_claim", "no claim name before `=`/`~`"),
            Fault::EmptyValue => ("policy_empty_value", "no value after `=`/`~`"),
            Fault::BadQuote => (
                "policy_bad_quote",
                "a quoted value must be one whole \"...\"",
            ),
            Fault::BadDefault => (
                "policy_bad_default",
                "write `default allow` or `default deny`",
            ),
            Fault::DuplicateDefault => ("policy_duplicate_default", "`default` given twice"),
            Fault::TooManyRules => ("policy_too_many_rules", "more than 256 rules"),
            Fault::MissingEquals => ("policy_missing_equals", "expected `SCOPE=IMPLIED SCOPES`"),
            Fault::NothingImplied => ("policy_nothing_implied", "no scope after `=`"),
        }
    }
}

/// A syntax error: the variable, the item (1-based, counting non-empty items) and its text,
/// and the [`Fault`]. Its `Display` is one log line:
/// `auth_policy item 2 "tools/call ->": nothing after `->`: write scopes, `allow` or `deny``.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError<'a> {
    /// The Spin variable the text came from.
    pub variable: &'static str,
    /// 1-based position among the non-empty items.
    pub index: usize,
    /// The item's text, trimmed.
    pub text: &'a str,
    /// What is wrong with it.
    pub fault: Fault,
}

impl fmt::Display for SyntaxError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bound the echoed text so that one log line stays short.
        let text = self
            .text
            .get(..self.text.floor_char_boundary(80))
            .unwrap_or("");
        write!(
            f,
            "{} item {} \"{}\": {}",
            self.variable,
            self.index,
            text,
            self.fault.explanation()
        )
    }
}

impl std::error::Error for SyntaxError<'_> {}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::policy::Policy;

    #[test]
    fn error_names_variable_item_and_fault() {
        let e = Policy::parse("auth_policy", "tools/list -> a;; tools/call:x ->").unwrap_err();
        assert_eq!(
            (e.index, e.text, e.fault.code()),
            (2, "tools/call:x ->", "policy_missing_grant")
        );
        assert_eq!(
            e.to_string(),
            "auth_policy item 2 \"tools/call:x ->\": nothing after `->`: write scopes, `allow` or `deny`"
        );
        let long = format!("tools/call:{} ->", "é".repeat(100));
        let e = Policy::parse("auth_policy", &long).unwrap_err();
        assert!(e.to_string().len() < 200);
    }
}
