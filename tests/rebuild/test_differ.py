"""A rebuild sends only what differs from what the output topics hold, and withdraws what
nothing raises any more: applied to the topics, its sends leave each alert as computed."""

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from casewatch.rebuild.differ import Differ, Held

NOW = datetime(2025, 9, 1, tzinfo=UTC)
REGIONS = ("north-east", "wales")
IDS = tuple(f"A-KS-01-{n}" for n in range(5))


def alert(key: str, region: str, resolution: str | None) -> bytes:
    return json.dumps({"alertId": key, "region": region, "status": "OPEN" if resolution is None
                       else "RESOLVED", "resolution": resolution, "resolvedAt": None}).encode()


states = st.sampled_from((None, "SATISFIED", "WITHDRAWN"))
placed = st.dictionaries(st.tuples(st.sampled_from(REGIONS), st.sampled_from(IDS)), states)


@given(held=placed, computed=placed, spelt_apart=st.booleans())
def test_the_sends_leave_each_alert_as_computed_and_only_what_differs_is_sent(
        held: dict[tuple[str, str], Any], computed: dict[tuple[str, str], Any],
        spelt_apart: bool) -> None:
    topics: Held = {place: alert(place[1], place[0], state) for place, state in held.items()}
    if spelt_apart:  # the same state in other JSON spacing is the same state
        topics = {place: json.dumps(json.loads(value), indent=1).encode()
                  for place, value in topics.items()}
    differ = Differ(dict(topics), {})
    wanted = [(region, key, alert(key, region, state))
              for (region, key), state in computed.items()]
    sends = differ.alerts(wanted)
    withdrawals, _ = differ.leftovers(NOW)
    for region, key, value in [*sends, *withdrawals]:
        before = topics.get((region, key))
        assert before is None or json.loads(before) != json.loads(value)  # never a repeat
        topics[(region, key)] = value
    ids = {key for _, key in computed}
    for (region, key), value in topics.items():
        state = json.loads(value)
        if (region, key) in computed:
            assert state["resolution"] == computed[(region, key)]
        elif key in ids:  # its case moved region: left there, as the worker leaves it
            assert state == json.loads(alert(key, region, held[(region, key)]))
        else:  # raised by nothing now
            assert state["resolution"] == "WITHDRAWN"
    assert len(withdrawals) == sum(1 for (region, key), state in held.items()
                                   if key not in ids and state != "WITHDRAWN")


def deadlines(region: str, crn: str, due: list[str], as_of: str) -> bytes:
    return json.dumps({"crn": crn, "region": region, "asOf": as_of,
                       "deadlines": [{"alertId": a} for a in due]}).encode()


def test_deadline_records_differ_by_what_they_list_not_when_they_were_made() -> None:
    held: Held = {("north-east", "X1"): deadlines("north-east", "X1", ["a"], "2025-08-01"),
                  ("north-east", "X2"): deadlines("north-east", "X2", ["b"], "2025-08-01"),
                  ("wales", "X3"): deadlines("wales", "X3", ["c"], "2025-08-01")}
    differ = Differ({}, held)
    sends = differ.deadlines([
        ("north-east", "X1", deadlines("north-east", "X1", ["a"], "2025-09-01")),  # the same
        ("north-east", "X2", deadlines("north-east", "X2", [], "2025-09-01")),  # met
        ("north-east", "X3", deadlines("north-east", "X3", ["c"], "2025-09-01")),  # moved
    ])
    assert [(region, crn) for region, crn, _ in sends] == [("north-east", "X2"),
                                                          ("north-east", "X3")]
    _, emptied = differ.leftovers(NOW)
    assert [(region, crn, json.loads(value)["deadlines"]) for region, crn, value in emptied] \
        == [("wales", "X3", [])]
