#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (git-ignored).

Seeds come from vectors/ (RFC 7515/7517/7520/8037 material), the fixture JWK Set, and the JSON
and header literals of the Rust tests (src/**/*.rs, tests/*.rs). Deterministic, stdlib only:
run it any time; existing files are kept (libFuzzer adds its own next to them).
"""
import base64
import glob
import hashlib
import json
import os
import re

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
NOW = 1_700_000_000
ISS = "https://issuer.example"
AUD = "https://mcp.example/mcp"


def b64u_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def walk(value):
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def rust_literals():
    """JSON-looking raw-string literals (r#"..."#, br#"..."#) and plain "Bearer ..." strings."""
    files = glob.glob(os.path.join(ROOT, "src", "**", "*.rs"), recursive=True)
    files += glob.glob(os.path.join(ROOT, "tests", "*.rs"))
    json_like, headers = set(), set()
    for path in sorted(files):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r'b?r#"(.*?)"#', text, re.S):
            s = m.group(1)
            if s.lstrip()[:1] in ("{", "["):
                json_like.add(s)
        for m in re.finditer(r'"((?:Bearer|bearer|bEaReR|Basic|DPoP)[^"\\]*)"', text):
            headers.add(m.group(1))
    return sorted(json_like), sorted(headers)


def cache_record(jwks):
    keep = ("kty", "kid", "alg", "crv", "n", "e", "x", "y")
    keys = [{k: v for k, v in key.items() if k in keep} for key in jwks["keys"]]
    return json.dumps({"mcp-authorizer-keyset": 1, "keys": keys}, separators=(",", ":"))


def main():
    json_literals, header_literals = rust_literals()
    fixture = load_json(os.path.join(ROOT, "tests", "fixtures", "keys", "jwks.json"))
    vectors = {os.path.basename(p): load_json(p) for p in sorted(glob.glob(os.path.join(ROOT, "vectors", "*.json")))}

    # ---- jwks: sets, single keys wrapped in a set, cache records
    jwks_docs = [json.dumps(fixture), cache_record(fixture)]
    for doc in vectors.values():
        for v in walk(doc):
            if isinstance(v, dict) and isinstance(v.get("keys"), list):
                jwks_docs.append(json.dumps(v))
            elif isinstance(v, dict) and "kty" in v:
                jwks_docs.append(json.dumps({"keys": [v]}))
                jwks_docs.append(json.dumps(v))
    for key in fixture["keys"]:
        jwks_docs.append(json.dumps({"keys": [key]}))
        jwks_docs.append(cache_record({"keys": [key]}))
    jwks_docs += [s for s in json_literals if '"kty"' in s or '"keys"' in s]
    for d in jwks_docs:
        write("jwks", d)

    # ---- token: mode 0 (compact), 1 (parts), 2 (harness-signed claims)
    compacts = sorted({v for doc in vectors.values() for v in walk(doc)
                       if isinstance(v, str) and v.count(".") == 2 and v.startswith("eyJ")})
    for c in compacts:
        write("token", b"\x00" + c.encode())
        try:
            h, p, s = (b64u_decode(x) for x in c.split("."))
            write("token", b"\x01" + h + b"\x00" + p + b"\x00" + s)
        except Exception:
            pass
    header = json.dumps({"alg": "EdDSA", "kid": "ed25519", "typ": "JWT"}).encode()
    claims = [
        {"iss": ISS, "sub": "user_1", "aud": AUD, "exp": NOW + 3600, "iat": NOW - 10, "scope": "read write"},
        {"iss": ISS, "aud": [AUD, "x"], "exp": NOW + 3600, "nbf": NOW - 1, "scp": ["a", "b"], "azp": "app"},
        {"iss": "joe", "exp": 1e300, "client_id": "c", "email": "a@b.c"},
        {"iss": ISS, "exp": NOW - 61},
        {"iss": ISS, "exp": "9999999999"},
    ]
    for c in claims:
        write("token", b"\x02" + header + b"\x00" + json.dumps(c).encode())
    write("token", b"\x02" + json.dumps({"alg": "EdDSA"}).encode() + b"\x00" + json.dumps(claims[0]).encode())
    for s in json_literals:
        if '"alg"' in s:
            write("token", b"\x02" + s.encode() + b"\x00" + json.dumps(claims[0]).encode())
        elif '"iss"' in s or '"exp"' in s:
            write("token", b"\x02" + header + b"\x00" + s.encode())

    # ---- authorization_header: `name:value` lines
    for c in compacts[:6]:
        write("authorization_header", f"host:mcp.example.com\nAuthorization:Bearer {c}")
    for h in header_literals + ["Bearer abc.def.ghi", "bearer\tabc==", "Bearer  a b", "Bearer", ""]:
        write("authorization_header", f"authorization:{h}")
    write("authorization_header", "Authorization:Bearer a\nauthorization:Bearer b")
    write("authorization_header", b"authorization:Bearer \xff\xfe")

    # ---- initialize_rewrite: identity-shape byte, then a body
    bodies = [s for s in json_literals if '"method"' in s or '"jsonrpc"' in s]
    bodies += [
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},'
        '"clientInfo":{"name":"c","version":"1"}}}',
        '[{"jsonrpc":"2.0","id":1,"method":"initialize"},{"jsonrpc":"2.0","method":"notifications/initialized"}]',
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"_authContext":{"authenticated_user":"admin"}}}',
        '{"jsonrpc":"2.0","id":1,"method":"initi\\u0061lize","params":{"_auth\\u0043ontext":1}}',
    ]
    for b in bodies:
        write("initialize_rewrite", b"\x1f" + b.encode())
        write("initialize_rewrite", b"\x00" + b.encode())

    # gateway_request takes `arbitrary`-structured input: libFuzzer starts it from scratch.
    os.makedirs(os.path.join(FUZZ, "corpus", "gateway_request"), exist_ok=True)
    counts = {t: len(os.listdir(os.path.join(FUZZ, "corpus", t)))
              for t in sorted(os.listdir(os.path.join(FUZZ, "corpus")))}
    print("seed corpora:", ", ".join(f"{t}={n}" for t, n in counts.items()))


if __name__ == "__main__":
    main()
