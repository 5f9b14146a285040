"""casewatch's one HTTP client, for every service that calls another: Alertmanager (alerts and
silences), HMPPS's detail APIs and token endpoint, and the sign-in provider (discovery, JWKS,
tokens).

The standard library's, with a timeout on every request, no redirects followed (a redirect
could carry a bearer token or a client secret to a host nobody allowed) and a cap on what is
read. It answers the status and body of whatever the server said; what could not be reached
raises `Unreachable` naming the failure's kind, never a body, a header or a secret.
"""

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

TIMEOUT = 10.0  # seconds for one request
LARGEST = 4 * 1024 * 1024  # bytes read of an answer at most; one byte more says it was larger


class Unreachable(RuntimeError):
    """The server could not be reached, or did not answer in time."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError


_opener = urllib.request.build_opener(_NoRedirects)


@contextmanager
def unreachable_as(kind: type[Exception]) -> Iterator[None]:
    """`Unreachable` raised inside, as the caller's own error of that kind (same reason)."""
    try:
        yield
    except Unreachable as error:
        raise kind(str(error)) from None


def send(url: str, *, method: str = "GET", body: bytes | None = None,
         headers: dict[str, str] | None = None, timeout: float = TIMEOUT,
         what: str = "the server") -> tuple[int, bytes]:
    """One request: the answer's status and up to LARGEST + 1 bytes of its body."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _opener.open(request, timeout=timeout) as answer:
            return answer.status, answer.read(LARGEST + 1)
    except urllib.error.HTTPError as error:
        try:
            return error.code, error.read(LARGEST + 1)
        finally:
            error.close()
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise Unreachable(f"{what} could not be reached ({type(error).__name__})") from None


def send_json(url: str, value: Any, *, method: str = "POST", timeout: float = TIMEOUT,
              what: str = "the server") -> tuple[int, bytes]:
    return send(url, method=method, body=json.dumps(value).encode(), timeout=timeout, what=what,
                headers={"Content-Type": "application/json", "Accept": "application/json"})


def send_form(url: str, fields: dict[str, str], *, basic: tuple[str, str] | None = None,
              timeout: float = TIMEOUT, what: str = "the server") -> tuple[int, bytes]:
    """A form POST, as OAuth2 token endpoints take it; `basic` is (client id, secret)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if basic is not None:
        # RFC 6749 §2.3.1: each part form-encoded before joining.
        user, secret = (urllib.parse.quote(part, safe="") for part in basic)
        headers["Authorization"] = "Basic " + base64.b64encode(
            f"{user}:{secret}".encode()).decode()
    return send(url, method="POST", body=urllib.parse.urlencode(fields).encode(),
                headers=headers, timeout=timeout, what=what)
