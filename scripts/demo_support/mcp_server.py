"""The demo MCP server behind the authorizer: FastMCP from the official MCP Python SDK over
Streamable HTTP at /mcp, on 127.0.0.1. Stateless with JSON responses, so that each curl call
stands alone (no session id to carry over)."""
from __future__ import annotations

import socket
import threading
import time

import uvicorn
from mcp.server.fastmcp import Context, FastMCP


def build() -> FastMCP:
    mcp = FastMCP("mcp-authorizer-demo", log_level="WARNING", stateless_http=True, json_response=True)

    @mcp.tool()
    def add(a: int, b: int) -> int:
        """Adds two integers."""
        return a + b

    @mcp.tool()
    def whoami(ctx: Context) -> dict[str, str]:
        """The caller's identity, as the authorizer forwarded it (x-auth-* headers, set from the
        verified token; the token itself is not forwarded)."""
        request = ctx.request_context.request
        headers = request.headers if request is not None else {}
        return {k: v for k, v in headers.items() if k.startswith("x-auth-") or k == "authorization"}

    return mcp


class DemoMcpServer:
    """uvicorn in a daemon thread: it dies with the demo process whatever happens."""

    def __init__(self):
        """Binds the port; `start()` serves."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        config = uvicorn.Config(
            build().streamable_http_app(), log_level="warning", lifespan="on", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the demo MCP server did not start")
            time.sleep(0.05)

    def close(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=5)
