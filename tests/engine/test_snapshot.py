"""A case restored from its table rows carries on exactly as if it had never stopped, and a
change writes only what changed."""

import json
import zlib
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casewatch.engine.case import CaseState
from casewatch.engine.caseload import Caseload
from casewatch.engine.snapshot import (
    Row,
    _view_to_json,
    bulk_rows,
    change_row,
    restore_rows,
    whole_case_rows,
)
from casewatch.schemas.events import case_event_adapter
from casewatch.schemas.parse import parse_event
from tests.support.builders import alerts, allocated, at, contact, run
from tests.support.strategies import AS_OF, caseload_history


def restored(rows: list[Row], policy: Any, now: datetime | None) -> Caseload:
    caseload = Caseload(policy)
    if now is not None:
        caseload.advance(now)
    for found in restore_rows(rows, policy):
        caseload.adopt(found.case)
    return caseload


@given(history=caseload_history(), data=st.data())
def test_restoring_every_row_mid_stream_changes_nothing(history: list[dict[str, Any]],
                                                        data: st.DataObject) -> None:
    stop = data.draw(st.integers(0, len(history)))
    first = run(history[:stop])
    rows = [row for case in first.cases.values() if first.now is not None
            for row in whole_case_rows(case, first.now)]
    second = restored(rows, first.policy, first.now)
    for item in history[stop:]:
        second.apply(parse_event(json.dumps(item)))
    second.advance(datetime.fromisoformat(AS_OF))
    assert alerts(second) == alerts(run(history, AS_OF))


@given(history=caseload_history(), data=st.data())
def test_a_table_kept_by_changes_alone_restores_the_same_cases(
    history: list[dict[str, Any]], data: st.DataObject,
) -> None:
    """As the worker keeps it: after each event one row with the event and the alert states it
    changed. A restore from that table equals the uninterrupted run."""
    stop = data.draw(st.integers(0, len(history)))
    caseload = Caseload()
    table: dict[bytes, bytes] = {}
    writes: dict[str, int] = {}
    for item in history[:stop]:
        event = parse_event(json.dumps(item))
        applied = caseload.apply(event)
        if applied.duplicate or caseload.now is None:
            continue
        touched: dict[str, list[str]] = {event.crn: []}
        for change in applied.changes:
            touched.setdefault(change.crn, []).append(change.alert_id)
        for crn, changed in touched.items():
            writes[crn] = writes.get(crn, -1) + 1
            table.update([change_row(caseload.cases[crn], caseload.now, writes[crn],
                                     event=event if crn == event.crn else None,
                                     alerts=changed)])
    second = restored(list(table.items()), caseload.policy, caseload.now)
    for item in history[stop:]:
        second.apply(parse_event(json.dumps(item)))
    second.advance(datetime.fromisoformat(AS_OF))
    assert alerts(second) == alerts(run(history, AS_OF))


def test_bytes_written_per_event_do_not_grow_with_the_history() -> None:
    """Writes are O(change): the 100th contact costs what the 10th does."""
    caseload = run([allocated(at("2025-07-01"))])
    written = []
    for day in range(100):
        event = parse_event(json.dumps(contact(f"2025-07-{day % 28 + 2:02d}T10:{day % 60:02d}:00"
                                               "+01:00")))
        applied = caseload.apply(event)
        assert caseload.now is not None
        key, value = change_row(caseload.cases["X123456"], caseload.now, day, event=event,
                                alerts=[c.alert_id for c in applied.changes
                                        if c.crn == "X123456"])
        written.append(len(key) + len(value))
    assert written[99] <= 2 * written[9] < 1500


def legacy_snapshot(case: CaseState, now: datetime) -> bytes:
    """Format 1, as tables written before 27 November 2026 hold it: the whole case in one row."""
    events = [json.loads(case_event_adapter.dump_json(o.event, exclude_none=True))
              for o in case.facts.occurrences()]
    return zlib.compress(json.dumps({
        "format": 1, "crn": case.crn, "now": now.isoformat(),
        "published": [_view_to_json(v) for v in case.published.values()],
        "events": events}).encode())


def test_a_format_1_row_is_read_first_and_later_rows_follow_it() -> None:
    """Tables written before format 2 need no rebuild: the old row is the case's beginning."""
    events = [allocated(at("2025-07-01")), contact(at("2025-07-02"))]
    before = run(events)
    assert before.now is not None
    old = (b"X123456", legacy_snapshot(before.cases["X123456"], before.now))
    later = parse_event(json.dumps(contact(at("2025-07-03"))))
    before.apply(later)
    assert before.now is not None
    new = change_row(before.cases["X123456"], before.now, 0, event=later)
    [found] = list(restore_rows([new, old], before.policy))
    assert found.case.event_ids == before.cases["X123456"].event_ids
    assert found.writes == 1 and found.now == before.now
    again = restored([new, old], before.policy, before.now)
    again.advance(datetime.fromisoformat(AS_OF))
    before.advance(datetime.fromisoformat(AS_OF))
    assert alerts(again) == alerts(before)


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown case snapshot format"):
        list(restore_rows([(b"X123456", zlib.compress(b'{"format": 99}'))], run([]).policy))


def test_a_row_holding_text_like_its_own_framing_restores() -> None:
    """A change row is cut where it was joined: text in the event that looks like the joins
    (escaped, as JSON escapes quotes) does not move the cut. An eventId is any text a producer
    chose (a closure's reason, free text, is not kept at all)."""
    closing = {"eventId": 'e ","event":null,"alerts":[["x"]]} close', "eventType": "case.closed",
               "version": 1, "crn": "X123456", "occurredAt": at("2025-07-03"),
               "detail": {"reason": "moved away"}}
    caseload = run([allocated(at("2025-07-01")), closing])
    assert caseload.now is not None
    case = caseload.cases["X123456"]
    rows = whole_case_rows(case, caseload.now)
    [found] = list(restore_rows(rows, caseload.policy))
    assert found.case.event_ids == case.event_ids
    assert [o.event for o in found.case.facts.occurrences()] == [
        o.event for o in case.facts.occurrences()]
    assert found.case.published == case.published


def test_a_row_that_is_not_a_change_is_refused() -> None:
    with pytest.raises(ValueError, match="not a change row"):
        list(restore_rows([(b"X123456\x00" + bytes(8), b'{"now":"2025-07-01"}')],
                          run([]).policy))


@given(history=caseload_history(), most_bytes=st.sampled_from((1, 400, 2_000, 512 * 2**10)))
def test_a_case_in_bulk_rows_restores_as_it_was_however_its_events_are_cut(
        history: list[dict[str, Any]], most_bytes: int) -> None:
    """`casewatch rebuild`'s rows: a case's events as few rows as fit `most_bytes` (one an
    event, at the least), every alert state in the last."""
    caseload = run(history)
    for case in caseload.cases.values():
        assert caseload.now is not None
        rows = bulk_rows(case, caseload.now, most_bytes)
        events = list(case.facts.occurrences())
        assert len(rows) <= max(1, len(events))
        assert [key for key, _ in rows] == sorted(key for key, _ in rows)
        [found] = list(restore_rows(rows, caseload.policy))
        assert found.writes == len(rows)
        assert found.case.event_ids == case.event_ids
        assert [o.event for o in found.case.facts.occurrences()] == [o.event for o in events]
        assert found.case.published == case.published
        assert found.case.next_at == case.next_at
