//! Globs of policy targets: `*` is the only metacharacter (no regex: small, linear in
//! practice, and what a reader of `tools/call:delete_*` expects).

/// `*` matches any run of characters (`/` and `:` included); every other character matches
/// itself. Iterative with one backtrack point: O(pattern × text) at worst, no recursion.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = t.get(ti) {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&pc) if pc == c => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more character and retry.
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).unwrap_or_default().iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        for (p, t) in [
            ("*", ""),
            ("*", "a/b:c"),
            ("delete_*", "delete_user"),
            ("*_admin", "x_admin"),
            ("a*b*c", "aXbYc"),
            ("a*b*c", "abbbc"),
            ("file:///docs/*", "file:///docs/a/b.md"),
            ("x", "x"),
            ("**", "q"),
        ] {
            assert!(glob(p, t), "{p} {t}");
        }
        for (p, t) in [
            ("x", "xy"),
            ("delete_*", "undelete_user"),
            ("a*b*c", "aXbY"),
            ("", "a"),
            ("tools/*", "tool/x"),
        ] {
            assert!(!glob(p, t), "{p} {t}");
        }
    }

    #[test]
    fn glob_backtracking_is_bounded_on_hostile_names() {
        let name = "a".repeat(4096);
        assert!(!glob("*a*a*a*a*a*b", &name));
    }
}
