"""The JWKS cache in Spin's key-value store, seen from outside: the mock provider counts its
requests. Each test has its own provider and host (fresh counters, empty KV)."""
from __future__ import annotations

import time

from harness import config, mcp_http, tokens


def send(h, client, token):
    return mcp_http.post(client, h.url + config.MCP_PATH, mcp_http.initialize(), token=token)


def test_jwks_fetched_once_across_many_requests(start_host, new_provider, client):
    p = new_provider()
    h = start_host(config.authorizer_vars(p))
    for i in range(12):
        alg = sorted(tokens.ALG_KEYS)[i % len(tokens.ALG_KEYS)]
        r = send(h, client, tokens.mint(p.issuer, config.AUDIENCE, alg=alg))
        assert r.status_code == 200, (i, r.text)
    assert p.jwks_fetches() == 1, p.hits


def test_unknown_kid_triggers_one_refetch_then_cooldown(start_host, new_provider, client):
    cooldown = 2
    p = new_provider(tokens.jwks("rsa-2048"))
    h = start_host(config.authorizer_vars(p, **{config.JWKS_REFETCH_COOLDOWN: str(cooldown)}))
    assert send(h, client, tokens.mint(p.issuer, config.AUDIENCE)).status_code == 200
    assert p.jwks_fetches() == 1

    # Within the cooldown of that fetch, an unknown kid does not reach the provider.
    early = tokens.mint(p.issuer, config.AUDIENCE, kid="not-yet")
    assert send(h, client, early).status_code == 401
    assert p.jwks_fetches() == 1
    time.sleep(cooldown + 1.2)  # the component counts whole seconds

    # The provider rotates in a second key; a token signed with it is accepted after one refetch.
    p.set_keys(tokens.jwks("rsa-2048", "rsa-2048-other"))
    rotated = tokens.mint(p.issuer, config.AUDIENCE, key="rsa-2048-other")
    assert send(h, client, rotated).status_code == 200
    assert p.jwks_fetches() == 2
    assert send(h, client, rotated).status_code == 200
    assert p.jwks_fetches() == 2

    # A flood of random kids within the cooldown does not reach the provider.
    for i in range(5):
        r = send(h, client, tokens.mint(p.issuer, config.AUDIENCE, kid=f"random-{i}"))
        assert r.status_code == 401
    assert p.jwks_fetches() == 2, p.hits


def test_keys_served_while_provider_is_down(start_host, new_provider, client):
    p = new_provider()
    h = start_host(config.authorizer_vars(p, **{config.JWKS_CACHE_TTL: "1", config.JWKS_REFETCH_COOLDOWN: "1"}))
    token = tokens.mint(p.issuer, config.AUDIENCE)
    assert send(h, client, token).status_code == 200
    assert p.jwks_fetches() == 1

    p.failing = True
    time.sleep(1.5)  # past the TTL: the cached keys are stale now
    for _ in range(3):
        r = send(h, client, token)
        assert r.status_code == 200, r.text
    assert p.jwks_fetches() >= 2, "the stale cache was not refreshed at all"
    assert "jwks_stale" in h.output()

    p.failing = False
    time.sleep(1.5)
    assert send(h, client, token).status_code == 200


def test_no_keys_and_provider_down_gives_503(start_host, new_provider, client):
    p = new_provider()
    p.failing = True
    h = start_host(config.authorizer_vars(p))
    r = send(h, client, tokens.mint(p.issuer, config.AUDIENCE))
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) > 0
    assert p.jwks_fetches() >= 1


def test_oidc_discovery_is_cached_too(start_host, new_provider, client):
    p = new_provider()
    h = start_host(config.authorizer_vars(p, auth_provider_jwks_uri=""))
    for _ in range(5):
        assert send(h, client, tokens.mint(p.issuer, config.AUDIENCE)).status_code == 200
    assert p.hits["/.well-known/openid-configuration"] == 1
    assert p.jwks_fetches() == 1


def test_authkit_provider_derives_its_jwks_uri(start_host, new_provider, gateway, client):
    p = new_provider()
    variables = config.authorizer_vars(p, auth_provider_type="authkit", auth_provider_name="authkit")
    for derived in ("auth_provider_jwks_uri", "auth_provider_authorize_endpoint", "auth_provider_token_endpoint"):
        variables.pop(derived)
    h = start_host(variables)
    assert send(h, client, tokens.mint(p.issuer, config.AUDIENCE)).status_code == 200
    assert p.jwks_fetches() == 1
    assert gateway.posts("initialize")[0].header("x-auth-provider") == ["authkit"]
