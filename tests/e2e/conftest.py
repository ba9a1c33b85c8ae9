"""Fixtures of the end-to-end suite. Everything runs on loopback: a mock OIDC provider, the MCP
gateway (official MCP Python SDK), and the compiled component served by the wasmtime host.
Build first: `python tests/run_integration_tests.py` does it all."""
from __future__ import annotations

import httpx
import pytest

from harness import config, tokens
from harness.gateway import GatewayServer
from harness.host import HOST_BIN, WASM, Host
from harness.oidc import MockProvider


def pytest_sessionstart(session):
    missing = [str(p) for p in (HOST_BIN, WASM) if not p.exists()]
    if missing:
        pytest.exit(
            "missing build outputs: " + ", ".join(missing) + "\n"
            "run `python tests/run_integration_tests.py`, which builds them first",
            returncode=2,
        )


@pytest.fixture(scope="session")
def provider():
    p = MockProvider()
    yield p
    p.close()


@pytest.fixture(scope="session")
def gateway_server():
    g = GatewayServer()
    yield g
    g.close()


@pytest.fixture
def gateway(gateway_server):
    gateway_server.gateway.clear()
    return gateway_server.gateway


@pytest.fixture(scope="session")
def host(provider, gateway_server):
    """The authorizer with the default configuration, shared by the tests that need no other."""
    h = Host(config.authorizer_vars(provider), routes={config.GATEWAY_NAME: gateway_server.gateway.url})
    yield h
    h.close()


@pytest.fixture
def start_host(gateway_server):
    """Starts a host of one's own (fresh KV, own variables); stopped after the test."""
    started: list[Host] = []

    def start(variables: dict[str, str], *, routes: dict[str, str] | None = None, **kw) -> Host:
        h = Host(variables, routes=routes or {config.GATEWAY_NAME: gateway_server.gateway.url}, **kw)
        started.append(h)
        return h

    yield start
    for h in started:
        h.close()


@pytest.fixture
def new_provider():
    """A provider of one's own (fresh counters, own keys); stopped after the test."""
    made: list[MockProvider] = []

    def make(keys=None) -> MockProvider:
        p = MockProvider(keys)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


@pytest.fixture
def client():
    with httpx.Client(timeout=30) as c:
        yield c


@pytest.fixture
def mint(provider):
    """mint(**kw): a token from the session provider for the configured audience."""

    def make(**kw) -> str:
        kw.setdefault("audience", config.AUDIENCE)
        return tokens.mint(kw.pop("issuer", provider.issuer), kw.pop("audience"), **kw)

    return make
