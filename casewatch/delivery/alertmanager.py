"""Alertmanager's v2 API, as casewatch uses it: `notify` posts alerts in batches, `serve` makes
and lists silences. Through casewatch's one HTTP client (casewatch/http.py). No Python client
for API v2 on the registry is current (`../shared/notes/alertmanager.md`)."""

import json
from collections.abc import Sequence
from typing import Any

from casewatch import http

BATCH = 1000  # Alertmanager ingests ~27k alerts/s in batches of this size


class DeliveryError(RuntimeError):
    pass


def post_alerts(base_url: str, alerts: Sequence[dict[str, Any]], timeout: float = 10.0) -> None:
    """POST /api/v2/alerts; DeliveryError with a one-line reason if Alertmanager refused."""
    _answer(base_url, "/api/v2/alerts", list(alerts), timeout)


def post_silence(base_url: str, silence: dict[str, Any], timeout: float = 10.0) -> str:
    """POST /api/v2/silences: the new silence's id."""
    answer = _answer(base_url, "/api/v2/silences", silence, timeout)
    try:
        silence_id = json.loads(answer)["silenceID"]
    except (ValueError, KeyError, TypeError):
        raise DeliveryError(f"{base_url} did not say which silence it made") from None
    return str(silence_id)


def get_silences(base_url: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """GET /api/v2/silences: every silence Alertmanager holds, active or not."""
    answer = _answer(base_url, "/api/v2/silences", None, timeout)
    try:
        silences = json.loads(answer)
    except ValueError:
        raise DeliveryError(f"{base_url} answered a list of silences that is not JSON") from None
    return [s for s in silences if isinstance(s, dict)] if isinstance(silences, list) else []


def _answer(base_url: str, path: str, value: Any, timeout: float) -> bytes:
    """The body Alertmanager answers: a GET where `value` is None, else `value` POSTed."""
    url = base_url.rstrip("/") + path
    with http.unreachable_as(DeliveryError):
        status, body = (http.send(url, timeout=timeout, what=base_url,
                                  headers={"Accept": "application/json"}) if value is None
                        else http.send_json(url, value, timeout=timeout, what=base_url))
    if status >= 300:
        detail = body[:200].decode(errors="replace").strip().splitlines()
        raise DeliveryError(f"{base_url} answered {status}: {detail[0] if detail else ''}")
    return body


def batches(items: Sequence[Any], size: int = BATCH) -> list[Sequence[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
