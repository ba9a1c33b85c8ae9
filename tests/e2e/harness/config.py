"""The authorizer's configuration for the tests: Spin variables, named as README.md
`## Configuration` and spin.toml declare them. Every test builds its variables here, so a
renamed variable is changed in one place."""
from __future__ import annotations

# auth_gateway_url keeps its default, http://ftl-mcp-gateway.spin.internal/mcp-internal (the
# gateway component of spin.toml); the host routes that name to the MCP server of the tests.
GATEWAY_NAME = "ftl-mcp-gateway"
GATEWAY_PATH = "/mcp-internal"
AUDIENCE = "https://mcp.e2e.test/mcp"
MCP_PATH = "/mcp"  # where clients send MCP requests (the authorizer protects every path)


def authorizer_vars(provider=None, *, issuer: str | None = None, **overrides: str) -> dict[str, str]:
    """One oidc provider (the mock, or any `issuer`) with an explicit JWKS URI, and the gateway."""
    issuer = issuer or provider.issuer
    variables = {
        "auth_enabled": "true",
        "auth_provider_type": "oidc",
        "auth_provider_name": "mock",
        "auth_provider_issuer": issuer,
        "auth_provider_audience": AUDIENCE,
        "auth_provider_jwks_uri": issuer + "/oauth2/jwks",
        "auth_provider_authorize_endpoint": issuer + "/oauth2/authorize",
        "auth_provider_token_endpoint": issuer + "/oauth2/token",
    }
    variables.update(overrides)
    return variables



# Variables of README.md `## Configuration` (crates/gateway/src/variables.rs VARIABLES) that tests change.
JWKS_CACHE_TTL = "auth_jwks_cache_ttl_secs"
JWKS_REFETCH_COOLDOWN = "auth_jwks_refetch_cooldown_secs"  # at most the TTL
JWKS_STALE_WINDOW = "auth_jwks_stale_secs"
REQUIRED_SCOPES = "auth_provider_required_scopes"
TRACE_HEADER = "x-trace-id"  # auth_trace_header's default, X-Trace-Id


def second_provider_vars(provider, name: str = "second", audience: str = AUDIENCE) -> dict[str, str]:
    """Provider slot 2 (`auth_provider2_*`), another oidc issuer."""
    return {
        "auth_provider2_type": "oidc",
        "auth_provider2_name": name,
        "auth_provider2_issuer": provider.issuer,
        "auth_provider2_audience": audience,
        "auth_provider2_jwks_uri": provider.jwks_uri,
    }
