"""Test harness for the end-to-end suite: keys and tokens, the mock OIDC provider, the MCP
gateway, and the wasmtime host that runs the component."""
