#!/usr/bin/env python3
"""Compiles one WebAssembly module or component with wasmtime, on one thread, and exits.

Run under callgrind, the instruction count is the work Cranelift spends compiling it — what a
fresh Spin node pays before the first request — independent of machine load:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null python3 scripts/compile_count.py FILE

`scripts/size-report` subtracts the count for an empty module (`--empty`), which is the cost of
starting Python and wasmtime. Needs the `wasmtime` PyPI package (tests/requirements.txt).
"""
import sys

import wasmtime
import wasmtime.component


def main() -> None:
    config = wasmtime.Config()
    config.parallel_compilation = False  # one thread: the count must not depend on scheduling
    config.wasm_component_model = True
    engine = wasmtime.Engine(config)
    if sys.argv[1:] == ["--empty"]:
        wasmtime.Module(engine, b"\0asm\x01\0\0\0")
        return
    data = open(sys.argv[1], "rb").read()
    # Byte 4..8: module version 1, or the component-model layer.
    if data[4:8] == b"\x0d\x00\x01\x00":
        wasmtime.component.Component(engine, data)
    else:
        wasmtime.Module(engine, data)


if __name__ == "__main__":
    main()
