//! Spin variables, resolved the way Spin resolves them (crate `spin-expressions`):
//!
//! - application variables (`[variables]` in spin.toml) have a `default` or are `required`;
//!   providers override them: `--var name=value` first, then `SPIN_VARIABLE_<NAME>`;
//! - component variables (`[component.<id>.variables]`) are templates over application
//!   variables, `"https://{{ host }}/x"`; the guest can read only those;
//! - names are lower-case ASCII letters, digits and single underscores, start with a letter
//!   and end with a letter or digit.

use std::collections::{BTreeMap, HashMap};
use wasmtime::{bail, Result};

/// The environment prefix Spin's environment provider reads: `SPIN_VARIABLE_AUTH_ENABLED`
/// sets the application variable `auth_enabled`.
pub const ENV_PREFIX: &str = "SPIN_VARIABLE_";

/// Why a variable name is not acceptable, in Spin's words.
pub fn validate_name(key: &str) -> std::result::Result<(), String> {
    let reason = if key.is_empty() {
        "must not be empty".to_string()
    } else if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        format!("invalid character {c:?}. Variable names may contain only lower-case letters, numbers, and underscores.")
    } else if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        "must start with a lowercase ASCII letter".to_string()
    } else if !key.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        "must end with a lowercase ASCII letter or digit".to_string()
    } else if key.contains("__") {
        "must not contain multiple consecutive underscores".to_string()
    } else {
        return Ok(());
    };
    Err(format!("{key:?}: {reason}"))
}

/// One piece of a template: literal text or a `{{ variable }}` reference.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    Var(String),
}

/// Splits `"a-{{ b }}-c"` into parts; an unmatched `{{` is an error, as in Spin.
pub fn parse_template(template: &str) -> Result<Vec<Part>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("{{") {
            let Some((expr, tail)) = after.split_once("}}") else {
                bail!("invalid variable template {template:?}: unmatched '{{{{'");
            };
            parts.push(Part::Var(expr.trim().to_string()));
            rest = tail;
        } else {
            let end = rest.find("{{").unwrap_or(rest.len());
            parts.push(Part::Lit(rest[..end].to_string()));
            rest = &rest[end..];
        }
    }
    Ok(parts)
}

/// An application variable as declared in `[variables]`.
#[derive(Debug, Clone)]
pub struct Declared {
    pub default: Option<String>,
}

/// The errors of `fermyon:spin/variables@2.0.0`, with Spin's messages.
#[derive(Debug, Clone, PartialEq)]
pub enum GetError {
    InvalidName(String),
    Undefined(String),
    Provider(String),
}

/// Everything the guest can read: the component's templates and the resolved application values.
#[derive(Debug, Default)]
pub struct Resolver {
    component_id: String,
    /// Application variable → its value after overrides; `None` when required and unset.
    values: HashMap<String, Option<String>>,
    /// Component variable → template.
    templates: BTreeMap<String, Vec<Part>>,
}

impl Resolver {
    /// `declared`: `[variables]`; `component_vars`: `[component.<id>.variables]` (raw templates);
    /// `overrides`: provider values in precedence order (the first that has a name wins).
    pub fn new(
        component_id: &str,
        declared: &BTreeMap<String, Declared>,
        component_vars: &BTreeMap<String, String>,
        overrides: &[&HashMap<String, String>],
    ) -> Result<Self> {
        let mut values = HashMap::new();
        for (name, decl) in declared {
            if let Err(reason) = validate_name(name) {
                bail!("invalid application variable name {reason}");
            }
            let provided = overrides.iter().find_map(|o| o.get(name)).cloned();
            values.insert(name.clone(), provided.or_else(|| decl.default.clone()));
        }
        let mut templates = BTreeMap::new();
        for (name, raw) in component_vars {
            if let Err(reason) = validate_name(name) {
                bail!("component {component_id:?}: invalid variable name {reason}");
            }
            let parts = parse_template(raw)?;
            for part in &parts {
                if let Part::Var(var) = part {
                    if !values.contains_key(var) {
                        bail!(
                            "component {component_id:?}: variable {name:?} refers to {var:?}, \
                             which is not declared in [variables]"
                        );
                    }
                }
            }
            templates.insert(name.clone(), parts);
        }
        Ok(Self { component_id: component_id.to_string(), values, templates })
    }

    /// Required application variables that the component uses and that nothing set.
    pub fn unresolved_required(&self) -> Vec<String> {
        let mut missing: Vec<String> = self
            .templates
            .values()
            .flatten()
            .filter_map(|p| match p {
                Part::Var(v) if matches!(self.values.get(v), Some(None)) => Some(v.clone()),
                _ => None,
            })
            .collect();
        missing.sort();
        missing.dedup();
        missing
    }

    /// `fermyon:spin/variables.get`, with Spin's error variants and messages.
    pub fn get(&self, key: &str) -> std::result::Result<String, GetError> {
        validate_name(key).map_err(GetError::InvalidName)?;
        let parts = self.templates.get(key).ok_or_else(|| {
            GetError::Undefined(format!("no variable for {:?}.{key:?}", self.component_id))
        })?;
        let mut out = String::new();
        for part in parts {
            match part {
                Part::Lit(lit) => out.push_str(lit),
                Part::Var(var) => match self.values.get(var) {
                    Some(Some(value)) => out.push_str(value),
                    _ => {
                        return Err(GetError::Provider(format!(
                            "no provider resolved required variable {var:?}"
                        )))
                    }
                },
            }
        }
        Ok(out)
    }

    /// Resolves an arbitrary template against the application variables (for
    /// `allowed_outbound_hosts`, which Spin also expands).
    pub fn expand(&self, template: &str) -> Result<String> {
        let mut out = String::new();
        for part in parse_template(template)? {
            match part {
                Part::Lit(lit) => out.push_str(&lit),
                Part::Var(var) => match self.values.get(&var) {
                    Some(Some(value)) => out.push_str(value),
                    Some(None) => bail!("required variable {var:?} has no value"),
                    None => bail!("{template:?} refers to {var:?}, not declared in [variables]"),
                },
            }
        }
        Ok(out)
    }
}

/// `SPIN_VARIABLE_*` from the given environment, keyed by the lower-cased variable name.
pub fn from_env(vars: impl Iterator<Item = (String, String)>) -> HashMap<String, String> {
    vars.filter_map(|(k, v)| {
        let name = k.strip_prefix(ENV_PREFIX)?.to_ascii_lowercase();
        Some((name, v))
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(items: &[(&str, Option<&str>)]) -> BTreeMap<String, Declared> {
        items
            .iter()
            .map(|(k, d)| (k.to_string(), Declared { default: d.map(str::to_string) }))
            .collect()
    }

    #[test]
    fn names_follow_spin_rules() {
        for good in ["a", "abc", "a1b2c3", "a_1", "auth_provider_jwks_uri"] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for bad in ["", "aX", "1bc", "_x", "x.y", "x_", "a__b", "x-y"] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn templates_split_and_reject_unmatched_braces() {
        assert_eq!(
            parse_template("a-{{ b }}-c{{c}}").unwrap(),
            vec![
                Part::Lit("a-".into()),
                Part::Var("b".into()),
                Part::Lit("-c".into()),
                Part::Var("c".into())
            ]
        );
        assert!(parse_template("{{ ok }} {{ open").is_err());
        assert_eq!(parse_template("").unwrap(), vec![]);
    }

    #[test]
    fn overrides_take_precedence_over_defaults_in_order() {
        let decl = declared(&[("host", Some("default.example")), ("port", Some("80")), ("x", None)]);
        let comp: BTreeMap<_, _> = [("url".to_string(), "https://{{ host }}:{{ port }}/".to_string())].into();
        let cli: HashMap<_, _> = [("host".to_string(), "cli.example".to_string())].into();
        let env: HashMap<_, _> =
            [("host".to_string(), "env.example".to_string()), ("port".to_string(), "8443".to_string())].into();
        let r = Resolver::new("c", &decl, &comp, &[&cli, &env]).unwrap();
        assert_eq!(r.get("url").unwrap(), "https://cli.example:8443/");
        assert_eq!(r.get("host"), Err(GetError::Undefined("no variable for \"c\".\"host\"".into())));
        assert!(matches!(r.get("Bad-Name"), Err(GetError::InvalidName(_))));
        assert!(r.unresolved_required().is_empty());
    }

    #[test]
    fn required_without_value_is_reported_and_fails_get() {
        let decl = declared(&[("secret", None)]);
        let comp: BTreeMap<_, _> = [("s".to_string(), "{{ secret }}".to_string())].into();
        let r = Resolver::new("c", &decl, &comp, &[]).unwrap();
        assert_eq!(r.unresolved_required(), vec!["secret".to_string()]);
        assert!(matches!(r.get("s"), Err(GetError::Provider(_))));
    }

    #[test]
    fn template_referring_to_undeclared_variable_is_rejected() {
        let comp: BTreeMap<_, _> = [("s".to_string(), "{{ nope }}".to_string())].into();
        assert!(Resolver::new("c", &BTreeMap::new(), &comp, &[]).is_err());
    }

    #[test]
    fn env_names_are_lowercased() {
        let env = from_env(
            [("SPIN_VARIABLE_AUTH_ENABLED".to_string(), "false".to_string()), ("PATH".to_string(), "/bin".to_string())]
                .into_iter(),
        );
        assert_eq!(env.len(), 1);
        assert_eq!(env["auth_enabled"], "false");
    }
}
