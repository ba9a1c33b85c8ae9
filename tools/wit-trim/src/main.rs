//! `wit-trim`: makes the module's embedded component type describe only what the module uses.
//!
//! ```text
//! wit-trim trim MODULE [-o OUT]          rewrite MODULE (or write OUT) with one trimmed section
//! wit-trim component MODULE -o OUT       write the component Spin would make (adapter if needed)
//! wit-trim sections MODULE               print the custom sections and their sizes
//! ```
//!
//! Why: `spin-sdk`'s `wit::generate!` embeds the type of the whole Spin platform world (key-value,
//! sqlite, redis, mqtt, llm, …: about 43 KB), its executor's bindings another 14 KB, and the
//! `wasi` crate, whose `proxy::export!` provides the component's export, its WASI worlds (40 KB).
//! Componentization (`wit-component`, as `spin up` and `spin build` run it) reads these
//! sections, merges them into one world, and keeps of it only what the core module imports. The
//! trimmed section states that same result up front: the merged world, minus every import the
//! module does not use (interface dependencies kept), so the component is the same and the module
//! carries ~7 KB of type information instead of ~65 KB. The section keeps the producers record
//! (`processed-by: wit-bindgen-rust 0.x`) the original sections had: Spin chooses how to
//! componentize a module by it (see `check_spin_detects_wit_bindgen`).
use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use wit_component::StringEncoding;
use wit_parser::{InterfaceId, Resolve, WorldItem, WorldKey};

/// Name of the one section written (wit-component reads every `component-type*` section).
const SECTION: &str = "component-type:mcp-authorizer";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, module, out) = match args.as_slice() {
        [c, m] => (c.as_str(), PathBuf::from(m), None),
        [c, m, o, out] if o == "-o" => (c.as_str(), PathBuf::from(m), Some(PathBuf::from(out))),
        _ => bail!("usage: wit-trim trim|component|sections MODULE [-o OUT]"),
    };
    let bytes = std::fs::read(&module).with_context(|| format!("reading {}", module.display()))?;
    match command {
        "trim" => {
            let trimmed = trim(&bytes)?;
            let out = out.unwrap_or(module);
            std::fs::write(&out, &trimmed).with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wit-trim: {} -> {} bytes ({})", bytes.len(), trimmed.len(), out.display());
        }
        "component" => {
            let out = out.context("component needs -o OUT")?;
            let component = componentize(&bytes)?;
            std::fs::write(&out, &component).with_context(|| format!("writing {}", out.display()))?;
            println!("{}", component.len());
        }
        "sections" => {
            for (name, size) in custom_sections(&bytes)? {
                println!("{size}\t{name}");
            }
            if let Some(version) = spin_bindgen_version(&bytes)? {
                println!("spin-detects\twit-bindgen {version}");
            }
        }
        other => bail!("unknown command {other}"),
    }
    Ok(())
}

/// The module with its `component-type*` sections replaced by one trimmed section.
fn trim(module: &[u8]) -> Result<Vec<u8>> {
    let (stripped, mut bindgen) = wit_component::metadata::decode(module)?;
    let Some(stripped) = stripped else {
        bail!("the module has no component-type section: nothing to trim");
    };
    // Which tools made the sections (`processed-by: wit-bindgen-rust 0.16.0`, ...): carried into
    // the trimmed section, because Spin chooses how to componentize a module by it.
    let producers = bindgen.producers.take();
    let (imports, exports) = module_names(module)?;
    let resolve = &mut bindgen.resolve;
    let world = bindgen.world;

    // Interfaces the module uses, by their WIT id ("wasi:http/types@0.2.0"), then everything
    // they depend on for their types.
    let named = |resolve: &Resolve, key: &WorldKey| match key {
        WorldKey::Interface(id) => resolve.id_of(*id),
        WorldKey::Name(name) => Some(name.clone()),
    };
    let mut keep: BTreeSet<InterfaceId> = BTreeSet::new();
    for (key, item) in resolve.worlds[world].imports.iter() {
        if let WorldItem::Interface { id, .. } = item {
            if named(resolve, key).is_some_and(|n| imports.contains(&n)) {
                keep.insert(*id);
            }
        }
    }
    for (key, item) in resolve.worlds[world].exports.iter() {
        if let WorldItem::Interface { id, .. } = item {
            if named(resolve, key).is_some_and(|n| exports.iter().any(|e| e.starts_with(&format!("{n}#")))) {
                keep.insert(*id);
            }
        }
    }
    let mut todo: Vec<InterfaceId> = keep.iter().copied().collect();
    while let Some(id) = todo.pop() {
        for dep in resolve.interface_direct_deps(id).collect::<Vec<_>>() {
            if keep.insert(dep) {
                todo.push(dep);
            }
        }
    }

    let w = &mut resolve.worlds[world];
    w.imports.retain(|_, item| match item {
        WorldItem::Interface { id, .. } => keep.contains(id),
        // Types imported into the world itself and bare functions: keep (they are small).
        _ => true,
    });
    w.exports.retain(|_, item| match item {
        WorldItem::Interface { id, .. } => keep.contains(id),
        _ => true,
    });

    // `decode` merged the sections into a synthetic `root:root/root` world; the preview1 adapter
    // brings a world of that name too, and two different worlds under one name do not merge.
    // Give ours a name of its own.
    w.name = "authorizer".to_string();
    if let Some(pkg) = w.package {
        let name = wit_parser::PackageName {
            namespace: "mcp-authorizer".to_string(),
            name: "component".to_string(),
            version: None,
        };
        let old = resolve.packages[pkg].name.clone();
        resolve.package_names.shift_remove(&old);
        resolve.package_names.insert(name.clone(), pkg);
        let package = &mut resolve.packages[pkg];
        package.name = name;
        if let Some(id) = package.worlds.shift_remove("root") {
            package.worlds.insert("authorizer".to_string(), id);
        }
    }
    let section =
        wit_component::metadata::encode(resolve, world, StringEncoding::UTF8, producers.as_ref())?;
    check_spin_detects_wit_bindgen(&section)?;
    let mut out = stripped;
    // Section id 0 (custom), then the section's size, name and data.
    out.push(0);
    wasm_encoder::Encode::encode(
        &wasm_encoder::CustomSection { name: SECTION.into(), data: section.into() },
        &mut out,
    );
    // The result must still be a valid module and must componentize.
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&out)
        .context("the trimmed module does not validate")?;
    componentize(&out).context("the trimmed module no longer componentizes")?;
    Ok(out)
}

/// Fails unless Spin would componentize a module carrying `section` as a wit-bindgen >= 0.5
/// module. Spin (crates/componentize, `ModuleInfo` and `WitBindgenVersion`) decodes each
/// `component-type*` section on its own and reads its `producers` `processed-by` field: an entry
/// `wit-bindgen*` with version `0.x` or `0.x.y`, x >= 5, selects plain wit-component with the
/// preview1 adapter; no such entry selects the path for wit-bindgen 0.2 modules, which
/// re-targets every import to Spin's old adapter and fails for this module. wit-component's own
/// encoder names only itself, so the trimmed section must keep wit-bindgen's entry.
fn check_spin_detects_wit_bindgen(section: &[u8]) -> Result<()> {
    let mut module = wasm_encoder::Module::new();
    module.section(&wasm_encoder::CustomSection { name: SECTION.into(), data: section.into() });
    let Some(version) = spin_bindgen_version(module.as_slice())? else {
        bail!(
            "the trimmed section names no wit-bindgen in processed-by: Spin would take the \
             wit-bindgen 0.2 path (a module trimmed by an older wit-trim lost the record: rebuild \
             it, e.g. `cargo clean -p ftl-mcp-authorizer --release --target wasm32-wasip1`)"
        );
    };
    let parts: Vec<&str> = version.split('.').collect();
    let minor = match parts.as_slice() {
        ["0", minor] | ["0", minor, _] => minor.parse::<u32>().ok(),
        _ => None,
    };
    if minor.is_none_or(|m| m < 5) {
        bail!("wit-bindgen {version} in processed-by: Spin componentizes only 0.x, x >= 5");
    }
    Ok(())
}

/// The wit-bindgen version Spin reads off a module: the `processed-by` `wit-bindgen*` entry of
/// the last `component-type*` section that decodes (Spin keeps the last one it parses).
fn spin_bindgen_version(module: &[u8]) -> Result<Option<String>> {
    let mut found = None;
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        let wasmparser::Payload::CustomSection(s) = payload? else { continue };
        if !s.name().starts_with("component-type") {
            continue;
        }
        let mut one = wasm_encoder::Module::new();
        one.section(&wasm_encoder::CustomSection { name: s.name().into(), data: s.data().into() });
        let Ok((_, bindgen)) = wit_component::metadata::decode(one.as_slice()) else { continue };
        found = bindgen.producers.as_ref().and_then(|p| p.get("processed-by")).and_then(|tools| {
            tools.iter().find_map(|(tool, v)| tool.starts_with("wit-bindgen").then(|| v.clone()))
        });
    }
    Ok(found)
}

/// The component `spin up` would run: the module with the WASI preview1 reactor adapter, which
/// wit-component leaves out when the module imports nothing from `wasi_snapshot_preview1`.
fn componentize(module: &[u8]) -> Result<Vec<u8>> {
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(module)?
        .adapter(
            "wasi_snapshot_preview1",
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        )?
        .encode()
}

/// Import module names and export names of a core module.
fn module_names(module: &[u8]) -> Result<(BTreeSet<String>, Vec<String>)> {
    let mut imports = BTreeSet::new();
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        match payload? {
            wasmparser::Payload::ImportSection(s) => {
                for import in s {
                    imports.insert(import?.module.to_string());
                }
            }
            wasmparser::Payload::ExportSection(s) => {
                for export in s {
                    exports.push(export?.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

/// Every custom section's name and size.
fn custom_sections(module: &[u8]) -> Result<Vec<(String, usize)>> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        if let wasmparser::Payload::CustomSection(s) = payload? {
            out.push((s.name().to_string(), s.data().len()));
        }
    }
    Ok(out)
}
