"""A demo MCP server with read and write tools, for the per-tool policy (`auth_policy`): a real
FastMCP server of the official Python SDK, stateless (MCP 2026-07-28 has no `initialize` and no
session; older clients still initialize, which a stateless server answers), answering either in
`application/json` (`json_response=True`) or in `text/event-stream` (the SDK's default).

The SDK (mcp 1.30) knows protocol versions up to 2025-11-25 and refuses any other
`MCP-Protocol-Version` with 400. To let it stand for a 2026-07-28 server, `NextVersion` shows
it 2025-11-25 instead, AFTER the recorder has kept the headers exactly as the authorizer
forwarded them (the tests check those)."""
from __future__ import annotations

from mcp.server.fastmcp import FastMCP

from harness.gateway import Gateway, GatewayServer

NEXT_VERSION = "2026-07-28"
SDK_VERSION = "2025-11-25"

READ_TOOLS = ["list_files", "read_file"]
WRITE_TOOLS = ["write_file"]
ADMIN_TOOLS = ["delete_file"]


def build_tools_mcp(json_response: bool) -> FastMCP:
    mcp = FastMCP("e2e-tools", log_level="WARNING", json_response=json_response, stateless_http=True)
    files: dict[str, str] = {"notes.txt": "hello"}

    @mcp.tool()
    def list_files() -> list[str]:
        """Names of the stored files."""
        return sorted(files)

    @mcp.tool()
    def read_file(path: str) -> str:
        """The text of a stored file."""
        return files.get(path, "")

    @mcp.tool()
    def write_file(path: str, text: str) -> str:
        """Stores a file."""
        files[path] = text
        return f"wrote {len(text)} characters to {path}"

    @mcp.tool()
    def delete_file(path: str) -> str:
        """Deletes a stored file."""
        files.pop(path, None)
        return f"deleted {path}"

    return mcp


class NextVersion:
    """ASGI middleware: `MCP-Protocol-Version: 2026-07-28` reaches the SDK as 2025-11-25."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = [
                (k, SDK_VERSION.encode() if k.lower() == b"mcp-protocol-version" and v == NEXT_VERSION.encode() else v)
                for k, v in scope["headers"]
            ]
            scope = dict(scope, headers=headers)
        return await self.app(scope, receive, send)


def tool_server(json_response: bool) -> GatewayServer:
    """The demo server behind the recorder of harness.gateway (`.gateway.requests`)."""

    def factory(_gateway: Gateway):
        return NextVersion(build_tools_mcp(json_response).streamable_http_app())

    return GatewayServer(factory)
