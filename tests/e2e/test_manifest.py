"""The host reads a Spin manifest as `spin up` would: variables with defaults, component
templates and SPIN_VARIABLE_* overrides, key_value_stores, allowed_outbound_hosts. These tests
write manifests of their own, so they do not depend on the repository's spin.toml."""
from __future__ import annotations

import json

from harness import config, mcp_http, tokens
from harness.host import WASM, run_host

VARIABLES = [
    "auth_enabled", "auth_gateway_url", "auth_provider_type", "auth_provider_name",
    "auth_provider_issuer", "auth_provider_audience", "auth_provider_jwks_uri",
]


def write_manifest(path, defaults: dict[str, str], *, required=(), kv=("mcp_authorizer",), allowed=("http://127.0.0.1:*", "http://*.spin.internal")):
    lines = ["spin_manifest_version = 2", "[application]", 'name = "e2e"', "[variables]"]
    for name in VARIABLES:
        if name in required:
            lines.append(f"{name} = {{ required = true }}")
        else:
            lines.append(f"{name} = {{ default = {json.dumps(defaults.get(name, ''))} }}")
    lines += [
        "[[trigger.http]]", 'route = "/..."', 'component = "authorizer"',
        "[component.authorizer]", f"source = {json.dumps(str(WASM))}",
        f"key_value_stores = {json.dumps(list(kv))}",
        f"allowed_outbound_hosts = {json.dumps(list(allowed))}",
        "[component.authorizer.variables]",
    ]
    lines += [f'{name} = "{{{{ {name} }}}}"' for name in VARIABLES]
    path.write_text("\n".join(lines) + "\n")
    return path


def send(h, client, token):
    return mcp_http.post(client, h.url + config.MCP_PATH, mcp_http.initialize(), token=token)


def test_defaults_from_the_manifest(tmp_path, start_host, new_provider, gateway, client):
    p = new_provider()
    m = write_manifest(tmp_path / "spin.toml", config.authorizer_vars(p))
    h = start_host({}, manifest=m)
    assert send(h, client, tokens.mint(p.issuer, config.AUDIENCE)).status_code == 200
    assert len(gateway.posts("initialize")) == 1


def test_spin_variable_env_overrides_the_default(tmp_path, start_host, new_provider, gateway, client):
    p = new_provider()
    m = write_manifest(tmp_path / "spin.toml", config.authorizer_vars(p))
    h = start_host({}, manifest=m, env={"SPIN_VARIABLE_AUTH_ENABLED": "false"})
    assert send(h, client, None).status_code == 200  # no token needed: auth is off


def test_var_flag_wins_over_env(tmp_path, start_host, new_provider, client):
    p = new_provider()
    m = write_manifest(tmp_path / "spin.toml", config.authorizer_vars(p))
    h = start_host({"auth_enabled": "true"}, manifest=m, env={"SPIN_VARIABLE_AUTH_ENABLED": "false"})
    assert send(h, client, None).status_code == 401


def test_required_variable_without_value_stops_startup(tmp_path, new_provider):
    p = new_provider()
    m = write_manifest(tmp_path / "spin.toml", config.authorizer_vars(p), required=("auth_provider_issuer",))
    r = run_host(["--manifest", str(m), "--listen", "127.0.0.1:0"])
    assert r.returncode == 1
    assert "required variables have no value: auth_provider_issuer" in r.stderr


def test_store_not_granted_fails_closed_without_provider_fetches(tmp_path, start_host, new_provider, gateway, client):
    p = new_provider()
    m = write_manifest(tmp_path / "spin.toml", config.authorizer_vars(p), kv=())
    h = start_host({}, manifest=m)
    token = tokens.mint(p.issuer, config.AUDIENCE)
    for _ in range(3):
        r = send(h, client, token)
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"]
    # Without the store (Spin answers access-denied) nothing could bound fetches across
    # instances, so there are none (issue 13 item 3), and the log says why, at error level.
    assert p.jwks_fetches() == 0
    assert '"kv_read_failed"' in h.output()
    assert gateway.requests == []


def test_manifest_granting_only_default_still_works_with_a_warning(tmp_path, start_host, new_provider, gateway, client):
    p = new_provider()
    m = write_manifest(tmp_path / "spin.toml", config.authorizer_vars(p), kv=("default",))
    h = start_host({}, manifest=m)
    token = tokens.mint(p.issuer, config.AUDIENCE)
    for _ in range(2):
        assert send(h, client, token).status_code == 200
    assert p.jwks_fetches() == 1
    assert "kv_store_shared" in h.output()


def test_private_store_label_needs_the_runtime_config(tmp_path, new_provider):
    p = new_provider()
    m = write_manifest(tmp_path / "spin.toml", config.authorizer_vars(p))
    r = run_host(["--manifest", str(m), "--listen", "127.0.0.1:0"])
    assert r.returncode == 1
    assert 'unknown key_value_stores label "mcp_authorizer"' in r.stderr


def test_allowed_outbound_hosts_are_enforced(tmp_path, start_host, new_provider, gateway, client):
    p = new_provider()
    m = write_manifest(tmp_path / "spin.toml", config.authorizer_vars(p), allowed=("https://*", "http://*.spin.internal"))
    h = start_host({}, manifest=m)
    r = send(h, client, tokens.mint(p.issuer, config.AUDIENCE))
    assert r.status_code == 503
    assert p.jwks_fetches() == 0
    assert "is not in the component's allowed_outbound_hosts" in h.output()
    assert gateway.requests == []
