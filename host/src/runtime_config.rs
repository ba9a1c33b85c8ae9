//! The part of a Spin runtime configuration file (`spin up --runtime-config-file`) this host
//! honours: `[key_value_store.<label>]` tables, which define the store labels a component may
//! be granted besides `default`. Every store is kept in memory here whatever its `type`
//! (`spin`, `redis`, `azure_cosmos`, ...): the host is a stand-in for tests, not a deployment.

use std::collections::BTreeMap;
use std::path::Path;
use toml::{Table, Value};
use wasmtime::error::Context as _;
use wasmtime::{bail, Result};

/// Store label → its `type`.
pub type KeyValueStores = BTreeMap<String, String>;

/// Reads the key-value store definitions of a runtime config file.
pub fn load(path: &Path) -> Result<KeyValueStores> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading runtime config {}", path.display()))?;
    let doc: Table = toml::from_str(&text).with_context(|| format!("parsing runtime config {}", path.display()))?;
    parse(&doc).with_context(|| format!("in runtime config {}", path.display()))
}

pub fn parse(doc: &Table) -> Result<KeyValueStores> {
    let mut stores = KeyValueStores::new();
    let Some(tables) = doc.get("key_value_store") else { return Ok(stores) };
    let Some(tables) = tables.as_table() else { bail!("key_value_store must be a table of [key_value_store.<label>] tables") };
    for (label, table) in tables {
        if !valid_label(label) {
            bail!("key_value_store.{label}: a label is lower snake or kebab case (letters, digits, '_' or '-')");
        }
        let kind = match table.get("type") {
            Some(Value::String(t)) => t.clone(),
            _ => bail!("key_value_store.{label}.type must be a string, e.g. \"spin\""),
        };
        stores.insert(label.clone(), kind);
    }
    Ok(stores)
}

/// Spin's store labels: `lower_snake` or `kebab-case` identifiers (spin-manifest `kebab_or_snake_case`).
fn valid_label(label: &str) -> bool {
    let mut chars = label.chars();
    matches!(chars.next(), Some('a'..='z'))
        && label.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_' | '-'))
        && !(label.contains('_') && label.contains('-'))
        && !label.ends_with(['_', '-'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_store_labels() {
        let doc: Table = toml::from_str(
            "[key_value_store.mcp_authorizer]\ntype = \"spin\"\npath = \".spin/a.db\"\n[key_value_store.other]\ntype = \"redis\"\nurl = \"redis://x\"\n[sqlite_database.default]\ntype = \"spin\"\n",
        )
        .unwrap();
        let stores = parse(&doc).unwrap();
        assert_eq!(stores["mcp_authorizer"], "spin");
        assert_eq!(stores["other"], "redis");
        assert_eq!(stores.len(), 2);
    }

    #[test]
    fn rejects_bad_labels_and_missing_types() {
        for bad in ["[key_value_store.Bad]\ntype = \"spin\"", "[key_value_store.x]\npath = \"a\"", "key_value_store = 1"] {
            let doc: Table = toml::from_str(bad).unwrap();
            assert!(parse(&doc).is_err(), "{bad}");
        }
    }
}
