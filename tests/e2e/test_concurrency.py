"""Issue 13 item 2 against the real component: many requests at once (the host, like Spin, runs
one instance per request, in parallel, all sharing the key-value store) and a provider that
answers slowly. The mock provider counts its fetches; the lease written before each fetch must
keep them to one, and a dribbling provider must hit the overall fetch deadline."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from harness import config, mcp_http, tokens

PARALLEL = 30
SLOW_S = 1.0  # the provider's answer time: the window in which the old code fetched 30 times


def send(h, client, token):
    return mcp_http.post(client, h.url + config.MCP_PATH, mcp_http.initialize(), token=token)


def all_at_once(h, make_tokens: list[str]) -> list[httpx.Response]:
    """Sends every token at the same moment (a barrier), each on its own connection."""
    barrier = threading.Barrier(len(make_tokens))

    def one(token: str) -> httpx.Response:
        with httpx.Client(timeout=30) as c:
            barrier.wait()
            return send(h, c, token)

    with ThreadPoolExecutor(max_workers=len(make_tokens)) as pool:
        return list(pool.map(one, make_tokens))


# Fetches a burst of concurrent instances may make before the first lease write is visible to
# them all (measured: 1, sometimes 2 under load; was 31 for 30 requests before the lease).
LEASE_RACE_BOUND = 2


def test_concurrent_random_kids_on_a_cold_cache_fetch_the_keys_once(start_host, new_provider, client):
    p = new_provider()
    p.delay_s = SLOW_S
    h = start_host(config.authorizer_vars(p))
    flood = [tokens.mint(p.issuer, config.AUDIENCE, kid=f"random-{i}") for i in range(PARALLEL)]
    started = time.monotonic()
    responses = all_at_once(h, flood)
    elapsed = time.monotonic() - started
    statuses = sorted(r.status_code for r in responses)
    print(f"\n{PARALLEL} concurrent random-kid requests, cold cache, provider {SLOW_S}s: "
          f"{p.jwks_fetches()} JWKS fetch(es), statuses {statuses}, {elapsed:.2f}s")
    # One fetch, or two when a second instance read the store before the first lease write was
    # visible: the bound README documents (Spin's key-value store has no compare-and-swap).
    fetches = p.jwks_fetches()
    assert 1 <= fetches <= LEASE_RACE_BOUND, (p.hits, statuses)
    # Nobody is let in; those that found the lease taken are told to come back soon.
    assert set(statuses) <= {401, 503}, statuses
    for r in responses:
        if r.status_code == 503:
            assert 1 <= int(r.headers["retry-after"]) <= 5, r.headers
    # The next wave, inside the cooldown: the keys are cached, the kids still unknown, no fetch.
    again = all_at_once(h, flood)
    assert {r.status_code for r in again} == {401}
    assert p.jwks_fetches() == fetches, p.hits


def test_concurrent_valid_tokens_on_a_cold_cache_share_one_fetch(start_host, new_provider, client):
    p = new_provider()
    p.delay_s = SLOW_S
    h = start_host(config.authorizer_vars(p, auth_provider_jwks_uri=""))  # discovery, then JWKS
    token = tokens.mint(p.issuer, config.AUDIENCE)
    responses = all_at_once(h, [token] * PARALLEL)
    statuses = [r.status_code for r in responses]
    print(f"\n{PARALLEL} concurrent valid requests, cold cache, provider {SLOW_S}s: "
          f"{dict(p.hits)} provider requests, {statuses.count(200)}x200, {statuses.count(503)}x503")
    discoveries, fetches = p.hits["/.well-known/openid-configuration"], p.jwks_fetches()
    assert 1 <= discoveries <= LEASE_RACE_BOUND and 1 <= fetches <= LEASE_RACE_BOUND, p.hits
    assert 200 in statuses and set(statuses) <= {200, 503}, statuses
    # After Retry-After, everyone is served from the cache without another fetch.
    wait = max((int(r.headers["retry-after"]) for r in responses if r.status_code == 503), default=0)
    time.sleep(min(wait, 5))
    assert {r.status_code for r in all_at_once(h, [token] * 10)} == {200}
    assert p.jwks_fetches() == fetches, p.hits


def test_dribbling_provider_is_cut_at_the_overall_fetch_deadline(start_host, new_provider, client):
    p = new_provider()
    p.dribble_s = 0.25  # one byte every 250 ms: never idle long enough for an idle timeout
    h = start_host(config.authorizer_vars(p, auth_provider_timeout_secs="2"))
    started = time.monotonic()
    r = send(h, client, tokens.mint(p.issuer, config.AUDIENCE))
    elapsed = time.monotonic() - started
    print(f"\ndribbling JWKS host, auth_provider_timeout_secs=2: {r.status_code} after {elapsed:.2f}s")
    assert r.status_code == 503, r.text
    assert elapsed < 4.5, f"the fetch ran {elapsed:.1f}s past a 2 s deadline"
    assert '"timeout"' in h.output()
