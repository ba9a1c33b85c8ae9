"""The module as Spin receives it (spin.toml's `source`), checked the way Spin's componentize
step reads it: the host componentizes with wit-component directly, so these are the properties
a real `spin up` depends on that the other end-to-end tests cannot see.

- Spin (crates/componentize) reads the `processed-by` producers of the module's
  `component-type*` section: a `wit-bindgen` 0.x entry with x >= 5 selects plain wit-component;
  without one it takes the wit-bindgen 0.2 path, which cannot componentize this module.
- No import from `wasi_snapshot_preview1`: the component then needs no preview1 adapter.
- The one export Spin's HTTP trigger calls, `wasi:http/incoming-handler@0.2.0`, and the
  canonical ABI realloc that lists and strings are lowered through."""
from __future__ import annotations

import re
import subprocess

import wasmtime

from harness.host import REPO, WASM

WIT_TRIM = REPO / "tools" / "wit-trim" / "target" / "release" / "wit-trim"


def module() -> wasmtime.Module:
    return wasmtime.Module.from_file(wasmtime.Engine(), str(WASM))


def test_spin_detects_wit_bindgen_0_5_or_later():
    out = subprocess.run([str(WIT_TRIM), "sections", str(WASM)], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    sections = [line.split("\t")[1] for line in out.splitlines() if line.split("\t")[0].isdigit()]
    assert sections == ["component-type:mcp-authorizer"], out
    found = re.search(r"^spin-detects\twit-bindgen (\d+)\.(\d+)(?:\.\d+)?$", out, re.M)
    assert found, f"no wit-bindgen in the section's processed-by; Spin would fail:\n{out}"
    assert (int(found.group(1)), int(found.group(2))) >= (0, 5) and found.group(1) == "0", out


def test_imports_nothing_from_wasi_preview1():
    imports = [(i.module, i.name) for i in module().imports]
    assert imports, "a module with no imports is not the authorizer"
    assert [i for i in imports if i[0] == "wasi_snapshot_preview1"] == []
    # Only WASI 0.2.0 and Spin 2.0 interfaces, which Spin 2.2 and later all provide.
    assert {m for m, _ in imports} <= {
        "wasi:http/types@0.2.0", "wasi:http/outgoing-handler@0.2.0", "wasi:io/streams@0.2.0",
        "wasi:io/poll@0.2.0", "wasi:io/error@0.2.0", "wasi:clocks/wall-clock@0.2.0",
        "wasi:clocks/monotonic-clock@0.2.0", "wasi:random/random@0.2.0", "wasi:cli/stderr@0.2.0",
        "fermyon:spin/key-value@2.0.0", "fermyon:spin/variables@2.0.0",
    }, sorted({m for m, _ in imports})


def test_exports_the_incoming_handler_and_realloc():
    exports = {e.name for e in module().exports}
    assert "wasi:http/incoming-handler@0.2.0#handle" in exports, sorted(exports)
    assert "cabi_realloc" in exports, sorted(exports)
    assert "memory" in exports
