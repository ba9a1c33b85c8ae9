"""Configuration-dependent policy over HTTP: required scopes (403), several audiences, several
issuers, auth disabled."""
from __future__ import annotations

from harness import config, mcp_http, tokens


def send(h, client, token, **kw):
    return mcp_http.post(client, h.url + config.MCP_PATH, mcp_http.initialize(), token=token, **kw)


def test_insufficient_scope_gets_403(start_host, provider, gateway, client):
    h = start_host(config.authorizer_vars(provider, **{config.REQUIRED_SCOPES: "mcp:read mcp:write"}))
    r = send(h, client, tokens.mint(provider.issuer, config.AUDIENCE, scope="mcp:read"))
    assert r.status_code == 403
    scheme, params = mcp_http.parse_www_authenticate(r.headers["www-authenticate"])
    assert scheme == "Bearer"
    assert params["error"] == "insufficient_scope"
    assert params["scope"] == "mcp:read mcp:write"
    assert r.json()["error"] == "insufficient_scope"
    assert gateway.requests == []
    r = send(h, client, tokens.mint(provider.issuer, config.AUDIENCE, scope="mcp:write other mcp:read"))
    assert r.status_code == 200, r.text
    # The protected resource metadata advertises the scopes.
    doc = client.get(h.url + "/.well-known/oauth-protected-resource").json()
    assert doc["scopes_supported"] == ["mcp:read", "mcp:write"]


def test_several_accepted_audiences(start_host, provider, gateway, client):
    h = start_host(config.authorizer_vars(provider, auth_provider_audience="api-one,api-two"))
    for aud in ("api-one", "api-two", ["x", "api-two"]):
        gateway.clear()
        assert send(h, client, tokens.mint(provider.issuer, aud)).status_code == 200, aud
    gateway.clear()
    assert send(h, client, tokens.mint(provider.issuer, "api-three")).status_code == 401
    assert gateway.requests == []


def test_auth_disabled_passes_through(start_host, provider, gateway, client):
    h = start_host(config.authorizer_vars(provider, auth_enabled="false"))
    r = send(h, client, None)
    assert r.status_code == 200, r.text
    assert len(gateway.posts("initialize")) == 1
    assert "auth" in h.output().lower() and "disabled" in h.output().lower()


def test_several_issuers(start_host, provider, new_provider, gateway, client):
    other = new_provider(tokens.jwks("ec-p256"))
    h = start_host({**config.authorizer_vars(provider), **config.second_provider_vars(other)})
    r = send(h, client, tokens.mint(provider.issuer, config.AUDIENCE, alg="RS256"))
    assert r.status_code == 200, r.text
    assert gateway.posts("initialize")[0].header("x-auth-provider") == ["mock"]
    gateway.clear()
    r = send(h, client, tokens.mint(other.issuer, config.AUDIENCE, alg="ES256"))
    assert r.status_code == 200, r.text
    seen = gateway.posts("initialize")[0]
    assert seen.header("x-auth-provider") == ["second"]
    assert seen.header("x-auth-issuer") == [other.issuer]
    # A key of provider 1 does not verify a token that claims provider 2's issuer.
    gateway.clear()
    r = send(h, client, tokens.mint(other.issuer, config.AUDIENCE, alg="RS256"))
    assert r.status_code == 401
    assert gateway.requests == []
    # Both issuers are advertised.
    doc = client.get(h.url + "/.well-known/oauth-protected-resource").json()
    assert doc["authorization_servers"] == [provider.issuer, other.issuer]
