"""A tiny development identity provider on 127.0.0.1: OpenID Connect discovery, RFC 8414
metadata and the JWK Set of the demo key. It issues no tokens itself: scripts/mint-token signs
them with the demo key, as a real provider would after a login."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

JWKS_PATH = "/oauth2/jwks"
NOT_HERE = {
    "error": "unsupported_grant_type",
    "error_description": "the demo identity provider does not issue tokens: run scripts/mint-token",
}


class DevIdentityProvider:
    def __init__(self, jwks: dict[str, Any], port: int = 0):
        self.jwks = jwks
        idp = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10

            def do_GET(self):  # noqa: N802 (http.server's naming)
                path = self.path.split("?", 1)[0]
                if path == JWKS_PATH:
                    return self._send(200, idp.jwks)
                if path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
                    return self._send(200, idp.metadata())
                if path in ("/oauth2/authorize", "/oauth2/token"):
                    return self._send(501, NOT_HERE)
                self._send(404, {"error": "not_found"})

            do_POST = do_GET  # noqa: N815

            def _send(self, status: int, doc: Any):
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)

    def start(self) -> None:
        """Serves from a daemon thread (the socket already listens: connections wait until then)."""
        self._thread.start()

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.issuer + JWKS_PATH,
            "authorization_endpoint": self.issuer + "/oauth2/authorize",
            "token_endpoint": self.issuer + "/oauth2/token",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "token_endpoint_auth_methods_supported": ["none"],
        }

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
