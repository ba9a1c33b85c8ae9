//! Scope hierarchy (`auth_scope_implies`): which scope implies which.
//!
//! MCP 2026-07-28 basic/authorization §Step-Up Authorization Flow: "Servers MUST account for
//! scope hierarchies, where a broader scope implies narrower ones, when deciding whether a
//! token is sufficient for an operation." The variable reads
//! `mcp:admin=mcp:write mcp:read; mcp:write=mcp:read`, and [`ScopeHierarchy::expand`] applies
//! it transitively to a token's scopes, giving the [`Granted`] set every check uses: the
//! server-wide required scopes and the per-tool policy alike. Challenges keep naming the
//! scopes as written (the narrowest that satisfy), never the expansion.

use super::syntax::{is_scope_token, items, split_at_byte, Fault, SyntaxError, Words, MAX_RULES};

/// Parsed `auth_scope_implies`: (broader scope, the text listing the scopes it implies).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScopeHierarchy<'a> {
    edges: Vec<(&'a str, &'a str)>,
}

impl<'a> ScopeHierarchy<'a> {
    /// Parses `SCOPE=SCOPE... ; ...` (items separated by `;` or newlines; empty text: no
    /// hierarchy). `variable` is named in errors.
    pub fn parse(
        variable: &'static str,
        text: &'a str,
    ) -> Result<ScopeHierarchy<'a>, SyntaxError<'a>> {
        let mut edges = Vec::new();
        for (index, item) in items(text) {
            let error = |fault| SyntaxError {
                variable,
                index,
                text: item,
                fault,
            };
            if index > MAX_RULES {
                return Err(error(Fault::TooManyRules));
            }
            let (broad, implied) = split_at_byte(item, b'=').ok_or(error(Fault::MissingEquals))?;
            let broad = broad.trim_ascii();
            if !is_scope_token(broad) {
                return Err(error(Fault::InvalidScope));
            }
            let mut any = false;
            for scope in Words::new(implied) {
                if !is_scope_token(scope) {
                    return Err(error(Fault::InvalidScope));
                }
                any = true;
            }
            if !any {
                return Err(error(Fault::NothingImplied));
            }
            edges.push((broad, implied));
        }
        Ok(ScopeHierarchy { edges })
    }

    /// The token's `scopes` plus every scope they imply, transitively. Cycles
    /// (`a=b; b=a`) are harmless: a scope is added once, and the work is bounded by
    /// (edges + 1) rounds over the edges.
    pub fn expand<'g>(&self, scopes: &'g [String]) -> Granted<'g>
    where
        'a: 'g,
    {
        let mut granted: Vec<&'g str> = Vec::with_capacity(scopes.len() + 4);
        for s in scopes {
            if !granted.contains(&s.as_str()) {
                granted.push(s);
            }
        }
        // Each round that changes anything adds at least one scope from a finite set; the
        // round bound is a second guarantee, not the termination argument.
        for _ in 0..=self.edges.len() {
            let mut changed = false;
            for (broad, implied) in &self.edges {
                if granted.contains(broad) {
                    for scope in Words::new(implied) {
                        if !granted.contains(&scope) {
                            granted.push(scope);
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        Granted { scopes: granted }
    }
}

/// A caller's effective scopes: the token's, expanded by the [`ScopeHierarchy`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Granted<'a> {
    scopes: Vec<&'a str>,
}

impl<'a> Granted<'a> {
    /// Whether `scope` is granted (exact, case-sensitive comparison: RFC 6749 §3.3).
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.contains(&scope)
    }

    /// Whether every scope in `required` is granted: the server-wide check
    /// (`auth_provider_required_scopes`) with the hierarchy applied.
    pub fn has_all(&self, required: &[String]) -> bool {
        required.iter().all(|s| self.has(s))
    }

    /// The effective scopes, the token's first.
    pub fn as_slice(&self) -> &[&'a str] {
        &self.scopes
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn expands_transitively() {
        let h = ScopeHierarchy::parse(
            "auth_scope_implies",
            "mcp:admin=mcp:write; mcp:write = mcp:read mcp:list",
        )
        .unwrap();
        let token = scopes(&["mcp:admin", "openid"]);
        let g = h.expand(&token);
        assert_eq!(
            g.as_slice(),
            ["mcp:admin", "openid", "mcp:write", "mcp:read", "mcp:list"]
        );
        assert!(g.has_all(&scopes(&["mcp:read", "openid"])));
        let token = scopes(&["mcp:read"]);
        let g = h.expand(&token);
        assert!(!g.has("mcp:write"));
    }

    #[test]
    fn edges_in_any_order_reach_the_fixpoint() {
        let h = ScopeHierarchy::parse("auth_scope_implies", "c=d; b=c; a=b").unwrap();
        let token = scopes(&["a"]);
        assert_eq!(h.expand(&token).as_slice(), ["a", "b", "c", "d"]);
    }

    #[test]
    fn cyclic_hierarchy_terminates() {
        let h = ScopeHierarchy::parse("auth_scope_implies", "a=b; b=a c; c=a").unwrap();
        let token = scopes(&["b", "b"]);
        assert_eq!(h.expand(&token).as_slice(), ["b", "a", "c"]);
    }

    #[test]
    fn empty_hierarchy_keeps_token_scopes() {
        let h = ScopeHierarchy::parse("auth_scope_implies", "").unwrap();
        let token = scopes(&["x"]);
        assert_eq!(h.expand(&token).as_slice(), ["x"]);
    }

    #[test]
    fn every_hierarchy_error_is_named() {
        for (text, fault) in [
            ("mcp:admin mcp:read", Fault::MissingEquals),
            ("=mcp:read", Fault::InvalidScope),
            ("mcp:admin=", Fault::NothingImplied),
            ("mcp:admin=a\"b", Fault::InvalidScope),
            ("a=b; c d=e", Fault::InvalidScope),
        ] {
            let e = ScopeHierarchy::parse("auth_scope_implies", text).unwrap_err();
            assert_eq!(e.fault, fault, "{text}");
        }
        let e = ScopeHierarchy::parse("auth_scope_implies", "a=b;x").unwrap_err();
        assert_eq!((e.index, e.text), (2, "x"));
        assert!(e
            .to_string()
            .starts_with("auth_scope_implies item 2 \"x\": "));
    }
}
