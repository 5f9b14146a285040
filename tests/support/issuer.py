"""A stand-in token issuer for the web unit tests: an RSA key of its own, its discovery document
and JWKS served on loopback, and tokens minted by hand. Unit tests only: the sign-in tests run
against a real OpenID provider (tests/support/keycloak.py)."""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from casewatch.kafka.broker import free_port


@dataclass
class MintedIssuer:
    url: str
    keys: dict[str, Any] = field(default_factory=dict)  # kid → private key
    published: set[str] = field(default_factory=set)  # kids in the JWKS
    jwks_fetches: int = 0

    def add_key(self, kid: str, publish: bool = True) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if publish:
            self.published.add(kid)

    def jwks(self) -> dict[str, Any]:
        out = []
        for kid in sorted(self.published):
            key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            out.append({**key, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": out}

    def token(self, user: str | None = "MGR1", roles: tuple[str, ...] = (), *,
              audience: str = "casewatch", issuer: str | None = None, lasts: float = 300,
              kid: str = "k1", **claims: Any) -> str:
        now = int(time.time())
        body: dict[str, Any] = {"iss": issuer or self.url, "aud": audience, "iat": now,
                                "exp": now + int(lasts), "authorities": list(roles), **claims}
        if user is not None:
            body["user_name"] = user
        return jwt.encode(body, self.keys[kid], algorithm="RS256", headers={"kid": kid})


@contextmanager
def minted_issuer() -> Iterator[MintedIssuer]:
    port = free_port()
    issuer = MintedIssuer(f"http://127.0.0.1:{port}/realms/test")
    issuer.add_key("k1")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.endswith("/.well-known/openid-configuration"):
                body: Any = {"issuer": issuer.url,
                             "authorization_endpoint": f"{issuer.url}/auth",
                             "token_endpoint": f"{issuer.url}/token",
                             "jwks_uri": f"{issuer.url}/certs"}
            elif self.path.endswith("/certs"):
                issuer.jwks_fetches += 1
                body = issuer.jwks()
            else:
                self.send_response(404)
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield issuer
    finally:
        server.shutdown()
