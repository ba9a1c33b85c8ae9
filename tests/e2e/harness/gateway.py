"""The MCP gateway behind the authorizer: a real MCP server from the official Python SDK
(FastMCP over Streamable HTTP, stateful sessions), served by uvicorn on loopback, with a
recorder that keeps every request's method, path, headers and body for the tests to inspect."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import uvicorn
from mcp.server.fastmcp import Context, FastMCP


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes = b""

    def header(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Gateway:
    port: int
    requests: list[Seen] = field(default_factory=list)
    tick_times: list[float] = field(default_factory=list)  # when `ticker` sent each event

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def clear(self) -> None:
        self.requests.clear()
        self.tick_times.clear()

    def posts(self, rpc_method: str) -> list[Seen]:
        """Recorded POSTs whose JSON-RPC body (single or batch) contains `rpc_method`."""
        out = []
        for r in self.requests:
            if r.method != "POST" or not r.body:
                continue
            try:
                doc = r.json()
            except ValueError:
                continue
            msgs = doc if isinstance(doc, list) else [doc]
            if any(isinstance(m, dict) and m.get("method") == rpc_method for m in msgs):
                out.append(r)
        return out


def build_mcp(gateway: Gateway) -> FastMCP:
    mcp = FastMCP("e2e-gateway", log_level="WARNING")

    @mcp.tool()
    def add(a: int, b: int) -> int:
        """Adds two integers."""
        return a + b

    @mcp.tool()
    def echo(text: str) -> str:
        """Returns its input."""
        return text

    @mcp.tool()
    async def ticker(count: int, interval: float, ctx: Context) -> str:
        """Sends `count` log notifications `interval` seconds apart on the request's SSE stream."""
        for i in range(count):
            if i:
                await asyncio.sleep(interval)
            gateway.tick_times.append(time.monotonic())
            await ctx.info(f"tick {i}")
        return f"ticked {count}"

    return mcp


class Recorder:
    """ASGI middleware that records each HTTP request (headers and full body) before the app
    runs, then hands it to the MCP endpoint whatever its path."""

    def __init__(self, app, gateway: Gateway):
        self.app = app
        self.gateway = gateway

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        seen = Seen(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=[(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]],
        )
        self.gateway.requests.append(seen)

        async def recording_receive():
            message = await receive()
            if message["type"] == "http.request":
                seen.body += message.get("body", b"")
            return message

        # Serve MCP whatever path the authorizer forwards to (the tests check the path it used).
        scope = dict(scope, path="/mcp", raw_path=b"/mcp")
        await self.app(scope, recording_receive, send)


class GatewayServer:
    """Runs the gateway in a daemon thread; `close()` stops it (the thread dies with the process)."""

    def __init__(self, app_factory: Callable[[Gateway], Any] | None = None):
        """`app_factory(gateway)`: the ASGI app to serve behind the recorder (default: the
        FastMCP server of `build_mcp`, stateful, answering in SSE)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.gateway = Gateway(port=sock.getsockname()[1])
        factory = app_factory or (lambda g: build_mcp(g).streamable_http_app())
        app = Recorder(factory(self.gateway), self.gateway)
        config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the MCP gateway did not start")
            time.sleep(0.02)

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
