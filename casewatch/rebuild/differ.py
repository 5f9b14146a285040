"""What a rebuild sends (pure): the output topics hold each alert's and each case's deadlines'
last published state; only what the computation places differently is sent (SPEC §14), and
what it does not place at all is withdrawn: an alert no longer raised, a case's deadlines in a
region it is no longer in."""

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from casewatch.engine.alert import wire_timestamp
from casewatch.rebuild.state import Sent

Held = dict[tuple[str, str], bytes]  # (region, key) -> the value last published


class Differ:
    def __init__(self, alerts: Held, deadlines: Held) -> None:
        self._alerts = alerts
        self._deadlines = deadlines
        # Alerts the computation places somewhere: one that stands in another region too
        # (its case moved) is left there, as the worker leaves it.
        self._placed: set[str] = set()

    def alerts(self, computed: Iterable[Sent]) -> list[Sent]:
        computed = list(computed)
        self._placed.update(key for _, key, _ in computed)
        return _differing(self._alerts, computed, _same)

    def deadlines(self, computed: Iterable[Sent]) -> list[Sent]:
        return _differing(self._deadlines, computed, _same_deadlines)

    def leftovers(self, now: datetime) -> tuple[list[Sent], list[Sent]]:
        """Once every partition is computed: the alerts that still stand though nothing raises
        them, withdrawn; and deadline lists of cases not placed in that region, emptied. Each
        as of `now` (the latest partition's clock)."""
        stamp = wire_timestamp(now)
        alerts = []
        for (region, key), value in self._alerts.items():
            if key in self._placed:
                continue
            alert = json.loads(value)
            if alert.get("resolution") != "WITHDRAWN":
                alerts.append((region, key, _encode({**alert, "status": "RESOLVED",
                                                     "resolution": "WITHDRAWN",
                                                     "resolvedAt": stamp})))
        deadlines = []
        for (region, key), value in self._deadlines.items():
            record = json.loads(value)
            if record.get("deadlines"):
                deadlines.append((region, key, _encode({**record, "asOf": stamp,
                                                        "deadlines": []})))
        self._alerts, self._deadlines, self._placed = {}, {}, set()
        return alerts, deadlines


def _differing(held: Held, computed: Iterable[Sent], same: Any) -> list[Sent]:
    sends = []
    for region, key, value in computed:
        before = held.pop((region, key), None)
        if before is None or (before != value and not same(before, value)):
            sends.append((region, key, value))
    return sends


def _same(before: bytes, after: bytes) -> bool:
    """The same state (SPEC §8 de-duplicates by the whole state), however it was spelt."""
    return bool(json.loads(before) == json.loads(after))


def _same_deadlines(before: bytes, after: bytes) -> bool:
    """The same list: a record's `asOf` is only when it was made."""
    old, new = json.loads(before), json.loads(after)
    old.pop("asOf", None)
    new.pop("asOf", None)
    return bool(old == new)


def _encode(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
