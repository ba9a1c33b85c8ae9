"""Issue 11: concurrent load against the real component in the host, with its store in a
throwaway Redis (as a deployment behind a load balancer would have it). Loopback only, bounded
in count and time: 32 requests in flight, a few thousand in all, each run capped in seconds.

First clean: valid tokens from several users and every algorithm, mixed with invalid ones
(tampered, wrong key, expired, wrong audience) and random `kid`s: every valid request 200,
every invalid one 401, provider fetches within one per cooldown, no 5xx, the host's memory
flat. Then with faults injected, one run each: the provider slower than its timeout, the
provider flapping, Redis restarted mid-run, the gateway slow. Each prints a row of the table
(requests, concurrency, p50/p99, statuses, provider fetches, KV operations per request)."""
from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from harness import config, load
from harness.redis import redis_server  # noqa: F401 (the fixture)

RECORD_KEY = "e2e-load-record-key-0123456789abcdef0123"
CONCURRENCY = 32
RSS_GROWTH_MAX_KIB = 8 * 1024  # over 3000 requests after warm-up: a leak of 3 KiB a request shows


@pytest.fixture
def upstream():
    u = load.Upstream()
    yield u
    u.close()


def mix(issuer: str) -> tuple[list[load.Kind], list[float]]:
    """Valid tokens (5 algorithms × 4 users) about 70 % of requests, invalid ones 30 %."""
    valid, invalid = load.valid_kinds(issuer), load.invalid_kinds(issuer, random_kids=8)
    kinds = valid + invalid
    weights = [0.7 / len(valid)] * len(valid) + [0.3 / len(invalid)] * len(invalid)
    return kinds, weights


def measured(redis, provider, label, urls, kinds, **kw) -> load.Run:
    """One run, with the provider's fetches and the store's operations counted over it."""
    redis.reset_stats()
    before = provider.jwks_fetches()
    run = load.run(label, urls, kinds, concurrency=CONCURRENCY, **kw)
    run.fetches = provider.jwks_fetches() - before
    run.kv_reads, run.kv_writes = redis.data_ops()
    return run


def allowing(kinds: list[load.Kind], *statuses: int) -> list[load.Kind]:
    return [dataclasses.replace(k, expect=k.expect | frozenset(statuses)) for k in kinds]


def no_5xx_but(run: load.Run, *allowed: int) -> None:
    bad = {s: n for s, n in run.statuses().items() if (s >= 500 or s == 0) and s not in allowed}
    assert not bad, (run.label, bad, run.unexpected[:10])


def test_load_mixed_tokens_at_32_concurrency(start_host, new_provider, redis_server, upstream, capsys):
    cooldown = 3
    p = new_provider()
    h = start_host(config.authorizer_vars(p, auth_kv_record_key=RECORD_KEY,
                                          **{config.JWKS_REFETCH_COOLDOWN: str(cooldown)}),
                   routes={config.GATEWAY_NAME: upstream.url}, runtime_config=redis_server.runtime_config())
    kinds, weights = mix(p.issuer)
    first = load.run("first request", [h.url], kinds[:1], requests=1, concurrency=1)
    warm = measured(redis_server, p, "warm-up", [h.url], kinds, requests=1000, weights=weights, max_s=20)
    rss_before = load.rss_kib(h.proc.pid)
    steady = measured(redis_server, p, "mixed tokens", [h.url], kinds, requests=3000, weights=weights, max_s=40)
    rss_after = load.rss_kib(h.proc.pid)
    with capsys.disabled():
        print(f"\n{load.table([warm, steady])}\nhost RSS {rss_before} KiB -> {rss_after} KiB after "
              f"{steady.count} requests; {load.machine()}")
    for run in (first, warm, steady):
        assert not run.unexpected, (run.label, run.unexpected[:10], run.statuses())
        no_5xx_but(run)
    assert steady.count == 3000
    # Random kids ask for a refetch on every request; the cooldown lets one through per
    # window (the component counts whole seconds), plus a racing one at most.
    windows = 1 + steady.elapsed_s / (cooldown - 1)
    assert steady.fetches <= 2 * windows, (steady.fetches, steady.elapsed_s)
    assert p.jwks_fetches() >= 1
    # Writes only around a refetch: its record, and a lease per request that found the
    # cooldown over (a racing one loses the read-back and does not fetch), within each window.
    assert steady.kv_writes <= steady.fetches + 2 * windows * 2, redis_server.commandstats()
    # One read per request (the record), and the lease too for those that found the cooldown
    # over (random kids, as a refetch is under way).
    random_kids = sum(1 for r in steady.results if r.kind == "random kid")
    assert steady.count <= steady.kv_reads <= steady.count + random_kids, redis_server.commandstats()
    assert rss_after - rss_before < RSS_GROWTH_MAX_KIB, (rss_before, rss_after)


def test_load_with_faults_injected(start_host, new_provider, redis_server, upstream, capsys):
    p = new_provider()
    variables = config.authorizer_vars(
        p, auth_kv_record_key=RECORD_KEY, auth_provider_timeout_secs="1", auth_gateway_timeout_secs="1",
        **{config.JWKS_CACHE_TTL: "2", config.JWKS_REFETCH_COOLDOWN: "1"},
    )
    h = start_host(variables, routes={config.GATEWAY_NAME: upstream.url}, runtime_config=redis_server.runtime_config())
    kinds, weights = mix(p.issuer)
    runs: list[load.Run] = []
    assert not load.run("first", [h.url], kinds[:1], requests=1, concurrency=1).unexpected

    # 1. The provider answers after 1.5 s, past auth_provider_timeout_secs = 1: every refetch
    # (TTL 2 s, so the keys go stale during the run) times out; the stale keys serve.
    p.delay_s = 1.5
    slow = measured(redis_server, p, "provider slower than its timeout", [h.url], kinds,
                    requests=2500, weights=weights, max_s=5)
    p.delay_s = 0.0
    runs.append(slow)
    assert not slow.unexpected, (slow.unexpected[:10], slow.statuses())
    assert "jwks_stale" in h.output()
    # One attempt per cooldown (1 s), plus a racing one: never one per request.
    assert 1 <= slow.fetches <= 2 * (slow.elapsed_s + 2), (slow.fetches, slow.elapsed_s)

    # 2. The provider flaps: 503 for 0.4 s, then up for 0.4 s, and so on.
    flap = measured(redis_server, p, "provider flapping", [h.url], kinds, requests=2500, weights=weights, max_s=5,
                    during=lambda t: setattr(p, "failing", int(t / 0.4) % 2 == 0))
    p.failing = False
    runs.append(flap)
    assert not flap.unexpected, (flap.unexpected[:10], flap.statuses())
    assert flap.fetches <= 2 * (flap.elapsed_s + 2), (flap.fetches, flap.elapsed_s)

    # 3. Redis restarted after 1 s (down 0.3 s, then empty): requests fail closed with 503
    # while it is down and until the cold cache is refilled, then 200 again.
    window: list[float] = []

    def restart_once(t: float) -> None:
        if t >= 1.0 and not window:
            window.append(t)
            redis_server.restart(down_s=0.3)
            window.append(t + 0.3)

    before = p.jwks_fetches()
    t_start = time.monotonic()
    redis_run = load.run("Redis restarted mid-run", [h.url], allowing(kinds, 503), concurrency=CONCURRENCY,
                         requests=2500, weights=weights, max_s=5, during=restart_once)
    redis_run.fetches = p.jwks_fetches() - before
    redis_run.kv_reads, redis_run.kv_writes = redis_server.data_ops()  # counted from the restart on
    refused = [r.started for r in redis_run.results if r.status == 503]
    with capsys.disabled():
        print(f"\nRedis down from {window[0]:.2f} s to {window[1]:.2f} s (then empty); 503s from "
              f"{min(refused):.2f} s to {max(refused):.2f} s; fetches at "
              f"{[round(t - t_start, 3) for t in p.jwks_fetch_times()[before:]]}")
    runs.append(redis_run)
    assert len(window) == 2, "the restart did not happen during the run"
    no_5xx_but(redis_run, 503)
    late_503 = [r for r in redis_run.results if r.status == 503 and r.started > window[1] + 2.5]
    assert not late_503, f"503s more than 2.5 s after Redis was back: {len(late_503)}"
    assert redis_run.statuses()[200] > 0 and redis_run.statuses()[503] > 0, redis_run.statuses()
    assert "kv_read_failed" in h.output()
    # The restarted Redis is empty: requests in flight at that moment all find no lease, and
    # without compare-and-swap some fetch together (README "Scaling out"). Bounded by the
    # requests in flight, never one per request.
    assert redis_run.fetches <= 2 * (redis_run.elapsed_s + 2) + CONCURRENCY, redis_run.fetches

    # 4. The gateway is slow: 50 ms for every answer, and 2 % of requests take 1.5 s, past
    # auth_gateway_timeout_secs = 1: those get 504, everything else as before.
    time.sleep(1.5)  # let the restarted Redis's cold cache fill (the run above refilled it)
    upstream.delay_s, upstream.slow_s = 0.05, 1.5
    slow_kind = dataclasses.replace(kinds[0], name="valid, gateway past its timeout", body=load.RPC_SLOW,
                                    expect=frozenset({504}))
    gw = measured(redis_server, p, "gateway slow (2 % past its timeout)", [h.url], kinds + [slow_kind],
                  requests=1200, weights=[w * 0.98 for w in weights] + [0.02], max_s=8)
    upstream.delay_s = upstream.slow_s = 0.0
    runs.append(gw)
    assert not gw.unexpected, (gw.unexpected[:10], gw.statuses())
    no_5xx_but(gw, 504)
    with capsys.disabled():
        print(f"\n{load.table(runs)}\n{load.machine()}")
