"""Test tokens, minted with PyJWT + cryptography (independent of the code under test) from the
TEST-ONLY keys in tests/fixtures/keys (kid = file stem)."""
from __future__ import annotations

import base64
import copy
import json
import pathlib
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

KEYS = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "keys"

# JWS alg → the key (kid) that signs it.
ALG_KEYS = {
    "RS256": "rsa-2048",
    "PS256": "rsa-2048",
    "ES256": "ec-p256",
    "ES384": "ec-p384",
    "EdDSA": "ed25519",
}
WRONG_KEY = "rsa-2048-other"  # a key that is NOT in jwks.json


def private_key(kid: str):
    return load_pem_private_key((KEYS / f"{kid}.pem").read_bytes(), password=None)


def b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwks(*kids: str) -> dict[str, Any]:
    """The fixture JWK Set, restricted to `kids` when given (order kept)."""
    keys = json.loads((KEYS / "jwks.json").read_text())["keys"]
    if kids:
        by_kid = {k["kid"]: k for k in keys}
        keys = [by_kid[k] if k in by_kid else rsa_jwk(k) for k in kids]
    return {"keys": copy.deepcopy(keys)}


def rsa_jwk(kid: str) -> dict[str, Any]:
    """The public JWK of an RSA fixture key (e.g. the 'other' key, for rotation)."""
    nums = load_pem_public_key((KEYS / f"{kid}.pub.pem").read_bytes()).public_numbers()
    as_bytes = lambda v: v.to_bytes((v.bit_length() + 7) // 8, "big")  # noqa: E731
    return {"kty": "RSA", "kid": kid, "use": "sig", "n": b64u(as_bytes(nums.n)), "e": b64u(as_bytes(nums.e))}


def mint(
    issuer: str,
    audience: str | list[str] | None,
    *,
    alg: str = "RS256",
    kid: str | None = "default",
    key: str | None = None,
    headers: dict[str, Any] | None = None,
    lifetime: int = 300,
    **claims: Any,
) -> str:
    """A signed JWT. `kid="default"` uses the signing key's own kid; `kid=None` omits it.
    `key` overrides the signing key (e.g. WRONG_KEY). Claims given as None are left out."""
    signer = key or ALG_KEYS[alg]
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": "user-123",
        "iat": now,
        "nbf": now - 5,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    hdr = dict(headers or {})
    if kid == "default":
        hdr["kid"] = signer
    elif kid is not None:
        hdr["kid"] = kid
    token = jwt.encode(body, private_key(signer), algorithm=alg, headers=hdr)
    if kid is None:
        # PyJWT adds no kid unless asked; make sure of it.
        assert "kid" not in jwt.get_unverified_header(token)
    return token


def with_header(token: str, **changes: Any) -> str:
    """The token with its protected header changed (signature left as is: now invalid unless
    the header was not actually changed)."""
    head, body, sig = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    header.update(changes)
    return ".".join([b64u(json.dumps(header, separators=(",", ":")).encode()), body, sig])


def tamper(token: str) -> str:
    """The token with one claim changed and the old signature kept."""
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["sub"] = "someone-else"
    return ".".join([head, b64u(json.dumps(claims, separators=(",", ":")).encode()), sig])
