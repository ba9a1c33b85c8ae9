//! Loads the guest: a component as is, or a wasip1 core module (what `cargo build --target
//! wasm32-wasip1` gives) made into a component with the WASI preview1 reactor adapter, as
//! Spin does when it loads such a module. wit-component links the adapter in only when the
//! module imports from `wasi_snapshot_preview1`; the authorizer's module imports nothing from it
//! (src/libc_shim.rs), so its component has none.

use std::path::Path;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::Component;
use wasmtime::error::Context as _;
use wasmtime::{bail, format_err, Engine, Result};

/// The interfaces this host provides. WASI 0.2 comes from wasmtime-wasi (every 0.2.x minor
/// version, matched by semver); the two Spin interfaces from [`crate::spin_host`].
const WASI_PACKAGES: &[&str] = &["wasi:cli/", "wasi:clocks/", "wasi:filesystem/", "wasi:io/", "wasi:random/", "wasi:sockets/"];
const WASI_HTTP: &[&str] = &["wasi:http/types", "wasi:http/outgoing-handler"];
const SPIN: &[&str] = &["fermyon:spin/key-value@2.0.0", "fermyon:spin/variables@2.0.0"];

/// Whether an import such as `wasi:io/streams@0.2.3` is one this host links.
pub fn provided(import: &str) -> bool {
    if SPIN.contains(&import) {
        return true;
    }
    let Some((interface, version)) = import.split_once('@') else { return false };
    let wasi_0_2 = version
        .strip_prefix("0.2.")
        .is_some_and(|patch| !patch.is_empty() && patch.bytes().all(|b| b.is_ascii_digit()));
    wasi_0_2 && (WASI_PACKAGES.iter().any(|p| interface.starts_with(p)) || WASI_HTTP.contains(&interface))
}

/// Reads `path` and returns component bytes.
pub fn component_bytes(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if wasmparser::Parser::is_component(&bytes) {
        return Ok(bytes);
    }
    if !wasmparser::Parser::is_core_wasm(&bytes) {
        bail!("{} is neither a WebAssembly module nor a component", path.display());
    }
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(&bytes)
        .and_then(|e| {
            e.adapter(
                "wasi_snapshot_preview1",
                wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
            )
        })
        .and_then(|mut e| e.encode())
        .map_err(|e| format_err!("making a component of the module {}: {e:#}", path.display()))
}

/// Compiles the component and refuses, naming them, imports this host does not provide and a
/// missing `wasi:http/incoming-handler` export.
pub fn load(engine: &Engine, path: &Path) -> Result<Component> {
    let bytes = component_bytes(path)?;
    let component = Component::new(engine, &bytes).with_context(|| format!("compiling {}", path.display()))?;
    check(engine, &component, path)?;
    Ok(component)
}

/// The component's imports and exports, one per line, imports marked with whether this host
/// provides them (for `--imports`).
pub fn describe(engine: &Engine, path: &Path) -> Result<String> {
    let bytes = component_bytes(path)?;
    let component = Component::new(engine, &bytes).with_context(|| format!("compiling {}", path.display()))?;
    let ty = component.component_type();
    let mut out = String::new();
    for (name, _) in ty.imports(engine) {
        let mark = if provided(name) { "provided" } else { "NOT PROVIDED" };
        out.push_str(&format!("import {name}  ({mark})\n"));
    }
    for (name, _) in ty.exports(engine) {
        out.push_str(&format!("export {name}\n"));
    }
    Ok(out)
}

fn check(engine: &Engine, component: &Component, path: &Path) -> Result<()> {
    let ty = component.component_type();
    let missing: Vec<String> = ty
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .filter(|name| !provided(name))
        .collect();
    if !missing.is_empty() {
        bail!(
            "{} imports what this host does not provide: {}.\n\
             This host provides WASI 0.2, wasi:http outgoing-handler, fermyon:spin/key-value@2.0.0 \
             and fermyon:spin/variables@2.0.0 only.",
            path.display(),
            missing.join(", ")
        );
    }
    let exports_handler = ty.exports(engine).any(|(name, item)| {
        name.starts_with("wasi:http/incoming-handler@0.2.") && matches!(item.ty, ComponentItem::ComponentInstance(_))
    });
    if !exports_handler {
        bail!(
            "{} does not export wasi:http/incoming-handler@0.2.x: it is not an HTTP component \
             (with spin-sdk, mark the handler #[http_component])",
            path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provided_interfaces() {
        for name in [
            "wasi:io/streams@0.2.0",
            "wasi:cli/environment@0.2.6",
            "wasi:http/types@0.2.0",
            "wasi:http/outgoing-handler@0.2.3",
            "fermyon:spin/key-value@2.0.0",
            "fermyon:spin/variables@2.0.0",
        ] {
            assert!(provided(name), "{name}");
        }
        for name in [
            "fermyon:spin/llm@2.0.0",
            "fermyon:spin/sqlite@2.0.0",
            "fermyon:spin/key-value",
            "wasi:keyvalue/store@0.2.0-draft2",
            "wasi:io/streams@0.2.0-rc-2023-10-18",
            "wasi:http/types@0.3.0",
            "wasi:config/store@0.2.0-draft-2024-09-27",
        ] {
            assert!(!provided(name), "{name}");
        }
    }

    const HANDLER: &str = r#"
        (import "wasi:http/types@0.2.0" (instance $types
            (export "incoming-request" (type (sub resource)))
            (export "response-outparam" (type (sub resource)))))
        (alias export $types "incoming-request" (type $req))
        (alias export $types "response-outparam" (type $out))
        (core module $m (func (export "handle") (param i32 i32)))
        (core instance $i (instantiate $m))
        (func $handle (param "request" (own $req)) (param "response-out" (own $out))
            (canon lift (core func $i "handle")))
        (instance $h (export "handle" (func $handle)))
        (export "wasi:http/incoming-handler@0.2.0" (instance $h))"#;

    fn check_wat(wat: &str) -> Result<()> {
        let engine = Engine::default();
        let component = Component::new(&engine, wat)?;
        check(&engine, &component, Path::new("t.wasm"))
    }

    #[test]
    fn accepts_an_http_component() {
        check_wat(&format!("(component {HANDLER})")).unwrap();
    }

    #[test]
    fn refuses_unprovided_imports_by_name() {
        let wat = format!(
            "(component (import \"fermyon:spin/llm@2.0.0\" (instance)) (import \"wasi:keyvalue/store@0.2.0-draft2\" (instance)) {HANDLER})"
        );
        let err = check_wat(&wat).unwrap_err().to_string();
        assert!(err.contains("fermyon:spin/llm@2.0.0, wasi:keyvalue/store@0.2.0-draft2"), "{err}");
    }

    #[test]
    fn refuses_a_component_without_the_http_handler() {
        let err = check_wat("(component)").unwrap_err().to_string();
        assert!(err.contains("does not export wasi:http/incoming-handler"), "{err}");
    }

    #[test]
    fn rejects_what_is_not_wasm() {
        let dir = std::env::temp_dir().join(format!("mcp-host-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.wasm");
        std::fs::write(&path, b"not wasm").unwrap();
        let err = component_bytes(&path).unwrap_err().to_string();
        assert!(err.contains("neither"), "{err}");
        assert!(component_bytes(&dir.join("absent.wasm")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
