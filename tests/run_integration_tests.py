#!/usr/bin/env python3
"""Builds what the end-to-end suite needs and runs it (the seed's runner name).

    pip install -r tests/requirements.txt
    python tests/run_integration_tests.py [--no-build] [pytest args...]

Steps: the component (`scripts/build-component`: the cargo build, then the WIT trim), the
wasmtime host and its unit tests (host/, its own cargo workspace), then pytest on tests/e2e.
Everything runs on loopback and is bounded in time."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
HOST_MANIFEST = REPO / "host" / "Cargo.toml"
PYTEST_TIMEOUT_S = 1800  # the whole e2e run; each host also stops itself (--exit-after)
BUILD_TIMEOUT_S = 3600


def step(title: str, cmd: list[str], timeout: float, **kw) -> None:
    print(f"\n=== {title}: {' '.join(cmd)}", flush=True)
    started = time.monotonic()
    try:
        result = subprocess.run(cmd, cwd=REPO, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        sys.exit(f"{title}: timed out after {timeout:.0f}s")
    print(f"=== {title}: {time.monotonic() - started:.1f}s", flush=True)
    if result.returncode != 0:
        sys.exit(f"{title} failed (exit {result.returncode})")


def check_python_packages() -> None:
    missing = []
    for module in ("mcp", "jwt", "cryptography", "pytest", "httpx", "uvicorn"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        sys.exit(f"missing Python packages ({', '.join(missing)}): pip install -r tests/requirements.txt")


def main(argv: list[str]) -> int:
    build = "--no-build" not in argv
    pytest_args = [a for a in argv if a != "--no-build"]
    check_python_packages()
    if build:
        step("component", [str(REPO / "scripts" / "build-component")], BUILD_TIMEOUT_S)
        step("host", ["cargo", "build", "--release", "--manifest-path", str(HOST_MANIFEST)], BUILD_TIMEOUT_S)
        step("host unit tests", ["cargo", "test", "--release", "--manifest-path", str(HOST_MANIFEST)], BUILD_TIMEOUT_S)
    cmd = [sys.executable, "-m", "pytest", str(REPO / "tests" / "e2e"), "-p", "no:cacheprovider", *pytest_args]
    print(f"\n=== e2e: {' '.join(cmd)}", flush=True)
    started = time.monotonic()
    try:
        code = subprocess.run(cmd, cwd=REPO, timeout=PYTEST_TIMEOUT_S, env=dict(os.environ)).returncode
    except subprocess.TimeoutExpired:
        sys.exit(f"e2e: timed out after {PYTEST_TIMEOUT_S}s")
    print(f"=== e2e: {time.monotonic() - started:.1f}s", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
