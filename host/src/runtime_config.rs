//! The part of a Spin runtime configuration file (`spin up --runtime-config-file`) this host
//! honours: `[key_value_store.<label>]` tables, which define the store labels a component may
//! be granted besides `default`. A `type = "redis"` store is kept in the Redis its `url` names
//! (as Spin does); every other `type` (`spin`, `azure_cosmos`, ...) is kept in memory here: the
//! host is a stand-in for tests, not a deployment.

use std::collections::BTreeMap;
use std::path::Path;
use toml::{Table, Value};
use wasmtime::error::Context as _;
use wasmtime::{bail, Result};

/// One `[key_value_store.<label>]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// `type = "redis"`, `url = "redis://..."`: kept in that Redis.
    Redis { url: String },
    /// Any other `type`: kept in this host's memory.
    InMemory { kind: String },
}

/// Store label → its definition.
pub type KeyValueStores = BTreeMap<String, StoreSpec>;

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
        let spec = if kind == "redis" {
            match table.get("url") {
                Some(Value::String(url)) => StoreSpec::Redis { url: url.clone() },
                _ => bail!("key_value_store.{label}.url must be a string, e.g. \"redis://127.0.0.1:6379\""),
            }
        } else {
            StoreSpec::InMemory { kind }
        };
        stores.insert(label.clone(), spec);
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
        assert_eq!(stores["mcp_authorizer"], StoreSpec::InMemory { kind: "spin".into() });
        assert_eq!(stores["other"], StoreSpec::Redis { url: "redis://x".into() });
        assert_eq!(stores.len(), 2);
    }

    #[test]
    fn rejects_bad_labels_and_missing_types() {
        for bad in ["[key_value_store.Bad]\ntype = \"spin\"", "[key_value_store.x]\npath = \"a\"", "key_value_store = 1",
                    "[key_value_store.r]\ntype = \"redis\"", "[key_value_store.r]\ntype = \"redis\"\nurl = 6379"] {
            let doc: Table = toml::from_str(bad).unwrap();
            assert!(parse(&doc).is_err(), "{bad}");
        }
    }
}
