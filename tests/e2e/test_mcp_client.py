"""The official MCP Python SDK client, through the authorizer, to a real MCP server."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from harness import config, mcp_http, tokens


async def sdk_session(url: str, token: str):
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        async with streamable_http_client(url, http_client=http) as (read, write, _session_id):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                tools = await session.list_tools()
                added = await session.call_tool("add", {"a": 2, "b": 40})
                echoed = await session.call_tool("echo", {"text": "héllo ✓"})
                return init, tools, added, echoed


def test_sdk_client_initializes_lists_and_calls_tools(host, gateway, mint):
    init, tools, added, echoed = asyncio.run(sdk_session(host.url + config.MCP_PATH, mint()))
    assert init.serverInfo.name == "e2e-gateway"
    assert sorted(t.name for t in tools.tools) == ["add", "echo", "ticker"]
    assert not added.isError and added.content[0].text == "42"
    assert not echoed.isError and echoed.content[0].text == "héllo ✓"
    # The session id minted by the gateway went back to the client and came forward again.
    later = [r for r in gateway.requests if r.header("mcp-session-id")]
    assert later and len({r.header("mcp-session-id")[0] for r in later}) == 1


@pytest.mark.parametrize("alg", sorted(tokens.ALG_KEYS))
def test_each_algorithm_is_accepted(host, gateway, client, mint, alg):
    r = mcp_http.post(client, host.url + config.MCP_PATH, mcp_http.initialize(), token=mint(alg=alg))
    assert r.status_code == 200, r.text
    [msg] = mcp_http.messages(r)
    assert msg["id"] == 1 and msg["result"]["serverInfo"]["name"] == "e2e-gateway"
    assert len(gateway.posts("initialize")) == 1
