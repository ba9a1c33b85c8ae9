"""Starts the wasmtime host (host/, `mcp-authorizer-host`) with the component and collects its
output. Each instance is bounded: `--exit-after` stops it even if the test run is killed."""
from __future__ import annotations

import os
import pathlib
import queue
import subprocess
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[3]
HOST_BIN = pathlib.Path(os.environ.get("MCP_HOST_BIN", REPO / "host" / "target" / "release" / "mcp-authorizer-host"))
WASM = pathlib.Path(
    os.environ.get("MCP_AUTHORIZER_WASM", REPO / "target" / "wasm32-wasip1" / "release" / "ftl_mcp_authorizer.wasm")
)
MANIFEST = REPO / "spin.toml"
RUNTIME_CONFIG = REPO / "runtime-config.toml"  # defines the `mcp_authorizer` store label
COMPONENT = os.environ.get("MCP_AUTHORIZER_COMPONENT", "mcp-authorizer")  # its id in spin.toml
MAX_LIFETIME_S = 900


class Host:
    def __init__(
        self,
        variables: dict[str, str],
        *,
        routes: dict[str, str] | None = None,
        allow_outbound: list[str] | None = None,
        env: dict[str, str] | None = None,
        manifest: pathlib.Path | None | str = "repo",
        runtime_config: pathlib.Path | None | str = "repo",
    ):
        """`manifest`: "repo" uses the repository's spin.toml when there is one; None, none.
        `runtime_config`: "repo" passes the repository's runtime-config.toml with a manifest."""
        args = [str(HOST_BIN), "--wasm", str(WASM), "--listen", "127.0.0.1:0", "--exit-after", str(MAX_LIFETIME_S)]
        if manifest == "repo":
            manifest = MANIFEST if MANIFEST.exists() else None
        if manifest is not None:
            args += ["--manifest", str(manifest)]
            if COMPONENT and pathlib.Path(manifest) == MANIFEST:
                args += ["--component", COMPONENT]
            if runtime_config == "repo":
                runtime_config = RUNTIME_CONFIG if RUNTIME_CONFIG.exists() else None
            if runtime_config is not None:
                args += ["--runtime-config-file", str(runtime_config)]
        for name, value in variables.items():
            args += ["--var", f"{name}={value}"]
        for name, url in (routes or {}).items():
            args += ["--route-internal", f"{name}={url}"]
        for pattern in allow_outbound or []:
            args += ["--allow-outbound", pattern]
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("SPIN_VARIABLE_")}
        child_env.update(env or {})
        self.args = args
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env, text=True, bufsize=1
        )
        self._lines: list[str] = []  # stdout and stderr, as they come
        self._lock = threading.Lock()
        started: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(self.proc.stdout, started), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, None), daemon=True).start()
        try:
            first = started.get(timeout=120)
        except queue.Empty:
            self.close()
            raise RuntimeError(f"the host did not start in time; output:\n{self.output()}")
        if not first.startswith("Serving http://"):
            self.close()
            raise RuntimeError(f"the host failed to start:\n{self.output()}")
        self.url = first.split()[1].rstrip("/")

    def _pump(self, stream, started):
        for line in stream:
            with self._lock:
                self._lines.append(line.rstrip("\n"))
            if started is not None:
                started.put(line.strip())
                started = None
        if started is not None:
            started.put("")  # exited before serving

    def output(self) -> str:
        time.sleep(0.05)  # let the pumps catch up with what was just written
        with self._lock:
            return "\n".join(self._lines)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def run_host(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs the host binary to completion (for start-up errors)."""
    return subprocess.run([str(HOST_BIN), *args], capture_output=True, text=True, timeout=timeout)
