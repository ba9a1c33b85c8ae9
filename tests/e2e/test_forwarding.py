"""Forwarding to the MCP gateway: what the gateway receives (identity headers, `_authContext`,
never the token), streaming of SSE responses, and a gateway that is down."""
from __future__ import annotations

import json
import socket
import time

import httpx

from harness import config, mcp_http, tokens


def test_gateway_gets_identity_headers_and_never_the_token(host, gateway, client, mint, provider):
    token = mint(sub="user-42", client_id="client-7", scope="read write", email="u42@example.com")
    spoofed = {
        "X-Auth-User-Id": "admin",
        "X-Auth-Scopes": "everything",
        "X-Auth-Issuer": "https://evil.example",
        "X-Auth-Client-Id": "evil",
        "X-Auth-Provider": "evil",
        "X-Auth-Extra": "spoofed",
        # WSGI/CGI servers read these as X-Auth-User-Id (review F4): every underscore name is dropped.
        "X_Auth_User_Id": "admin",
        # Client proxy headers (F14) and other credentials (F18) are dropped by default.
        "X-Forwarded-For": "127.0.0.1",
        "X-Real-IP": "10.0.0.1",
        "Forwarded": "for=10.0.0.1",
        "Cookie": "session=abc",
    }
    r = mcp_http.post(client, host.url + config.MCP_PATH + "?tenant=a&x=1", mcp_http.initialize(), token=token, headers=spoofed)
    assert r.status_code == 200, r.text
    [seen] = gateway.posts("initialize")
    assert seen.header("x-auth-user-id") == ["user-42"]
    assert seen.header("x-auth-client-id") == ["client-7"]
    assert seen.header("x-auth-issuer") == [provider.issuer]
    assert seen.header("x-auth-scopes") == ["read write"]
    assert seen.header("x-auth-provider") == ["mock"]
    assert seen.header("x-auth-extra") == [], "a client-sent x-auth-* header reached the gateway"
    for name in ("x_auth_user_id", "x-forwarded-for", "x-real-ip", "forwarded", "cookie"):
        assert seen.header(name) == [], f"client-sent {name} reached the gateway"
    assert seen.header("authorization") == []
    assert all(token not in v for _, v in seen.headers)
    assert token.encode() not in seen.body
    # The gateway URL's path replaces the request's; the query string and end-to-end headers pass on.
    assert seen.path == config.GATEWAY_PATH
    assert seen.query == "tenant=a&x=1"
    assert seen.header("content-type") == ["application/json"]
    assert seen.header("accept") == [mcp_http.ACCEPT]
    # The token never appears in the authorizer's logs either.
    assert token not in host.output()


def test_initialize_gets_auth_context(host, gateway, client, mint, provider):
    # `email` is forwarded only when the provider marks it verified (review F13).
    token = mint(sub="user-5", client_id="client-5", scope="read", email="five@example.com", email_verified=True)
    forged = {"authenticated_user": "admin", "provider": "forged"}
    r = mcp_http.post(client, host.url + config.MCP_PATH, mcp_http.initialize(_authContext=forged), token=token)
    assert r.status_code == 200, r.text
    [seen] = gateway.posts("initialize")
    params = seen.json()["params"]
    ctx = params["_authContext"]
    assert ctx["authenticated_user"] == "user-5"
    assert ctx["email"] == "five@example.com"
    assert ctx["provider"] == "mock"
    assert ctx["issuer"] == provider.issuer
    assert ctx.get("client_id") == "client-5"
    assert ctx.get("scopes") in (["read"], "read")
    # The rest of the params are untouched.
    assert params["protocolVersion"] == mcp_http.PROTOCOL_VERSION
    assert params["clientInfo"] == {"name": "e2e", "version": "1.0"}
    # Content-Length was recomputed for the new body.
    assert seen.header("content-length") in ([], [str(len(seen.body))])


def test_batched_initialize_gets_auth_context(host, gateway, client, mint):
    batch = [mcp_http.initialize(id_="a"), {"jsonrpc": "2.0", "id": "b", "method": "ping"}]
    r = mcp_http.post(client, host.url + config.MCP_PATH, batch, token=mint(sub="batch-user"))
    [seen] = gateway.posts("initialize")
    body = seen.json()
    assert isinstance(body, list) and len(body) == 2
    assert body[0]["params"]["_authContext"]["authenticated_user"] == "batch-user"
    assert body[1] == {"jsonrpc": "2.0", "id": "b", "method": "ping"}
    assert r.status_code < 500, r.text  # what the gateway does with a batch is its own business


def test_other_bodies_pass_byte_for_byte(host, gateway, client, mint):
    token = mint()
    sid = mcp_http.open_session(client, host.url + config.MCP_PATH, token)
    gateway.clear()
    # Odd but valid JSON formatting that any re-serialisation would change.
    raw = b'{ "jsonrpc":"2.0",  "id": 7, "method":"tools/call",\n "params":{"name":"echo","arguments":{"text":"\\u00e9\\n"}} }'
    r = mcp_http.post(
        client, host.url + config.MCP_PATH, None, token=token, raw=raw,
        headers={"Mcp-Session-Id": sid, "MCP-Protocol-Version": mcp_http.PROTOCOL_VERSION},
    )
    assert r.status_code == 200, r.text
    [seen] = gateway.posts("tools/call")
    assert seen.body == raw
    assert seen.header("mcp-session-id") == [sid]
    assert seen.header("mcp-protocol-version") == [mcp_http.PROTOCOL_VERSION]
    [msg] = mcp_http.messages(r)
    assert msg["result"]["content"][0]["text"] == "é\n"


def test_forged_auth_context_outside_initialize_is_removed(host, gateway, client, mint):
    token = mint()
    sid = mcp_http.open_session(client, host.url + config.MCP_PATH, token)
    gateway.clear()
    call = mcp_http.tool_call("echo", {"text": "x"})
    call["params"]["_authContext"] = {"authenticated_user": "admin"}
    r = mcp_http.post(
        client, host.url + config.MCP_PATH, call, token=token,
        headers={"Mcp-Session-Id": sid, "MCP-Protocol-Version": mcp_http.PROTOCOL_VERSION},
    )
    assert r.status_code == 200, r.text
    [seen] = gateway.posts("tools/call")
    assert "_authContext" not in seen.json()["params"]
    assert seen.json()["params"]["arguments"] == {"text": "x"}


def test_trace_header_generated_and_propagated(host, gateway, client, mint):
    token = mint()
    r = mcp_http.post(client, host.url + config.MCP_PATH, mcp_http.initialize(), token=token)
    assert r.status_code == 200
    [seen] = gateway.posts("initialize")
    [generated] = seen.header(config.TRACE_HEADER)
    assert generated and r.headers[config.TRACE_HEADER] == generated
    gateway.clear()
    r = mcp_http.post(
        client, host.url + config.MCP_PATH, mcp_http.initialize(), token=token,
        headers={config.TRACE_HEADER: "trace-e2e-123"},
    )
    [seen] = gateway.posts("initialize")
    assert seen.header(config.TRACE_HEADER) == ["trace-e2e-123"]
    assert r.headers[config.TRACE_HEADER] == "trace-e2e-123"


def test_sse_events_arrive_incrementally(host, gateway, mint):
    token = mint()
    interval, count = 0.7, 4
    with httpx.Client(timeout=30) as c:
        sid = mcp_http.open_session(c, host.url + config.MCP_PATH, token)
        gateway.clear()
        headers = {
            "Accept": mcp_http.ACCEPT,
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Mcp-Session-Id": sid,
            "MCP-Protocol-Version": mcp_http.PROTOCOL_VERSION,
        }
        body = json.dumps(mcp_http.tool_call("ticker", {"count": count, "interval": interval}))
        arrivals: list[tuple[float, dict]] = []
        with c.stream("POST", host.url + config.MCP_PATH, content=body, headers=headers) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                if line.startswith("data:"):
                    arrivals.append((time.monotonic(), json.loads(line[5:])))
    ticks = [(t, m) for t, m in arrivals if m.get("method") == "notifications/message"]
    assert [m["params"]["data"] for _, m in ticks] == [f"tick {i}" for i in range(count)]
    assert arrivals[-1][1]["result"]["content"][0]["text"] == f"ticked {count}"
    # Each event reached the client about when the gateway sent it, not all at the end.
    sent = gateway.tick_times
    assert len(sent) == count
    for (arrived, _), emitted in zip(ticks, sent):
        assert arrived - emitted < 0.35, f"event delayed by {arrived - emitted:.2f}s"
    gaps = [b[0] - a[0] for a, b in zip(ticks, ticks[1:])]
    assert all(g > interval * 0.6 for g in gaps), gaps


def dead_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_gateway_down_gives_502(start_host, provider, client):
    h = start_host(config.authorizer_vars(provider), routes={config.GATEWAY_NAME: f"http://127.0.0.1:{dead_port()}"})
    token = tokens.mint(provider.issuer, config.AUDIENCE)
    r = mcp_http.post(client, h.url + config.MCP_PATH, mcp_http.initialize(id_=77), token=token)
    assert r.status_code == 502
    body = r.json()
    assert body["jsonrpc"] == "2.0" and body["id"] == 77
    assert isinstance(body["error"]["code"], int) and body["error"]["message"]
    # Not JSON-RPC: still 502.
    r = client.get(h.url + config.MCP_PATH, headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"})
    assert r.status_code == 502


def test_get_event_stream_cut_off_by_the_client_is_logged(host, gateway, mint):
    """A client that drops the standalone GET /mcp stream (Streamable HTTP) still leaves one JSON
    log line, reason client_disconnected, once the authorizer next writes to it (the SDK's SSE
    ping, every 15 s): a cut-off stream is never silent in the log."""
    token = mint()
    with httpx.Client(timeout=30) as c:
        sid = mcp_http.open_session(c, host.url + config.MCP_PATH, token)
        headers = {
            "Accept": "text/event-stream",
            "Authorization": f"Bearer {token}",
            "Mcp-Session-Id": sid,
            "MCP-Protocol-Version": mcp_http.PROTOCOL_VERSION,
        }
        with c.stream("GET", host.url + config.MCP_PATH, headers=headers) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
        # Leaving the block closes the connection mid-stream.
    deadline = time.monotonic() + 40
    lines: list[dict] = []
    while time.monotonic() < deadline and not lines:
        time.sleep(0.5)
        lines = [json.loads(line) for line in host.output().splitlines()
                 if line.startswith("{") and '"client_disconnected"' in line]
    assert lines, f"no client_disconnected log line; output:\n{host.output()[-3000:]}"
    [entry] = lines
    assert entry["method"] == "GET" and entry["route"] == "mcp" and entry["status"] == 200, entry
