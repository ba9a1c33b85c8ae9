"""The wasmtime host itself: start-up errors are clear, Spin's health route answers, and no
outbound request leaves the machine."""
from __future__ import annotations

from harness import config, mcp_http, tokens
from harness.host import WASM, run_host


def test_unknown_flag_is_a_usage_error():
    r = run_host(["--no-such-flag"])
    assert r.returncode == 2
    assert "unknown argument" in r.stderr and "Usage:" in r.stderr


def test_not_wasm_is_refused_clearly(tmp_path):
    bogus = tmp_path / "bogus.wasm"
    bogus.write_bytes(b"definitely not wasm")
    r = run_host(["--wasm", str(bogus), "--listen", "127.0.0.1:0"])
    assert r.returncode == 1
    assert "neither a WebAssembly module nor a component" in r.stderr
    assert "panicked" not in r.stderr


def test_module_without_http_handler_is_refused(tmp_path):
    empty = tmp_path / "empty.wasm"
    empty.write_bytes(b"\0asm\x01\0\0\0")  # a valid, empty core module
    r = run_host(["--wasm", str(empty), "--listen", "127.0.0.1:0"])
    assert r.returncode == 1
    assert "does not export wasi:http/incoming-handler" in r.stderr
    assert "panicked" not in r.stderr


def test_spin_health_route(host, client):
    r = client.get(host.url + "/.well-known/spin/health")
    assert r.status_code == 200 and r.text == "OK"


def test_outbound_requests_stay_on_the_machine(start_host, gateway, client):
    issuer = "https://idp.invalid"
    h = start_host(config.authorizer_vars(issuer=issuer, auth_provider_allowed_domains="idp.invalid"))
    r = mcp_http.post(client, h.url + config.MCP_PATH, mcp_http.initialize(), token=tokens.mint(issuer, config.AUDIENCE))
    assert r.status_code in (502, 503), r.text
    assert "https://idp.invalid/oauth2/jwks denied" in h.output()
    assert gateway.requests == []
    assert WASM.exists()


def test_component_imports_only_what_the_host_provides():
    r = run_host(["--imports", "--wasm", str(WASM)])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    imports = [line.split()[1] for line in lines if line.startswith("import ")]
    assert "fermyon:spin/key-value@2.0.0" in imports
    assert "fermyon:spin/variables@2.0.0" in imports
    assert any(i.startswith("wasi:http/outgoing-handler@0.2.") for i in imports)
    assert not [line for line in lines if "NOT PROVIDED" in line]
    assert any(line.startswith("export wasi:http/incoming-handler@0.2.") for line in lines)
