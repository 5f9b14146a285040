"""Alertmanager's v2 API, as `casewatch notify` uses it: post alerts in batches.

The standard library's HTTP client: one request per batch, nothing to keep alive. No Python
client for API v2 on the registry is current (`../shared/notes/alertmanager.md`)."""

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

BATCH = 1000  # Alertmanager ingests ~27k alerts/s in batches of this size


class DeliveryError(RuntimeError):
    pass


def post_alerts(base_url: str, alerts: Sequence[dict[str, Any]], timeout: float = 10.0) -> None:
    """POST /api/v2/alerts; DeliveryError with a one-line reason if Alertmanager refused."""
    request = urllib.request.Request(
        base_url.rstrip("/") + "/api/v2/alerts", data=json.dumps(list(alerts)).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
    except urllib.error.HTTPError as error:
        detail = error.read(200).decode(errors="replace").strip().splitlines()
        raise DeliveryError(f"{base_url} answered {error.code}: "
                            f"{detail[0] if detail else error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryError(f"{base_url} unreachable: {reason}") from None


def batches(items: Sequence[Any], size: int = BATCH) -> list[Sequence[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
