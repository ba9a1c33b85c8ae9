//! Evaluating a [`Policy`] for one JSON-RPC message: first matching rule wins.
//!
//! A rule matches when its method glob matches the method and, if it has a name glob, the
//! message has a target name that the glob matches. The matching rule then decides alone (no
//! fall-through): `deny` refuses; otherwise its conditions must hold and the caller must hold
//! every scope it lists (after the [`super::ScopeHierarchy`] expansion). A denial names every
//! scope of the deciding rule, so one challenge covers the whole operation (MCP 2026-07-28
//! basic/authorization §Scope Challenge Handling: "servers SHOULD include all scopes required
//! for the current operation in a single challenge"), and never `offline_access`
//! (§Refresh Tokens). A denial no scope could lift (failed claim condition, `deny` rule,
//! default deny) names no scope.

use ::json::{Map, Value};

use super::glob::glob;
use super::hierarchy::Granted;
use super::mcp_request::McpMessage;
use super::syntax::{always_allowed, Grant, Policy, Rule};

/// The caller, as the policy sees it: effective scopes and the token's claims.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The token's scopes after [`super::ScopeHierarchy::expand`].
    pub scopes: &'a Granted<'a>,
    /// Every claim of the verified token (`jose::Identity::claims`).
    pub claims: &'a Map<String, Value>,
}

/// The outcome for one message (or a whole request, see [`Policy::authorize`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<'p> {
    /// Forward it.
    Allow,
    /// Refuse it with 403.
    Deny(Denial<'p>),
}

/// JSON-RPC error code of the 403 body of a policy refusal: application-defined, so outside the
/// JSON-RPC reserved range `-32768..=-32000` (MCP 2026-07-28 basic §Error Codes: new codes
/// "SHOULD be allocated outside" it, and `-32020..=-32099` are the specification's); 403 as a
/// mnemonic.
pub const FORBIDDEN_CODE: i64 = -31403;

/// Why a message is refused, and what would let it through.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Denial<'p> {
    /// The scopes to name in `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`:
    /// every scope of the deciding rule (held or not), in policy order, without duplicates and
    /// never `offline_access`. Empty when no scope would help: then the 403 has no `scope`.
    pub needed: Vec<&'p str>,
    /// A claim condition (`if CLAIM=VALUE`) failed.
    pub claim_failed: bool,
    /// Index into [`Policy::rules`] of the deciding rule; `None` for the default.
    pub rule: Option<usize>,
}

impl Denial<'_> {
    /// The challenge's `error_description` (RFC 6750 §3): whether a scope would help.
    pub fn description(&self) -> &'static str {
        if self.needed.is_empty() {
            "token may not perform this operation"
        } else {
            "token lacks a scope this operation needs"
        }
    }

    /// The JSON-RPC error message of the 403 body.
    pub fn message(&self) -> &'static str {
        if self.needed.is_empty() {
            "Forbidden"
        } else {
            "Forbidden: insufficient scope"
        }
    }

    /// A fixed reason for the log line.
    pub fn reason(&self) -> &'static str {
        match (self.claim_failed, self.needed.is_empty(), self.rule) {
            (true, _, _) => "policy_claim_mismatch",
            (false, false, _) => "policy_insufficient_scope",
            (false, true, Some(_)) => "policy_rule_denies",
            (false, true, None) => "policy_default_denies",
        }
    }
}

/// The claim `name`: a top-level member of that exact name (Auth0's `https://x/roles` has
/// dots), else a dotted path into nested objects (Keycloak's `realm_access.roles`).
fn claim<'v>(claims: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    if let Some(v) = claims.get(name) {
        return Some(v);
    }
    let mut parts = name.split('.');
    let mut v = claims.get(parts.next()?)?;
    for part in parts {
        v = v.as_object()?.get(part)?;
    }
    Some(v)
}

/// `=` (equals): a string claim equal to `value`, a boolean spelled `true`/`false`, or an
/// integer. `~` (contains): an array with a string element equal to `value`, or a string of
/// space-separated words (as `scope` is, RFC 6749 §3.3) one of which is `value`.
fn condition_holds(claims: &Map<String, Value>, name: &str, op: u8, value: &str) -> bool {
    match (op, claim(claims, name)) {
        (b'=', Some(Value::String(s))) => s == value,
        (b'=', Some(Value::Bool(b))) => value == if *b { "true" } else { "false" },
        (b'=', Some(Value::Number(n))) => n.as_i64().is_some_and(|n| value.parse() == Ok(n)),
        (b'~', Some(Value::Array(items))) => items.iter().any(|i| i.as_str() == Some(value)),
        (b'~', Some(Value::String(s))) => s.split_ascii_whitespace().any(|w| w == value),
        _ => false,
    }
}

fn decide<'p>(index: usize, rule: &Rule<'p>, caller: Caller<'_>) -> Verdict<'p> {
    let mut denial = Denial {
        rule: Some(index),
        ..Denial::default()
    };
    if rule.grant == Grant::Deny {
        return Verdict::Deny(denial);
    }
    if !rule
        .condition_list()
        .all(|(name, op, value)| condition_holds(caller.claims, name, op, value))
    {
        denial.claim_failed = true;
        return Verdict::Deny(denial);
    }
    if rule.scope_list().all(|s| caller.scopes.has(s)) {
        return Verdict::Allow;
    }
    for scope in rule.scope_list() {
        // The parser refuses `offline_access`; the filter keeps the guarantee local.
        if scope != "offline_access" && !denial.needed.contains(&scope) {
            denial.needed.push(scope);
        }
    }
    Verdict::Deny(denial)
}

impl<'p> Policy<'p> {
    /// The verdict for `method` on target `name` (`params.name` of `tools/call` and
    /// `prompts/get`, `params.uri` of `resources/read`). `initialize`, `ping` and
    /// `notifications/*` are always allowed.
    pub fn evaluate(&self, method: &str, name: Option<&str>, caller: Caller<'_>) -> Verdict<'p> {
        if always_allowed(method) {
            return Verdict::Allow;
        }
        for (index, rule) in self.rules.iter().enumerate() {
            let name_matches = match (rule.name, name) {
                (None, _) => true,
                (Some(pattern), Some(name)) => glob(pattern, name),
                (Some(_), None) => false,
            };
            if name_matches && glob(rule.method, method) {
                return decide(index, rule, caller);
            }
        }
        if self.default_allow {
            Verdict::Allow
        } else {
            Verdict::Deny(Denial::default())
        }
    }

    /// Authorizes every message of a request (JSON-RPC batches message by message): allowed
    /// only if each is. JSON-RPC responses (a client answering a server request, no `method`)
    /// carry no operation and are allowed. On refusal: the index of the first denied message
    /// (its `id` goes into the error body) and one [`Denial`] for the request — the union of
    /// the denied messages' scopes, cleared if any claim condition failed (then no scope helps).
    pub fn authorize(
        &self,
        messages: &[McpMessage<'_>],
        caller: Caller<'_>,
    ) -> Result<(), (usize, Denial<'p>)> {
        let mut refused: Option<(usize, Denial<'p>)> = None;
        for (index, message) in messages.iter().enumerate() {
            let Some(method) = message.method else {
                continue;
            };
            let Verdict::Deny(denial) = self.evaluate(method, message.name, caller) else {
                continue;
            };
            match &mut refused {
                None => refused = Some((index, denial)),
                Some((_, merged)) => {
                    merged.claim_failed |= denial.claim_failed;
                    for scope in denial.needed {
                        if !merged.needed.contains(&scope) {
                            merged.needed.push(scope);
                        }
                    }
                }
            }
        }
        match refused {
            None => Ok(()),
            Some((index, mut denial)) => {
                if denial.claim_failed {
                    denial.needed.clear();
                }
                Err((index, denial))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::policy::ScopeHierarchy;
    use ::json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn verdict(
        policy: &str,
        scopes: &[&str],
        claims: &Map<String, Value>,
        method: &str,
        name: Option<&str>,
    ) -> Verdict<'static> {
        let policy: &'static str = Box::leak(policy.to_string().into_boxed_str());
        let p = Policy::parse("auth_policy", policy).unwrap();
        let token: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let h = ScopeHierarchy::parse(
            "auth_scope_implies",
            "mcp:admin=mcp:write; mcp:write=mcp:read",
        )
        .unwrap();
        let granted = h.expand(&token);
        p.evaluate(
            method,
            name,
            Caller {
                scopes: &granted,
                claims,
            },
        )
    }

    fn needs(scopes: &[&'static str]) -> Verdict<'static> {
        Verdict::Deny(Denial {
            needed: scopes.to_vec(),
            claim_failed: false,
            rule: Some(0),
        })
    }

    #[test]
    fn first_match_wins_and_does_not_fall_through() {
        let no = claims(json!({}));
        let p = "tools/call:delete_* -> mcp:admin; tools/call -> mcp:write; * -> mcp:read";
        assert_eq!(
            verdict(p, &["mcp:write"], &no, "tools/call", Some("delete_user")),
            needs(&["mcp:admin"])
        );
        assert_eq!(
            verdict(p, &["mcp:admin"], &no, "tools/call", Some("delete_user")),
            Verdict::Allow
        );
        assert_eq!(
            verdict(p, &["mcp:write"], &no, "tools/call", Some("create_user")),
            Verdict::Allow
        );
        assert_eq!(
            verdict(p, &["mcp:read"], &no, "tools/list", None),
            Verdict::Allow
        );
        let Verdict::Deny(d) = verdict(p, &[], &no, "tools/call", Some("x")) else {
            panic!()
        };
        assert_eq!((d.needed, d.rule), (vec!["mcp:write"], Some(1)));
    }

    #[test]
    fn hierarchy_satisfies_narrower_scopes_but_challenge_names_them_as_written() {
        let no = claims(json!({}));
        let p = "tools/list -> mcp:read";
        assert_eq!(
            verdict(p, &["mcp:admin"], &no, "tools/list", None),
            Verdict::Allow
        );
        assert_eq!(
            verdict(p, &["other"], &no, "tools/list", None),
            needs(&["mcp:read"])
        );
    }

    #[test]
    fn challenge_names_every_scope_of_the_rule() {
        let no = claims(json!({}));
        let p = "tools/call:deploy -> deploy:run mcp:write deploy:run";
        assert_eq!(
            verdict(p, &["mcp:write"], &no, "tools/call", Some("deploy")),
            needs(&["deploy:run", "mcp:write"])
        );
    }

    #[test]
    fn default_covers_unmatched_methods() {
        let no = claims(json!({}));
        assert_eq!(
            verdict("tools/list -> a", &[], &no, "prompts/list", None),
            Verdict::Deny(Denial::default())
        );
        assert_eq!(
            verdict(
                "tools/list -> a; default allow",
                &[],
                &no,
                "prompts/list",
                None
            ),
            Verdict::Allow
        );
        // A name rule does not match a message without a name.
        assert_eq!(
            verdict("tools/call:* -> allow", &[], &no, "tools/call", None),
            Verdict::Deny(Denial::default())
        );
    }

    #[test]
    fn lifecycle_ping_and_notifications_are_always_allowed() {
        let no = claims(json!({}));
        for m in [
            "initialize",
            "ping",
            "notifications/initialized",
            "notifications/cancelled",
        ] {
            assert_eq!(
                verdict("* -> deny; default deny", &[], &no, m, None),
                Verdict::Allow,
                "{m}"
            );
        }
    }

    #[test]
    fn explicit_deny_names_no_scope() {
        let no = claims(json!({}));
        let Verdict::Deny(d) = verdict(
            "tools/call:shutdown -> deny",
            &["mcp:admin"],
            &no,
            "tools/call",
            Some("shutdown"),
        ) else {
            panic!()
        };
        assert_eq!(
            (d.needed.len(), d.claim_failed, d.reason()),
            (0, false, "policy_rule_denies")
        );
    }

    #[test]
    fn claim_conditions_equal_and_contain() {
        let c = claims(
            json!({"groups": ["staff", "admins"], "tenant": "acme", "email_verified": true,
            "level": 3, "roles": "a b", "realm_access": {"roles": ["ops"]}, "https://x.example/org": "o1"}),
        );
        let ok = |cond: &str| {
            verdict(
                &format!("tools/call -> allow if {cond}"),
                &[],
                &c,
                "tools/call",
                Some("t"),
            ) == Verdict::Allow
        };
        for cond in [
            "groups~admins",
            "tenant=acme",
            "email_verified=true",
            "level=3",
            "roles~b",
            "realm_access.roles~ops",
            "https://x.example/org=o1",
            "tenant=acme and groups~staff",
            "groups~\"admins\"",
        ] {
            assert!(ok(cond), "{cond}");
        }
        for cond in [
            "groups~admin",
            "groups=admins",
            "tenant~acm",
            "tenant=ACME",
            "email_verified=false",
            "level=4",
            "missing=x",
            "realm_access.roles.x~ops",
            "tenant=acme and groups~nobody",
        ] {
            assert!(!ok(cond), "{cond}");
        }
    }

    #[test]
    fn failed_claim_denies_without_scope_even_when_scopes_are_missing() {
        let c = claims(json!({"tenant": "evil"}));
        let Verdict::Deny(d) = verdict("* -> mcp:read if tenant=acme", &[], &c, "tools/list", None)
        else {
            panic!()
        };
        assert!(d.claim_failed && d.needed.is_empty());
        assert_eq!(d.reason(), "policy_claim_mismatch");
        assert_eq!(
            (d.description(), d.message()),
            ("token may not perform this operation", "Forbidden")
        );
    }

    #[test]
    fn one_denied_message_denies_the_batch_with_the_union_of_scopes() {
        let p = Policy::parse(
            "auth_policy",
            "tools/call:w* -> mcp:write; tools/call:a* -> mcp:admin; * -> mcp:read",
        )
        .unwrap();
        let token = vec!["mcp:read".to_string()];
        let granted = ScopeHierarchy::default().expand(&token);
        let no = Map::new();
        let caller = Caller {
            scopes: &granted,
            claims: &no,
        };
        let msg = |method, name| McpMessage {
            id: None,
            method: Some(method),
            name,
        };
        let response = McpMessage {
            id: None,
            method: None,
            name: None,
        };
        assert_eq!(
            p.authorize(&[msg("tools/list", None), response], caller),
            Ok(())
        );
        let (index, d) = p
            .authorize(
                &[
                    msg("tools/list", None),
                    msg("tools/call", Some("write")),
                    msg("tools/call", Some("admin")),
                ],
                caller,
            )
            .unwrap_err();
        assert_eq!((index, d.needed), (1, vec!["mcp:write", "mcp:admin"]));
    }
}
