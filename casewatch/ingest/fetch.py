"""Detail fetches (SPEC §13): a domain event's detailUrl, only from an allow-listed host, with
an OAuth2 client-credentials token from HMPPS Auth.

The allow-list is scheme and authority, compared exactly (`https://host` is not
`https://host:443`, nor `http://host`, nor `https://user@host`): a URL off it is refused before
any connection, so a forged detailUrl cannot make casewatch carry its token elsewhere.
Redirects are not followed, for the same reason. The client secret is read from its file when
a token is needed and is never logged; reasons name a failure's kind, never a body.

What may succeed later (a host away, a 5xx, a token refused) raises `Unreachable`, and the
message stays on the queue; what never will (404, a body that is not JSON) is a `Refusal`.
"""

import time
import urllib.parse
from pathlib import Path
from typing import Any

from pydantic_core import from_json

from casewatch import http
from casewatch.http import LARGEST
from casewatch.ingest.detail import Sources, Unreachable
from casewatch.ingest.envelope import Refusal
from casewatch.ingest.teams import load_teams
from casewatch.kafka.settings import Settings

EARLY = 30.0  # seconds before its expiry a token is renewed


def authority(url: str) -> tuple[str, str]:
    """A URL's scheme and authority, lower-cased: what the allow-list compares."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        raise Refusal("detailUrl is not a URL") from None
    return parts.scheme.lower(), parts.netloc.lower()


def allow_list(hosts: str) -> frozenset[tuple[str, str]]:
    """CASEWATCH_DETAIL_HOSTS: comma-separated `scheme://authority`, nothing after it."""
    allowed = set()
    for entry in filter(None, (host.strip() for host in hosts.split(","))):
        parts = urllib.parse.urlsplit(entry)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in (
                "", "/") or parts.query or parts.fragment:
            raise ValueError(f"CASEWATCH_DETAIL_HOSTS: {entry!r} is not scheme://host[:port]")
        allowed.add(authority(entry))
    return frozenset(allowed)


class DetailSource:
    """`fetch(url)`: the JSON object at an allow-listed URL, fetched with a bearer token."""

    def __init__(self, hosts: str, auth_url: str, client_id: str, secret_file: str) -> None:
        self.allowed = allow_list(hosts)
        self.auth_url = auth_url
        self.client_id = client_id
        self.secret_file = Path(secret_file)
        self._token: tuple[str, float] | None = None  # the token, and when to renew it

    def __call__(self, url: str) -> dict[str, Any]:
        if authority(url) not in self.allowed:
            raise Refusal("detailUrl host is not on CASEWATCH_DETAIL_HOSTS")
        status, body = self._get(url, self.token())
        if status in (401, 403):
            self._token = None  # revoked or expired early: one new token, one more try
            status, body = self._get(url, self.token())
        return answered(status, body)

    def token(self) -> str:
        if self._token is not None and time.monotonic() < self._token[1]:
            return self._token[0]
        try:  # read each time: a rotated secret is taken up without a restart
            secret = self.secret_file.read_text().strip()
        except (OSError, UnicodeDecodeError) as error:
            # Mid-rotation the file may be briefly absent: the message waits on the queue.
            raise Unreachable(f"the client secret file could not be read "
                              f"({type(error).__name__})") from None
        with http.unreachable_as(Unreachable):
            status, body = http.send_form(
                self.auth_url, {"grant_type": "client_credentials"},
                basic=(self.client_id, secret), what="the token endpoint")
        if status != 200:
            raise Unreachable(f"the token endpoint refused the client credentials (HTTP {status})")
        try:
            answer = from_json(body)
            token, lasts = answer["access_token"], float(answer.get("expires_in", 300))
        except (ValueError, KeyError, TypeError):
            raise Unreachable("the token endpoint's answer has no access_token") from None
        if not isinstance(token, str) or not token:
            raise Unreachable("the token endpoint's answer has no access_token")
        self._token = (token, time.monotonic() + max(lasts - EARLY, 0.0))
        return token

    def _get(self, url: str, token: str) -> tuple[int, bytes]:
        with http.unreachable_as(Unreachable):
            return http.send(url, what="the detail host", headers={
                "Authorization": f"Bearer {token}", "Accept": "application/json"})


def answered(status: int, body: bytes) -> dict[str, Any]:
    """A detail host's answer as the detail, a Refusal or Unreachable."""
    if status in (401, 403):
        raise Unreachable(f"the detail host refused casewatch's token (HTTP {status})")
    if status == 429 or status >= 500:
        raise Unreachable(f"the detail host failed (HTTP {status})")
    if status != 200:
        raise Refusal(f"the detail host answered HTTP {status}")
    if len(body) > LARGEST:
        raise Refusal("detail larger than 4 MB")
    try:
        value = from_json(body)  # depth-limited: a deeply nested answer is refused, not a crash
    except ValueError:
        raise Refusal("detail is not JSON") from None
    if not isinstance(value, dict):
        raise Refusal("detail is not a JSON object")
    return value


def sources(settings: Settings) -> Sources | None:
    """The detail fetches these settings configure: None where CASEWATCH_DETAIL_HOSTS is not
    set, so the types that need one are skipped and counted. ValueError, in one line, for
    settings no fetch could work with."""
    if not settings.detail_hosts:
        return None
    missing = [name for name, value in (
        ("CASEWATCH_HMPPS_AUTH_URL", settings.hmpps_auth_url),
        ("CASEWATCH_HMPPS_CLIENT_ID", settings.hmpps_client_id),
        ("CASEWATCH_HMPPS_CLIENT_SECRET_FILE", settings.hmpps_client_secret_file)) if not value]
    if missing:
        raise ValueError(f"CASEWATCH_DETAIL_HOSTS needs {' and '.join(missing)}")
    if not Path(settings.hmpps_client_secret_file).is_file():
        raise ValueError("CASEWATCH_HMPPS_CLIENT_SECRET_FILE is not a readable file")
    teams = load_teams(Path(settings.ingest_teams)) if settings.ingest_teams else {}
    return Sources(DetailSource(settings.detail_hosts, settings.hmpps_auth_url,
                                settings.hmpps_client_id, settings.hmpps_client_secret_file),
                   teams)
