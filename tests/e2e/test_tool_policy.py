"""Per-tool authorization (`auth_policy`, README "Per-tool authorization", issue 10) end to end:
the official MCP Python SDK client, through the real component in the wasmtime host, to a real
FastMCP server with read, write and admin tools (harness/tool_server.py), answering in JSON and
in SSE. Raw httpx where status codes, challenges and headers are the point."""
from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from harness import config, mcp_http
from harness.tool_server import ADMIN_TOOLS, NEXT_VERSION, READ_TOOLS, WRITE_TOOLS, tool_server

POLICY = (
    "tools/call:delete_* -> mcp:admin; tools/call:write_* -> mcp:write; tools/call -> mcp:read; "
    "tools/list -> mcp:read; * -> mcp:read; default deny"
)
READ = "mcp:read"
WRITE = "mcp:read mcp:write"
ADMIN = "mcp:read mcp:write mcp:admin"
# What a 2026-07-28 client sends in every request's `_meta` instead of an `initialize`.
NEXT_META = {
    "io.modelcontextprotocol/protocolVersion": NEXT_VERSION,
    "io.modelcontextprotocol/clientInfo": {"name": "e2e", "version": "1.0"},
    "io.modelcontextprotocol/clientCapabilities": {},
}
CONTENT_TYPE = {"json": "application/json", "sse": "text/event-stream"}


@pytest.fixture(scope="module", params=["json", "sse"])
def server(request):
    """The demo server, once answering in application/json, once in text/event-stream."""
    s = tool_server(json_response=request.param == "json")
    s.kind = request.param
    yield s
    s.close()


@pytest.fixture
def tools(server):
    server.gateway.clear()
    return server.gateway


@pytest.fixture
def policy_host(start_host, provider, server):
    return start_host(config.authorizer_vars(provider, auth_policy=POLICY), routes={config.GATEWAY_NAME: server.gateway.url})


async def sdk(url: str, token: str, calls: list[tuple[str, dict]]):
    """initialize, tools/list, then each call, with the SDK client; returns (tool names, results)."""
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        async with streamable_http_client(url, http_client=http) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                listed = await session.list_tools()
                results = [await session.call_tool(name, args) for name, args in calls]
                return sorted(t.name for t in listed.tools), results


def list_request(id_: int = 3) -> dict:
    return {"jsonrpc": "2.0", "id": id_, "method": "tools/list", "params": {}}


def listed_names(resp: httpx.Response) -> list[str]:
    [msg] = [m for m in mcp_http.messages(resp) if "result" in m]
    return sorted(t["name"] for t in msg["result"]["tools"])


def test_read_caller_lists_only_read_tools(policy_host, tools, server, client, mint):
    url = policy_host.url + config.MCP_PATH
    names, [read] = asyncio.run(sdk(url, mint(scope=READ), [("read_file", {"path": "notes.txt"})]))
    assert names == READ_TOOLS
    assert not read.isError and read.content[0].text == "hello"
    # The upstream answered in the expected framing, and the filter kept it.
    r = mcp_http.post(client, url, list_request(), token=mint(scope=READ))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(CONTENT_TYPE[server.kind])
    assert listed_names(r) == READ_TOOLS
    # The upstream's answer has every tool: the filter is per caller.
    for scope, expected in ((WRITE, READ_TOOLS + WRITE_TOOLS), (ADMIN, READ_TOOLS + WRITE_TOOLS + ADMIN_TOOLS)):
        r = mcp_http.post(client, url, list_request(), token=mint(scope=scope))
        assert r.status_code == 200, r.text
        assert listed_names(r) == sorted(expected), scope


def test_write_call_needs_write_scope_then_succeeds(policy_host, tools, client, mint):
    url = policy_host.url + config.MCP_PATH
    call = mcp_http.tool_call("write_file", {"path": "new.txt", "text": "abc"}, id_=41)
    r = mcp_http.post(client, url, call, token=mint(scope=READ))
    assert r.status_code == 403, r.text
    scheme, params = mcp_http.parse_www_authenticate(r.headers["www-authenticate"])
    assert scheme == "Bearer"
    assert params["error"] == "insufficient_scope"
    assert params["scope"] == "mcp:write"
    # The same metadata document as the 401 challenge names.
    unauthenticated = mcp_http.post(client, url, call)
    assert unauthenticated.status_code == 401
    assert params["resource_metadata"] == mcp_http.parse_www_authenticate(unauthenticated.headers["www-authenticate"])[1]["resource_metadata"]
    assert r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc["jsonrpc"] == "2.0" and doc["id"] == 41
    assert doc["error"]["code"] == -31403
    assert tools.posts("tools/call") == []
    # An admin tool names the admin scope; a string id comes back as a string.
    r = mcp_http.post(client, url, mcp_http.tool_call("delete_file", {"path": "notes.txt"}, id_="d-1"), token=mint(scope=WRITE))
    assert r.status_code == 403, r.text
    assert mcp_http.parse_www_authenticate(r.headers["www-authenticate"])[1]["scope"] == "mcp:admin"
    assert r.json()["id"] == "d-1"
    assert tools.posts("tools/call") == []
    # Step-up: a new token with mcp:write, and the SDK client's call goes through.
    names, [wrote, read] = asyncio.run(
        sdk(
            url,
            mint(scope=WRITE),
            [("write_file", {"path": "new.txt", "text": "abc"}), ("read_file", {"path": "new.txt"})],
        )
    )
    assert names == sorted(READ_TOOLS + WRITE_TOOLS)
    assert not wrote.isError and wrote.content[0].text == "wrote 3 characters to new.txt"
    assert not read.isError and read.content[0].text == "abc"
    assert len(tools.posts("tools/call")) == 2


@pytest.mark.parametrize("version", ["2025-11-25", NEXT_VERSION])
@pytest.mark.parametrize("body_name,header_name", [("write_file", "read_file"), ("read_file", "write_file")])
def test_forged_mcp_name_is_refused(policy_host, tools, client, mint, version, body_name, header_name):
    headers = {"MCP-Protocol-Version": version, "Mcp-Method": "tools/call", "Mcp-Name": header_name}
    call = mcp_http.tool_call(body_name, {"path": "notes.txt", "text": "x"}, id_=7)
    r = mcp_http.post(client, policy_host.url + config.MCP_PATH, call, token=mint(scope=ADMIN), headers=headers)
    assert r.status_code == 400, r.text
    doc = r.json()
    assert doc["jsonrpc"] == "2.0" and doc["error"]["code"] == -32020, doc
    assert "Mcp-Name" in doc["error"]["message"]
    assert tools.requests == []


def test_header_mismatch_answer_carries_the_request_id(policy_host, tools, client, mint):
    # JSON-RPC 2.0 §5: the id is null only when it could not be read (parse error, invalid
    # request); a header mismatch leaves the body's id readable.
    headers = {"Mcp-Method": "tools/call", "Mcp-Name": "read_file"}
    call = mcp_http.tool_call("write_file", {"path": "notes.txt", "text": "x"}, id_=7)
    r = mcp_http.post(client, policy_host.url + config.MCP_PATH, call, token=mint(scope=ADMIN), headers=headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == -32020, r.text
    assert r.json()["id"] == 7


def next_call(name: str, arguments: dict, id_: int, *, mcp_name: str | None = None) -> tuple[dict, dict]:
    """A 2026-07-28 tools/call: no session, the protocol version in the header and in `_meta`,
    Mcp-Method and (unless None) Mcp-Name headers."""
    headers = {"MCP-Protocol-Version": NEXT_VERSION, "Mcp-Method": "tools/call"}
    if mcp_name is not None:
        headers["Mcp-Name"] = mcp_name
    body = mcp_http.tool_call(name, arguments, id_=id_)
    body["params"]["_meta"] = NEXT_META
    return body, headers


def test_next_version_request_is_authorized_and_forwarded_with_its_headers(policy_host, tools, provider, client, mint):
    url = policy_host.url + config.MCP_PATH
    body, headers = next_call("read_file", {"path": "notes.txt"}, 5, mcp_name="read_file")
    r = mcp_http.post(client, url, body, token=mint(scope=READ), headers=headers)
    assert r.status_code == 200, r.text
    [msg] = [m for m in mcp_http.messages(r) if "result" in m or "error" in m]
    assert msg["id"] == 5 and msg["result"]["content"][0]["text"] == "hello", msg
    [seen] = tools.posts("tools/call")
    assert seen.header("mcp-protocol-version") == [NEXT_VERSION]
    assert seen.header("mcp-method") == ["tools/call"]
    assert seen.header("mcp-name") == ["read_file"]
    assert seen.header("mcp-session-id") == []
    assert seen.header("x-auth-issuer") == [provider.issuer]
    assert seen.header("x-auth-user-id") == ["user-123"]
    assert seen.json() == body
    # A =?base64?…?= Mcp-Name is decoded for the check and forwarded as the client wrote it.
    tools.clear()
    encoded = "=?base64?" + base64.b64encode(b"read_file").decode() + "?="
    body, headers = next_call("read_file", {"path": "notes.txt"}, 6, mcp_name=encoded)
    r = mcp_http.post(client, url, body, token=mint(scope=READ), headers=headers)
    assert r.status_code == 200, r.text
    assert tools.posts("tools/call")[0].header("mcp-name") == [encoded]
    # tools/list of 2026-07-28 is filtered too, and forwarded with its Mcp-Method.
    tools.clear()
    listing = list_request(8)
    listing["params"]["_meta"] = NEXT_META
    next_list = {"MCP-Protocol-Version": NEXT_VERSION, "Mcp-Method": "tools/list"}
    r = mcp_http.post(client, url, listing, token=mint(scope=READ), headers=next_list)
    assert r.status_code == 200, r.text
    assert listed_names(r) == READ_TOOLS
    assert tools.requests[0].header("mcp-method") == ["tools/list"]
    # The body decides: a write call named truthfully in the headers is refused for a reader.
    tools.clear()
    body, headers = next_call("write_file", {"path": "n", "text": "x"}, 9, mcp_name="write_file")
    r = mcp_http.post(client, url, body, token=mint(scope=READ), headers=headers)
    assert r.status_code == 403, r.text
    assert mcp_http.parse_www_authenticate(r.headers["www-authenticate"])[1]["scope"] == "mcp:write"
    assert r.json()["id"] == 9
    # 2026-07-28 requires Mcp-Name on tools/call: without it, 400 -32020.
    body, headers = next_call("read_file", {"path": "notes.txt"}, 10)
    r = mcp_http.post(client, url, body, token=mint(scope=READ), headers=headers)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == -32020
    assert tools.requests == []


def log_lines(host) -> list[dict]:
    out = []
    for line in host.output().splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict):
            out.append(doc)
    return out


@pytest.mark.parametrize(
    "policy,item,fault",
    [
        ("tools/list -> mcp:read; tools/call:x ->", 'item 2 "tools/call:x ->"', "nothing after"),
        ("tools/call:read_* mcp:read", 'item 1 "tools/call:read_* mcp:read"', "->"),
    ],
)
def test_unparsable_policy_fails_every_request_with_500(start_host, provider, tools, server, client, mint, policy, item, fault):
    h = start_host(config.authorizer_vars(provider, auth_policy=policy), routes={config.GATEWAY_NAME: server.gateway.url})
    url = h.url + config.MCP_PATH
    for token in (mint(scope=ADMIN), None):
        r = mcp_http.post(client, url, mcp_http.initialize(), token=token)
        assert r.status_code == 500, r.text
        assert r.json()["error"] == "server_error"
    r = mcp_http.post(client, url, mcp_http.tool_call("read_file", {"path": "notes.txt"}), token=mint(scope=ADMIN))
    assert r.status_code == 500, r.text
    assert tools.requests == []
    lines = [d for d in log_lines(h) if d.get("status") == 500]
    assert len(lines) == 3, h.output()
    for d in lines:
        assert d["level"] == "error"
        assert d["variable"] == "auth_policy"
        detail = d["config_detail"]
        assert detail.startswith("auth_policy "), detail
        assert item in detail and fault in detail, detail


def test_first_challenge_names_only_server_wide_scopes(start_host, provider, tools, server, client):
    # Issue 10 item 6: the 401 challenge names the server-wide scopes; the policy's scopes are
    # asked for by the 403 of the operation that needs them (step-up), so a client's first
    # authorization stays least-privileged.
    variables = config.authorizer_vars(provider, auth_policy=POLICY, **{config.REQUIRED_SCOPES: READ})
    h = start_host(variables, routes={config.GATEWAY_NAME: server.gateway.url})
    doc = client.get(h.url + "/.well-known/oauth-protected-resource").json()
    assert sorted(doc["scopes_supported"]) == ["mcp:admin", "mcp:read", "mcp:write"]
    r = mcp_http.post(client, h.url + config.MCP_PATH, mcp_http.initialize())
    assert r.status_code == 401
    assert mcp_http.parse_www_authenticate(r.headers["www-authenticate"])[1]["scope"] == READ
