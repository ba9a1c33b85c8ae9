//! `spin.toml` and README.md agree with the variables the code reads ([`variables::VARIABLES`]).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use gateway::variables::VARIABLES;

fn read(file: &str) -> String {
    std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn spin_toml_declares_every_variable_with_its_default() {
    let manifest = read("spin.toml");
    for (name, default, _) in VARIABLES {
        // Secrets are declared `secret = true` (Spin keeps them out of logs and UIs).
        let secret = if *name == gateway::variables::KV_RECORD_KEY {
            ", secret = true"
        } else {
            ""
        };
        let declaration = format!("\n{name} = {{ default = \"{default}\"{secret} }}\n");
        assert!(
            manifest.contains(&declaration),
            "spin.toml lacks `{}`",
            declaration.trim()
        );
        let binding = format!("\n{name} = \"{{{{ {name} }}}}\"\n");
        assert!(
            manifest.contains(&binding),
            "spin.toml does not pass {name} to the component"
        );
    }
}

#[test]
fn spin_toml_runs_the_release_component() {
    let manifest = read("spin.toml");
    assert!(manifest.starts_with("spin_manifest_version = 2\n"));
    assert!(manifest.contains("source = \"target/wasm32-wasip1/release/ftl_mcp_authorizer.wasm\""));
    assert!(manifest.contains("route = \"/...\""));
    assert!(manifest.contains("key_value_stores = [\"mcp_authorizer\"]"));
    // The label other than `default` must be defined, or `spin up` refuses to start.
    assert!(read("runtime-config.toml").contains("[key_value_store.mcp_authorizer]"));
    assert!(manifest.contains("\"http://ftl-mcp-gateway.spin.internal\""));
    assert!(manifest.contains("route = { private = true }"));
}

#[test]
fn readme_documents_every_variable_with_its_default() {
    let readme = read("README.md");
    assert!(readme.contains("\n## Configuration\n"));
    for (name, default, _) in VARIABLES {
        let shown = if default.is_empty() {
            "(empty)".to_string()
        } else {
            format!("`{default}`")
        };
        let row = format!("| `{name}` | {shown} |");
        assert!(readme.contains(&row), "README.md lacks the row `{row}`");
    }
}
