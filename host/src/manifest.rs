//! The part of a Spin application manifest (spin.toml, `spin_manifest_version = 2`) that this
//! host honours: `[variables]`, one `[component.<id>]` (source, variables, key_value_stores,
//! allowed_outbound_hosts, environment) and that component's `[[trigger.http]]` route.

use crate::variables::Declared;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::{Table, Value};
use wasmtime::error::Context as _;
use wasmtime::{bail, Result};

#[derive(Debug, Default)]
pub struct App {
    pub variables: BTreeMap<String, Declared>,
    pub component: Component,
}

#[derive(Debug, Default)]
pub struct Component {
    pub id: String,
    /// `source`, resolved against the manifest's directory (`None` for a URL source).
    pub source: Option<PathBuf>,
    pub variables: BTreeMap<String, String>,
    pub key_value_stores: Vec<String>,
    pub allowed_outbound_hosts: Vec<String>,
    pub environment: Vec<(String, String)>,
    /// The `[[trigger.http]]` route of this component; `/...` when the manifest names none.
    pub route: String,
}

fn strings(value: Option<&Value>, what: &str) -> Result<Vec<String>> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let Some(items) = value.as_array() else { bail!("{what} must be an array of strings") };
    items
        .iter()
        .map(|v| v.as_str().map(str::to_string).with_context(|| format!("{what} must contain only strings")))
        .collect()
}

fn string_table(value: Option<&Value>, what: &str) -> Result<BTreeMap<String, String>> {
    let Some(value) = value else { return Ok(BTreeMap::new()) };
    let Some(table) = value.as_table() else { bail!("{what} must be a table") };
    table
        .iter()
        .map(|(k, v)| {
            let v = v.as_str().with_context(|| format!("{what}.{k} must be a string"))?;
            Ok((k.clone(), v.to_string()))
        })
        .collect()
}

/// Reads `path` and selects component `wanted` (or the only component when `None`).
pub fn load(path: &Path, wanted: Option<&str>) -> Result<App> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading manifest {}", path.display()))?;
    let doc: Table = toml::from_str(&text).with_context(|| format!("parsing manifest {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&doc, base, wanted).with_context(|| format!("in manifest {}", path.display()))
}

pub fn parse(doc: &Table, base: &Path, wanted: Option<&str>) -> Result<App> {
    match doc.get("spin_manifest_version") {
        Some(Value::Integer(2)) => {}
        Some(other) => bail!("spin_manifest_version = {other} is not supported; this host reads version 2"),
        None => bail!("spin_manifest_version is missing; this host reads version 2 manifests"),
    }

    let mut variables = BTreeMap::new();
    if let Some(table) = doc.get("variables") {
        let table = table.as_table().context("[variables] must be a table")?;
        for (name, decl) in table {
            let decl = decl.as_table().with_context(|| format!("variables.{name} must be a table"))?;
            let default = match decl.get("default") {
                None => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => bail!("variables.{name}.default must be a string"),
            };
            let required = decl.get("required").and_then(Value::as_bool).unwrap_or(false);
            if required == default.is_some() {
                bail!("variables.{name}: exactly one of `default` or `required = true` must be given");
            }
            variables.insert(name.clone(), Declared { default });
        }
    }

    let components = doc.get("component").and_then(Value::as_table).context("no [component.<id>] table")?;
    let id = match wanted {
        Some(id) => id.to_string(),
        None if components.len() == 1 => components.keys().next().cloned().unwrap_or_default(),
        None => bail!(
            "the manifest has {} components ({}); choose one with --component",
            components.len(),
            components.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
    };
    let c = components
        .get(&id)
        .and_then(Value::as_table)
        .with_context(|| format!("no component {id:?} (have: {})", components.keys().cloned().collect::<Vec<_>>().join(", ")))?;

    let source = match c.get("source") {
        Some(Value::String(s)) => Some(base.join(s)),
        Some(Value::Table(_)) => None,
        _ => bail!("component.{id}.source must be a path or a {{ url, digest }} table"),
    };
    if c.contains_key("files") {
        eprintln!("warning: component.{id}.files is ignored by this host (no files are mounted)");
    }
    let environment = string_table(c.get("environment"), &format!("component.{id}.environment"))?
        .into_iter()
        .collect();

    let mut route = None;
    if let Some(triggers) = doc.get("trigger").and_then(|t| t.get("http")).and_then(Value::as_array) {
        for t in triggers {
            if t.get("component").and_then(Value::as_str) == Some(id.as_str()) {
                route = match t.get("route") {
                    Some(Value::String(r)) => Some(r.clone()),
                    Some(_) => bail!("the http trigger of {id:?} has a route this host does not serve (private?)"),
                    None => bail!("the http trigger of {id:?} has no route"),
                };
            }
        }
    }

    Ok(App {
        variables,
        component: Component {
            source,
            variables: string_table(c.get("variables"), &format!("component.{id}.variables"))?,
            key_value_stores: strings(c.get("key_value_stores"), &format!("component.{id}.key_value_stores"))?,
            allowed_outbound_hosts: strings(
                c.get("allowed_outbound_hosts"),
                &format!("component.{id}.allowed_outbound_hosts"),
            )?,
            environment,
            route: route.unwrap_or_else(|| "/...".to_string()),
            id,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
spin_manifest_version = 2
[application]
name = "x"
[variables]
auth_enabled = { default = "true" }
auth_gateway_url = { required = true }
[[trigger.http]]
route = "/..."
component = "mcp-authorizer"
[component.mcp-authorizer]
source = "target/wasm32-wasip1/release/ftl_mcp_authorizer.wasm"
key_value_stores = ["default"]
allowed_outbound_hosts = ["http://*.spin.internal", "https://*"]
[component.mcp-authorizer.variables]
auth_enabled = "{{ auth_enabled }}"
auth_gateway_url = "{{ auth_gateway_url }}"
"#;

    #[test]
    fn reads_the_component_and_its_variables() {
        let doc: Table = toml::from_str(MANIFEST).unwrap();
        let app = parse(&doc, Path::new("/app"), None).unwrap();
        assert_eq!(app.component.id, "mcp-authorizer");
        assert_eq!(
            app.component.source.as_deref(),
            Some(Path::new("/app/target/wasm32-wasip1/release/ftl_mcp_authorizer.wasm"))
        );
        assert_eq!(app.component.key_value_stores, vec!["default"]);
        assert_eq!(app.component.route, "/...");
        assert_eq!(app.variables["auth_enabled"].default.as_deref(), Some("true"));
        assert!(app.variables["auth_gateway_url"].default.is_none());
        assert_eq!(app.component.variables["auth_enabled"], "{{ auth_enabled }}");
        assert!(parse(&doc, Path::new("/app"), Some("other")).is_err());
    }

    #[test]
    fn rejects_other_manifest_versions_and_bad_declarations() {
        let doc: Table = toml::from_str("spin_manifest_version = \"1\"").unwrap();
        assert!(parse(&doc, Path::new("."), None).is_err());
        let doc: Table = toml::from_str(
            "spin_manifest_version = 2\n[variables]\nx = { default = \"a\", required = true }\n[component.c]\nsource = \"c.wasm\"",
        )
        .unwrap();
        assert!(parse(&doc, Path::new("."), None).is_err());
    }
}
