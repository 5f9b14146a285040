"""Stand-ins for the HMPPS APIs ingest fetches from, which cannot be reached from here: HMPPS
Auth's token endpoint (client credentials, HTTP Basic) and the detail APIs (Manage a
Workforce's allocation detail, OASys ORDS's assessment and RoSH summaries, a Delius requirement),
each answering in its published shape (built in tests/support/hmpps.py) on a loopback port.

Each server counts the requests it is sent, so a test can show a host off the allow-list is
never contacted, and can be told to fail a path a number of times first (a detail API away).
"""

import base64
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from casewatch.kafka.settings import Settings

CLIENT_ID = "casewatch-ingest"
SECRET = "s3cret-from-a-file"  # the tests look for it in every log and reason
TOKEN_PATH = "/auth/oauth/token"


@dataclass
class StandIn:
    url: str  # scheme://host:port
    pages: dict[str, Any] = field(default_factory=dict)  # path → JSON body answered
    failing: Counter[str] = field(default_factory=Counter)  # path → 503s still to answer
    redirects: dict[str, str] = field(default_factory=dict)  # path → Location
    hits: Counter[str] = field(default_factory=Counter)  # path → requests
    issued: list[str] = field(default_factory=list)  # tokens given, newest last
    refused_tokens: set[str] = field(default_factory=set)  # tokens answered 401

    @property
    def requests(self) -> int:
        return sum(self.hits.values())

    def settings(self, settings: Settings, home: Path, teams: dict[str, tuple[str, str]]
                 ) -> Settings:
        """`settings` fetching details from this host alone, its secret and team directory
        written under `home`."""
        from dataclasses import replace

        secret = home / "hmpps-client-secret"
        secret.write_text(SECRET + "\n")
        directory = home / "teams.toml"
        directory.write_text("".join(f'[teams.{team}]\nregion = "{region}"\npdu = "{pdu}"\n'
                                     for team, (region, pdu) in teams.items()))
        return replace(settings, detail_hosts=self.url, hmpps_auth_url=self.url + TOKEN_PATH,
                       hmpps_client_id=CLIENT_ID, hmpps_client_secret_file=str(secret),
                       ingest_teams=str(directory))


def _handler(stand: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any = None, **headers: str) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            stand.hits[self.path] += 1
            length = int(self.headers.get("Content-Length", 0))
            form = self.rfile.read(length)
            basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
            if self.path != TOKEN_PATH or form != b"grant_type=client_credentials":
                return self._answer(400)
            if self.headers.get("Authorization") != f"Basic {basic}":
                return self._answer(401)
            token = f"token-{len(stand.issued) + 1}"
            stand.issued.append(token)
            self._answer(200, {"access_token": token, "token_type": "bearer",
                               "expires_in": 1199})

        def do_GET(self) -> None:
            stand.hits[self.path] += 1
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in stand.issued or token in stand.refused_tokens:
                return self._answer(401)
            if stand.failing[self.path] > 0:
                stand.failing[self.path] -= 1
                return self._answer(503)
            if self.path in stand.redirects:
                return self._answer(302, Location=stand.redirects[self.path])
            if self.path not in stand.pages:
                return self._answer(404)
            self._answer(200, stand.pages[self.path])

    return Handler


@contextmanager
def stand_in() -> Iterator[StandIn]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(StandIn("")))
    stand = StandIn(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(stand)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def detail_api() -> Iterator[StandIn]:
    """The allow-listed detail host, with HMPPS Auth's token endpoint."""
    with stand_in() as stand:
        yield stand


@pytest.fixture
def elsewhere() -> Iterator[StandIn]:
    """A host no allow-list names: a detailUrl pointing here must never reach it."""
    with stand_in() as stand:
        yield stand
