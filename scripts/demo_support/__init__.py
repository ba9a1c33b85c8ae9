"""Support code for scripts/demo, scripts/mint-token and scripts/explain-token.

Everything here is for a local demonstration on 127.0.0.1: the signing key is generated fresh
by every `scripts/demo` start into the git-ignored directory `.demo/`, and the issuer it signs
for is a loopback URL that no real deployment would configure."""
