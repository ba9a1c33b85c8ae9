"""A mock OpenID Connect provider on loopback: discovery documents and a JWK Set, with request
counters, a failure switch and a replaceable key set (rotation)."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import tokens


class MockProvider:
    JWKS_PATH = "/oauth2/jwks"

    def __init__(self, keys: dict[str, Any] | None = None):
        self._lock = threading.Lock()
        self._jwks = keys or tokens.jwks()
        self.hits: Counter[str] = Counter()  # path → requests answered (failures included)
        self.times: list[tuple[float, str]] = []  # (time.monotonic(), path) of each request
        self.failing = False  # True: every request gets 503
        self.delay_s = 0.0  # wait this long before answering (a slow provider)
        self.dribble_s = 0.0  # send the body one byte at a time, this long apart
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10  # seconds a connection may idle

            def do_GET(self):  # noqa: N802 (http.server's naming)
                path = self.path.split("?", 1)[0]
                with provider._lock:
                    provider.hits[path] += 1
                    provider.times.append((time.monotonic(), path))
                    failing = provider.failing
                    doc = provider._document(path)
                if provider.delay_s:
                    time.sleep(provider.delay_s)
                if failing:
                    return self._send(503, {"error": "temporarily_unavailable"})
                if doc is None:
                    return self._send(404, {"error": "not_found"})
                self._send(200, doc)

            def _send(self, status: int, doc: Any):
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not provider.dribble_s:
                    try:
                        self.wfile.write(body)
                    except OSError:
                        pass  # the client gave up (a slow provider past its timeout)
                    return
                try:
                    for i in range(len(body)):
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(provider.dribble_s)
                except OSError:
                    pass  # the client gave up: that is the point of the test

            def log_message(self, *args):  # keep the test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.issuer = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    @property
    def jwks_uri(self) -> str:
        return self.issuer + self.JWKS_PATH

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/oauth2/authorize",
            "token_endpoint": self.issuer + "/oauth2/token",
            "userinfo_endpoint": self.issuer + "/oauth2/userinfo",
            "registration_endpoint": self.issuer + "/oauth2/register",
            "jwks_uri": self.jwks_uri,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
        }

    def _document(self, path: str) -> Any:
        if path == self.JWKS_PATH:
            return self._jwks
        if path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
            return self.metadata()
        return None

    def set_keys(self, keys: dict[str, Any]) -> None:
        with self._lock:
            self._jwks = keys

    def jwks_fetches(self) -> int:
        with self._lock:
            return self.hits[self.JWKS_PATH]

    def jwks_fetch_times(self) -> list[float]:
        """When each JWKS request arrived (time.monotonic()), in order."""
        with self._lock:
            return [t for t, path in self.times if path == self.JWKS_PATH]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
