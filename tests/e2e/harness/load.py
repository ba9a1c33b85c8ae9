"""Concurrent load against one or more authorizer hosts (tests/e2e/test_load.py,
test_scale_out.py and scripts/load-bench): a fast JSON-RPC upstream with fault switches, a
mix of request kinds each with the statuses it may get, a fixed number of worker threads on
keep-alive connections, and the figures (p50/p99, statuses, provider fetches, KV operations).

Everything is on loopback and bounded: a run stops after `requests` requests or `max_s`
seconds, whichever comes first."""
from __future__ import annotations

import http.client
import json
import os
import pathlib
import random
import socket
import statistics
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from . import config, tokens

SLOW_MARK = b'"id":"slow'  # a JSON-RPC id starting with "slow": the upstream takes `slow_s`
RPC = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, separators=(",", ":")).encode()
RPC_SLOW = json.dumps({"jsonrpc": "2.0", "id": "slow-1", "method": "tools/list"}, separators=(",", ":")).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # listen backlog: the host opens a connection per forwarded request


class Upstream:
    """The MCP server stand-in: answers every POST with one small JSON-RPC result. `delay_s`
    slows every answer; a body with a `slow…` id waits `slow_s` instead (past the gateway
    timeout, for 504s)."""

    def __init__(self):
        self.delay_s = 0.0
        self.slow_s = 0.0
        self.served = 0
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # head and body are two writes: no 40 ms Nagle wait
            timeout = 30

            def do_POST(self):  # noqa: N802
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                wait = upstream.slow_s if SLOW_MARK in body else upstream.delay_s
                if wait:
                    time.sleep(wait)
                with upstream._lock:
                    upstream.served += 1
                out = b'{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}'
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass  # the authorizer gave up (gateway timeout): expected in that test

            def log_message(self, *args):
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@dataclass(frozen=True)
class Kind:
    """One kind of request: its token (None: no Authorization header), body, and the statuses
    it may be answered with."""

    name: str
    token: str | None
    expect: frozenset[int]
    body: bytes = RPC


def valid_kinds(issuer: str, *, users: int = 4, lifetime: int = 900, name: str = "valid",
                expect: int = 200, **claims) -> list[Kind]:
    """Valid tokens: every algorithm the fixture keys sign × `users` subjects (with `claims`)."""
    return [
        Kind(f"{name} {alg}",
             tokens.mint(issuer, config.AUDIENCE, alg=alg, sub=f"user-{u}", lifetime=lifetime, **claims),
             frozenset({expect}))
        for alg in sorted(tokens.ALG_KEYS)
        for u in range(users)
    ]


def invalid_kinds(issuer: str, *, random_kids: int = 8, lifetime: int = 900) -> list[Kind]:
    """Tokens the authorizer must refuse with 401: a tampered claim, a wrong signing key under
    a known kid, expired, another audience, and `random_kids` unknown kids (each a refetch
    candidate: the cooldown must hold)."""
    mint = lambda **kw: tokens.mint(issuer, config.AUDIENCE, lifetime=lifetime, **kw)  # noqa: E731
    kinds = [
        Kind("tampered", tokens.tamper(mint(alg="ES256")), frozenset({401})),
        Kind("wrong key", mint(key=tokens.WRONG_KEY, kid="rsa-2048"), frozenset({401})),
        Kind("expired", tokens.mint(issuer, config.AUDIENCE, iat=int(time.time()) - 7200,
                                    nbf=int(time.time()) - 7200, exp=int(time.time()) - 3600), frozenset({401})),
        Kind("wrong audience", tokens.mint(issuer, "https://other.example/mcp", lifetime=lifetime), frozenset({401})),
    ]
    kinds += [Kind("random kid", mint(kid=f"random-{random.getrandbits(64):016x}"), frozenset({401}))
              for _ in range(random_kids)]
    return kinds


def no_token_kind() -> Kind:
    """Refused before any key lookup (no Authorization header): the floor."""
    return Kind("no token", None, frozenset({401}))


@dataclass
class Result:
    kind: str
    status: int  # 0: the connection failed (`error` says how)
    latency_s: float
    started: float  # monotonic
    error: str = ""


@dataclass
class Run:
    """The outcome of one load run."""

    label: str
    concurrency: int
    results: list[Result]
    elapsed_s: float
    fetches: int = 0
    kv_reads: int | None = None
    kv_writes: int | None = None
    notes: str = ""
    unexpected: list[tuple[str, int | str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.results)

    def statuses(self) -> Counter[int]:
        return Counter(r.status for r in self.results)

    def percentile(self, q: float) -> float:
        lat = sorted(r.latency_s for r in self.results)
        if not lat:
            return 0.0
        return lat[min(len(lat) - 1, int(q * len(lat)))]

    def rate(self) -> float:
        return self.count / self.elapsed_s if self.elapsed_s else 0.0

    def kv_per_request(self) -> str:
        if self.kv_reads is None:
            return "-"
        return f"{self.kv_reads / max(1, self.count):.2f} r / {self.kv_writes / max(1, self.count):.4f} w"


def _connect(url: str, timeout_s: float) -> http.client.HTTPConnection:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout_s)
    conn.connect()
    # http.client sends the head and the body in two writes: without TCP_NODELAY, Nagle holds
    # the body back until the head is acknowledged (a delay that is the client's, not the host's).
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def _request(conn: http.client.HTTPConnection, kind: Kind) -> int:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if kind.token is not None:
        headers["Authorization"] = f"Bearer {kind.token}"
    conn.request("POST", config.MCP_PATH, body=kind.body, headers=headers)
    if conn.sock is not None:
        # The host writes a response's head and body separately: acknowledge at once, or
        # Nagle on its side waits ~40 ms for our delayed ACK.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    response = conn.getresponse()
    response.read()
    return response.status


def run(
    label: str,
    urls: list[str],
    kinds: list[Kind],
    *,
    requests: int,
    concurrency: int = 32,
    max_s: float = 30.0,
    weights: list[float] | None = None,
    during: Callable[[float], None] | None = None,
    timeout_s: float = 10.0,
) -> Run:
    """Sends `requests` requests (at most `max_s` seconds), `concurrency` at a time, each kind
    drawn at random (seeded: the same mix each run) and the hosts taken in turn. `during(t)`,
    if given, is called from a side thread about every 50 ms with the seconds since the start
    (to inject faults)."""
    rng = random.Random(11)
    plan = rng.choices(kinds, weights=weights, k=requests)
    next_index = iter(range(requests))
    lock = threading.Lock()
    results: list[Result] = []
    started = time.monotonic()
    deadline = started + max_s
    stop = threading.Event()

    def worker(w: int) -> None:
        conns: dict[str, http.client.HTTPConnection] = {}
        local: list[Result] = []
        try:
            while time.monotonic() < deadline:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    break
                kind = plan[i]
                url = urls[i % len(urls)]
                conn = conns.get(url)
                t0 = time.monotonic()
                error = ""
                try:
                    if conn is None:
                        conn = conns[url] = _connect(url, timeout_s)
                    status = _request(conn, kind)
                except (OSError, http.client.HTTPException) as e:
                    status, error = 0, type(e).__name__
                    if conn is not None:
                        conn.close()
                    conns.pop(url, None)
                local.append(Result(kind.name, status, time.monotonic() - t0, t0 - started, error))
        finally:
            for c in conns.values():
                c.close()
            with lock:
                results.extend(local)

    def side() -> None:
        while not stop.wait(0.05):
            during(time.monotonic() - started)  # type: ignore[misc]

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(concurrency)]
    injector = threading.Thread(target=side, daemon=True) if during else None
    if injector:
        injector.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max_s + timeout_s + 5)
    stop.set()
    if injector:
        injector.join(timeout=5)
    elapsed = time.monotonic() - started
    by_name = {k.name: k for k in kinds}
    unexpected = [(r.kind, r.status or r.error) for r in results if r.status not in by_name[r.kind].expect]
    return Run(label, concurrency, sorted(results, key=lambda r: r.started), elapsed, unexpected=unexpected)


def rss_kib(pid: int) -> int:
    """Resident set size of `pid` (VmRSS), in KiB."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def table(runs: list[Run]) -> str:
    """The runs as a Markdown table."""
    head = ("| run | requests | concurrency | req/s | p50 | p99 | statuses | provider fetches | KV ops per request |\n"
            "|---|---:|---:|---:|---:|---:|---|---:|---|")
    rows = []
    for r in runs:
        statuses = " ".join(f"{s or 'conn-err'}×{n}" for s, n in sorted(r.statuses().items()))
        rows.append(f"| {r.label} | {r.count} | {r.concurrency} | {r.rate():.0f} | {r.percentile(0.5) * 1e3:.1f} ms "
                    f"| {r.percentile(0.99) * 1e3:.1f} ms | {statuses} | {r.fetches} | {r.kv_per_request()} |")
    return "\n".join([head, *rows])


def machine() -> str:
    """The machine a figure was measured on: CPU model, cores, load average."""
    model = "unknown CPU"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        model = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration, subprocess.SubprocessError):
        pass
    load = " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])
    return f"{model}, {os.cpu_count()} cores (nproc), load average {load}"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
