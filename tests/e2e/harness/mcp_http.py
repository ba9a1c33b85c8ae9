"""Raw Streamable HTTP helpers for tests that look at status codes, headers and bodies."""
from __future__ import annotations

import json
from typing import Any

import httpx

ACCEPT = "application/json, text/event-stream"
PROTOCOL_VERSION = "2025-06-18"


def initialize(id_: int | str = 1, **extra_params: Any) -> dict[str, Any]:
    params = {"protocolVersion": PROTOCOL_VERSION, "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1.0"}}
    params.update(extra_params)
    return {"jsonrpc": "2.0", "id": id_, "method": "initialize", "params": params}


INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def tool_call(name: str, arguments: dict[str, Any], id_: int | str = 2) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id_, "method": "tools/call", "params": {"name": name, "arguments": arguments}}


def post(
    client: httpx.Client,
    url: str,
    body: Any,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> httpx.Response:
    h = {"Accept": ACCEPT, "Content-Type": "application/json"}
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    h.update(headers or {})
    content = raw if raw is not None else json.dumps(body).encode()
    return client.post(url, content=content, headers=h)


def sse_messages(text: str) -> list[Any]:
    """The JSON payloads of the `data:` lines of an SSE body (one line per event here)."""
    return [json.loads(line[5:].strip()) for line in text.splitlines() if line.startswith("data:") and line[5:].strip()]


def messages(resp: httpx.Response) -> list[Any]:
    if resp.headers.get("content-type", "").startswith("text/event-stream"):
        return sse_messages(resp.text)
    doc = resp.json()
    return doc if isinstance(doc, list) else [doc]


def open_session(client: httpx.Client, url: str, token: str) -> str:
    """initialize + notifications/initialized; returns the Mcp-Session-Id."""
    r = post(client, url, initialize(), token=token)
    assert r.status_code == 200, (r.status_code, r.text)
    sid = r.headers["mcp-session-id"]
    r = post(client, url, INITIALIZED, token=token, headers={"Mcp-Session-Id": sid, "MCP-Protocol-Version": PROTOCOL_VERSION})
    assert r.status_code == 202, (r.status_code, r.text)
    return sid


def parse_www_authenticate(value: str) -> tuple[str, dict[str, str]]:
    """Scheme and auth-params of a challenge (quoted-string unescaping per RFC 9110 §5.6.4)."""
    scheme, _, rest = value.strip().partition(" ")
    params: dict[str, str] = {}
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i] in " ,":
            i += 1
        j = rest.find("=", i)
        if j < 0:
            break
        name = rest[i:j].strip().lower()
        i = j + 1
        if i < n and rest[i] == '"':
            i += 1
            out = []
            while i < n and rest[i] != '"':
                if rest[i] == "\\" and i + 1 < n:
                    i += 1
                out.append(rest[i])
                i += 1
            i += 1
            params[name] = "".join(out)
        else:
            j = i
            while j < n and rest[j] != ",":
                j += 1
            params[name] = rest[i:j].strip()
            i = j
    return scheme, params
