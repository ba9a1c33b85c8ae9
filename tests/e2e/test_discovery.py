"""No token: 401 with resource_metadata, and discovery from the protected-resource metadata
(RFC 9728) to the authorization server's metadata (RFC 8414), as the MCP SDK's client does it."""
from __future__ import annotations

import asyncio

import httpx
from mcp.client.auth.utils import (
    build_oauth_authorization_server_metadata_discovery_urls,
    build_protected_resource_metadata_discovery_urls,
    extract_resource_metadata_from_www_auth,
    handle_protected_resource_response,
)
from mcp.shared.auth import OAuthMetadata

from harness import config, mcp_http, tokens

PRM = "/.well-known/oauth-protected-resource"


def test_missing_token_gets_401_with_resource_metadata(host, gateway, client):
    r = mcp_http.post(client, host.url + config.MCP_PATH, mcp_http.initialize())
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"error": "unauthorized", "error_description": "Missing authorization header"}
    scheme, params = mcp_http.parse_www_authenticate(r.headers["www-authenticate"])
    assert scheme == "Bearer"
    assert params == {
        "error": "unauthorized",
        "error_description": "Missing authorization header",
        "resource_metadata": host.url + PRM,
    }
    assert gateway.requests == []


def test_client_follows_discovery_to_the_authorization_server(host, provider):
    async def discover():
        async with httpx.AsyncClient(timeout=30) as http:
            server_url = host.url + config.MCP_PATH
            challenge = await http.post(server_url, json=mcp_http.initialize(), headers={"Accept": mcp_http.ACCEPT})
            assert challenge.status_code == 401
            www_url = extract_resource_metadata_from_www_auth(challenge)
            prm = None
            for url in build_protected_resource_metadata_discovery_urls(www_url, server_url):
                prm = await handle_protected_resource_response(await http.get(url))
                if prm:
                    break
            assert prm is not None, "no protected resource metadata found"
            as_url = str(prm.authorization_servers[0])
            for url in build_oauth_authorization_server_metadata_discovery_urls(as_url, server_url):
                resp = await http.get(url)
                if resp.status_code == 200:
                    return prm, OAuthMetadata.model_validate_json(resp.content)
            raise AssertionError("no authorization server metadata found")

    prm, as_meta = asyncio.run(discover())
    assert [str(s).rstrip("/") for s in prm.authorization_servers] == [provider.issuer]
    assert prm.bearer_methods_supported == ["header"]
    assert str(prm.resource).startswith(host.url)
    assert str(as_meta.issuer).rstrip("/") == provider.issuer
    assert str(as_meta.authorization_endpoint) == provider.issuer + "/oauth2/authorize"
    assert str(as_meta.token_endpoint) == provider.issuer + "/oauth2/token"


def test_protected_resource_metadata_document(host, client, provider):
    root = client.get(host.url + PRM)
    assert root.status_code == 200
    assert root.headers["content-type"].startswith("application/json")
    doc = root.json()
    # Without auth_resource_url, the resource is derived from the request: the root document
    # describes the origin, the path-suffixed one (RFC 9728 §3.1) the resource at that path.
    assert doc == {
        "resource": host.url,
        "authorization_servers": [provider.issuer],
        "bearer_methods_supported": ["header"],
    }
    suffixed = client.get(host.url + PRM + config.MCP_PATH)
    assert suffixed.status_code == 200
    assert suffixed.json() == dict(doc, resource=host.url + config.MCP_PATH)


def test_forwarded_host_and_proto_shape_the_resource(host, client):
    headers = {"X-Forwarded-Host": "mcp.example.com", "X-Forwarded-Proto": "https"}
    doc = client.get(host.url + PRM, headers=headers).json()
    assert doc["resource"].startswith("https://mcp.example.com")
    r = mcp_http.post(client, host.url + config.MCP_PATH, mcp_http.initialize(), headers=headers)
    assert r.status_code == 401
    _, params = mcp_http.parse_www_authenticate(r.headers["www-authenticate"])
    assert params["resource_metadata"] == "https://mcp.example.com" + PRM


def test_authorization_server_metadata_document(host, client, provider):
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server" + config.MCP_PATH):
        r = client.get(host.url + path)
        assert r.status_code == 200, path
        doc = r.json()
        assert doc["issuer"] == provider.issuer
        assert doc["authorization_endpoint"] == provider.issuer + "/oauth2/authorize"
        assert doc["token_endpoint"] == provider.issuer + "/oauth2/token"
        assert doc["jwks_uri"] == provider.jwks_uri


def test_cors_preflight(host, client):
    r = client.options(
        host.url + config.MCP_PATH,
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, mcp-session-id",
        },
    )
    assert r.status_code == 204
    allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "mcp-session-id", "mcp-protocol-version", "last-event-id"} <= allowed
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"mcp-session-id", "www-authenticate"} <= exposed
    assert "POST" in r.headers["access-control-allow-methods"]


def test_configured_resource_url_is_the_audience_and_the_resource(start_host, provider, gateway, client):
    resource = "https://mcp.example.com/mcp"
    h = start_host(config.authorizer_vars(provider, auth_resource_url=resource, auth_provider_audience=""))
    # Client-controlled forwarding headers change nothing once the resource is configured.
    spoof = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    r = mcp_http.post(client, h.url + config.MCP_PATH, mcp_http.initialize(), headers=spoof)
    assert r.status_code == 401
    _, params = mcp_http.parse_www_authenticate(r.headers["www-authenticate"])
    assert params["resource_metadata"] == "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
    for path in (PRM, PRM + "/mcp"):
        assert client.get(h.url + path, headers=spoof).json()["resource"] == resource
    # The expected audience is the resource URL (RFC 8707).
    assert mcp_http.post(client, h.url + config.MCP_PATH, mcp_http.initialize(),
                         token=tokens.mint(provider.issuer, resource)).status_code == 200
    gateway.clear()
    r = mcp_http.post(client, h.url + config.MCP_PATH, mcp_http.initialize(),
                      token=tokens.mint(provider.issuer, "https://evil.example/mcp"))
    assert r.status_code == 401
    assert gateway.requests == []
