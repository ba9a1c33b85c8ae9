"""A throwaway `redis-server` on a free loopback port (no persistence, in a temp dir), a tiny
RESP client to read its counters (`INFO commandstats`), and the Spin runtime config that puts
the authorizer's `mcp_authorizer` store in it. Each server is bounded: the `redis_server`
fixture stops it after the test, and it runs under coreutils `timeout`, so even if the test run
is killed it is gone after MAX_LIFETIME_S, like the hosts (`--exit-after`).

Without `redis-server` installed the tests that need it are skipped, except under CI (`CI` set),
where that is a failure: `.ci/run` installs the Debian package."""
from __future__ import annotations

import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

REDIS_SERVER = shutil.which("redis-server")
MAX_LIFETIME_S = 900
STORE_LABEL = "mcp_authorizer"  # spin.toml grants it to the authorizer only
# The data commands of Spin's Redis key-value store (get, set, delete, exists, get-keys).
READS = ("get", "exists", "keys")
WRITES = ("set", "del")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, port: int | None = None):
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed (Debian package redis-server; .ci/run installs it)")
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="e2e-redis-"))
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Starts the server (again, on the same port: a restart loses every key)."""
        # `timeout` passes our SIGTERM on to redis-server and waits for it.
        args = ["timeout", str(MAX_LIFETIME_S), REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.dir), "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.command("PING") == "PONG":
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def restart(self, down_s: float = 0.0) -> None:
        self.stop()
        if down_s:
            time.sleep(down_s)
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- a minimal RESP2 client: enough for PING, INFO, CONFIG RESETSTAT, KEYS, FLUSHALL --
    def command(self, *args: str):
        payload = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args)
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(payload)
            return _read_reply(s.makefile("rb"))

    def commandstats(self) -> dict[str, int]:
        """Calls per command since the last reset, e.g. {"get": 12, "set": 1}."""
        stats: dict[str, int] = {}
        for line in self.command("INFO", "commandstats").splitlines():
            if line.startswith("cmdstat_"):
                name, fields = line[len("cmdstat_"):].split(":", 1)
                calls = dict(f.split("=", 1) for f in fields.split(","))["calls"]
                stats[name] = int(calls)
        return stats

    def data_ops(self) -> tuple[int, int]:
        """(reads, writes) of the key-value data commands since the last reset."""
        stats = self.commandstats()
        return sum(stats.get(c, 0) for c in READS), sum(stats.get(c, 0) for c in WRITES)

    def reset_stats(self) -> None:
        self.command("CONFIG", "RESETSTAT")

    def keys(self) -> list[str]:
        return sorted(self.command("KEYS", "*"))

    def runtime_config(self, label: str = STORE_LABEL) -> pathlib.Path:
        """A Spin runtime config file (`--runtime-config-file`) keeping `label` in this Redis."""
        path = self.dir / f"runtime-config-{label}.toml"
        path.write_text(f'[key_value_store.{label}]\ntype = "redis"\nurl = "{self.url}"\n')
        return path


@pytest.fixture
def redis_server():
    """A fresh redis-server for one test; stopped (and its temp dir removed) afterwards."""
    if REDIS_SERVER is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed: .ci/run installs the Debian package redis-server")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer()
    yield server
    server.close()


def _read_reply(f):
    line = f.readline()
    if not line:
        raise OSError("redis closed the connection")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(f"redis error: {rest.decode()}")
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode("utf-8", "replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    raise OSError(f"unexpected redis reply {line!r}")
