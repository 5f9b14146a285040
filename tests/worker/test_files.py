"""Cases kept in the table and read on demand behave exactly as cases kept in memory, with a
bounded number decoded, and a restart reads summaries, not cases."""

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from casewatch.engine.alert import AlertView
from casewatch.engine.caseload import Caseload
from casewatch.engine.policy import Policy
from casewatch.engine.snapshot import FORMAT_ROW, POLICY_KEY, SUMMARY, is_case_row, whole_case_rows
from casewatch.metrics.quality import QualityMetrics
from casewatch.schemas.parse import parse_event
from casewatch.worker.watch import Outcome, PartitionWatch
from tests.support.builders import alerts, allocated, at, contact, run
from tests.support.rocks import LocalTable
from tests.support.strategies import AS_OF, caseload_history


@contextmanager
def local_table() -> Iterator[LocalTable]:
    with tempfile.TemporaryDirectory() as home:
        table = LocalTable(Path(home) / "cases")
        try:
            yield table
        finally:
            table.close()


def wire(views: list[AlertView]) -> list[dict[str, Any]]:
    return [view.to_wire() for view in views]


def each_event(changes: list[AlertView]) -> list[dict[str, Any]]:
    """One event's changes, by alert id: their order within an event is the order the case's
    rules were last evaluated in, which a case read from the table need not share (and which
    no consumer sees, each alert being keyed by its id)."""
    return sorted(wire(changes), key=lambda state: state["alertId"])


def feed(table: LocalTable, watch: PartitionWatch, history: list[dict[str, Any]],
         heard: dict[str, dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Every event through the watch as the worker settles it; `heard` keeps each alert's last
    announced state. Returns each event's changes, in order."""
    changes = []
    for item in history:
        outcome = table.take(watch, json.dumps(item).encode())
        assert watch.files.open <= watch.files.limit
        changes.append(each_event(outcome.changes))
        for state in wire(outcome.restored) + wire(outcome.changes):
            heard[state["alertId"]] = state
    return changes


def reference_changes(history: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    caseload = Caseload()
    return [each_event(caseload.apply(parse_event(json.dumps(item))).changes)
            for item in history]


@settings(max_examples=60, deadline=None)
@given(history=caseload_history(), data=st.data())
def test_cases_on_disk_publish_what_cases_in_memory_do(history: list[dict[str, Any]],
                                                       data: st.DataObject) -> None:
    """With as few as one case decoded at a time, each event makes the same changes; and a
    restart from the table at any point ends with every alert as the uninterrupted run has it."""
    open_cases = data.draw(st.integers(1, 3), label="open cases")
    slices = data.draw(st.integers(1, 3), label="cases falling due per outcome")
    stop = data.draw(st.integers(0, len(history)), label="restart after")
    heard: dict[str, dict[str, Any]] = {}
    with local_table() as table:
        watch = PartitionWatch(Policy(), table.scan, open_cases, slices)
        table.settle(watch, watch.opening())
        assert feed(table, watch, history, {}) == reference_changes(history)
    with local_table() as table:
        first = PartitionWatch(Policy(), table.scan, open_cases, slices)
        table.settle(first, first.opening())
        feed(table, first, history[:stop], heard)
        again = PartitionWatch(Policy(), table.scan, open_cases, slices)
        for outcome in (again.opening(), *(again.read_through(1) for _ in range(stop % 3))):
            for state in wire(table.settle(again, outcome).restored):
                heard[state["alertId"]] = state
        feed(table, again, history[stop:], heard)
        for end in again.tick(datetime.fromisoformat(AS_OF)):
            table.settle(again, end)
            for state in wire(end.restored) + wire(end.changes):
                heard[state["alertId"]] = state
        while again.unread:
            for state in wire(table.settle(again, again.read_through(2)).restored):
                heard[state["alertId"]] = state
    expected = alerts(run(history, AS_OF))
    assert sorted(heard.values(), key=lambda a: (a["openedAt"], a["alertId"])) == expected


def test_a_restart_reads_summaries_not_cases() -> None:
    with local_table() as table:
        watch = PartitionWatch(Policy(), table.scan)
        table.settle(watch, watch.opening())
        for number in range(50):
            crn = f"A{number:06d}"
            for item in (allocated(at("2025-07-01"), crn=crn), contact(at("2025-07-10"), crn=crn)):
                table.settle(watch, watch.on_message(json.dumps(item).encode()))
        again = PartitionWatch(Policy(), table.scan, open_cases=10)
        opening = table.settle(again, again.opening())
        assert again.files.reads == 0 and opening.rows == [] and opening.restored == []
        assert len(again.files) == 50 and again.unread == 50
        # A message reads its own case only, and announces it again before its changes.
        outcome = table.settle(again, again.on_message(json.dumps(
            contact(at("2025-07-10", 11), crn="A000007")).encode()))
        assert again.files.reads == 1
        assert {view.crn for view in outcome.restored} == {"A000007"}
        assert [crn for _, crn, _ in outcome.deadlines] == ["A000007"]
        # The rest are read through in the background, announced, and closed beyond the limit.
        announced = set()
        while again.unread:
            outcome = table.settle(again, again.read_through(7))
            announced |= {view.crn for view in outcome.restored}
            assert again.files.open <= 10
        assert len(announced) == 49 and again.files.reads == 50
        # Their deadlines fire from the summaries' index: each case read once more, at most.
        due = table.settle(again, again.on_tick(datetime.fromisoformat(AS_OF)))
        assert {view.crn for view in due.changes} == {f"A{n:06d}" for n in range(50)}
        assert again.files.reads <= 100


def test_a_table_without_summaries_is_read_whole_once_and_summarised() -> None:
    """Tables written before format 3 need no rebuild: read whole once, as before, and their
    summaries written with the first rows; the next start takes the summaries."""
    before = run([allocated(at("2025-07-01"), crn="A000001"),
                  allocated(at("2025-07-01"), crn="B000002"), contact(at("2025-07-02"))])
    assert before.now is not None
    with local_table() as table:
        for case in before.cases.values():
            table.write(whole_case_rows(case, before.now))
        watch = PartitionWatch(Policy(), table.scan)
        opening = table.settle(watch, watch.opening())
        assert watch.files.reads == 0  # read whole, not case by case
        # No fingerprint either (§14): each case re-derived, nothing differing, so only its
        # rows are written, and the fingerprint once every case is done.
        assert {key for key, _ in opening.rows if not is_case_row(key)} == {
            SUMMARY + b"A000001", SUMMARY + b"B000002", SUMMARY + b"X123456", FORMAT_ROW[0],
            POLICY_KEY}
        assert opening.changes == []
        assert {view.alert_id for view in opening.restored} == {
            view.alert_id for view in before.alerts()}
        again = PartitionWatch(Policy(), table.scan)
        assert again.unread == 3 and again.files.open == 0
        later = datetime.fromisoformat(AS_OF)
        table.settle(again, again.on_tick(later))
        before.advance(later)
        assert again.files.reads == 2  # the allocated two fell due; X123456 awaits allocation
        assert alerts(Caseload(cases=again.files)) == alerts(before)


def test_each_changed_case_is_summarised_with_its_rows() -> None:
    watch = PartitionWatch(Policy())
    outcome = watch.on_message(json.dumps(allocated(at("2025-07-01"))).encode())
    case = watch.caseload.cases["X123456"]
    [(change_key, _), (key, value)] = outcome.rows
    assert change_key == b"X123456\x00" + bytes(8)
    assert key == SUMMARY + b"X123456" and case.next_at is not None
    assert json.loads(value) == {"now": "2025-07-01T09:00:00+00:00",
                                 "next": case.next_at.isoformat(), "writes": 1}


def test_the_clock_moves_over_what_falls_due_a_slice_of_cases_at_a_time() -> None:
    """Deadlines fall due at midnight, so many cases at once: the message takes its own case's
    and a slice, and leaves the rest overdue, for ticks to take a slice at a time."""
    crns = [f"A{n:06d}" for n in range(5)]
    history = [allocated(at("2025-07-01"), crn=crn) for crn in crns]
    later = json.dumps(contact(at("2025-08-01"), crn="A000004")).encode()
    with local_table() as table:
        watch = PartitionWatch(Policy(), table.scan, open_cases=1, slice_cases=2)
        table.settle(watch, watch.opening())
        for item in history:
            table.take(watch, json.dumps(item).encode())
        slices = [table.settle(watch, outcome) for outcome in watch.message(later)]
        # The event's own case (the last to fall due) with the first two; then the other two.
        assert [sorted({view.crn for view in o.changes}) for o in slices] == [
            ["A000000", "A000001", "A000004"], ["A000002", "A000003"]]
        assert [(o.event_type, o.overdue, o.again) for o in slices] == [
            ("contact.recorded", True, False), (None, False, False)]
        caseload = Caseload()
        for item in history:
            caseload.apply(parse_event(json.dumps(item)))
        expected = each_event(caseload.apply(parse_event(later)).changes)
        assert each_event([view for o in slices for view in o.changes]) == expected


class Heard:
    """What subscribers hold: each alert's last state, each case's last deadlines record (what
    it says, not when it was made); and each alert's changes in the order they came (the order
    across alerts is not kept by any topic, each alert being keyed by its id)."""

    def __init__(self) -> None:
        self.alerts: dict[str, dict[str, Any]] = {}
        self.deadlines: dict[str, dict[str, Any]] = {}
        self.by_alert: dict[str, list[dict[str, Any]]] = {}

    def take(self, table: LocalTable, watch: PartitionWatch, outcome: Outcome) -> Outcome:
        table.settle(watch, outcome)
        for state in wire(outcome.restored):
            self.alerts[state["alertId"]] = state
        for state in wire(outcome.changes):
            self.alerts[state["alertId"]] = state
            self.by_alert.setdefault(state["alertId"], []).append(state)
        for region, crn, record in outcome.deadlines:
            found = json.loads(record)
            found.pop("asOf")
            self.deadlines[f"{region}/{crn}"] = found
        return outcome


@settings(max_examples=80, deadline=None)
@given(history=caseload_history(), data=st.data())
def test_what_a_message_leaves_overdue_may_fire_after_later_messages(
        history: list[dict[str, Any]], data: st.DataObject) -> None:
    """A message takes its own case's deadlines and a slice of others'; the ticks take the rest
    a slice at a time whenever the worker gets to them, other messages between. Every alert's
    changes come as they do when everything fires at once, so every alert and deadlines record
    ends the same, and as replay has the alerts."""
    open_cases = data.draw(st.integers(1, 3), label="open cases")
    slices = data.draw(st.integers(1, 2), label="cases falling due per outcome")
    # In time order, as a partition mostly gets them: cases' deadlines then fall due between
    # one case's events and the next's.
    history = sorted(history, key=lambda item: item["occurredAt"])
    at_once, deferred = Heard(), Heard()
    with local_table() as table:
        watch = PartitionWatch(Policy(), table.scan, open_cases, slices)
        table.settle(watch, watch.opening())
        for item in history:
            for outcome in watch.message(json.dumps(item).encode()):
                at_once.take(table, watch, outcome)
        for outcome in watch.tick(datetime.fromisoformat(AS_OF)):
            at_once.take(table, watch, outcome)
    with local_table() as table:
        watch = PartitionWatch(Policy(), table.scan, open_cases, slices)
        table.settle(watch, watch.opening())
        for item in history:
            deferred.take(table, watch, watch.on_message(json.dumps(item).encode()))
            for _ in range(data.draw(st.integers(0, 2), label="slices taken after it")):
                assert watch.caseload.now is not None
                deferred.take(table, watch, watch.on_tick(watch.caseload.now))
        for outcome in watch.tick(datetime.fromisoformat(AS_OF)):
            deferred.take(table, watch, outcome)
        assert not watch.caseload.falls_due(datetime.fromisoformat(AS_OF))
    assert deferred.by_alert == at_once.by_alert
    assert deferred.alerts == at_once.alerts and deferred.deadlines == at_once.deadlines
    expected = alerts(run(history, AS_OF))
    assert sorted(deferred.alerts.values(), key=lambda a: (a["openedAt"], a["alertId"])) == \
        expected


def figures(metrics: QualityMetrics) -> dict[tuple[str, tuple[str, ...]], float]:
    return {(family.name, tuple(sample.labels.values())): sample.value
            for family in metrics.cases.collect() for sample in family.samples}


@settings(max_examples=40, deadline=None)
@given(history=caseload_history(), data=st.data())
def test_gauges_over_cases_on_disk_equal_those_over_cases_in_memory(
        history: list[dict[str, Any]], data: st.DataObject) -> None:
    """Cases closing are counted as they close (the tally's `closing`), so the figures at every
    refresh are those of the same events in memory."""
    open_cases = data.draw(st.integers(1, 3), label="open cases")
    cuts = sorted(data.draw(st.lists(st.integers(0, len(history)), max_size=4), label="cuts"))
    on_disk, in_memory = QualityMetrics(CollectorRegistry()), QualityMetrics(CollectorRegistry())
    caseload = Caseload()
    with local_table() as table:
        watch = PartitionWatch(Policy(), table.scan, open_cases)
        watch.closing.append(on_disk.cases.tally_of(watch.caseload).closing)
        table.settle(watch, watch.opening())
        for start, end in zip([0, *cuts], [*cuts, len(history)], strict=True):
            for item in history[start:end]:
                table.take(watch, json.dumps(item).encode())
                caseload.apply(parse_event(json.dumps(item)))
            if caseload.now is None:
                continue
            on_disk.caseloads([watch.caseload])
            in_memory.caseloads([caseload])
            assert figures(on_disk) == figures(in_memory)


def test_a_refresh_reads_no_case_that_closed_after_it_changed() -> None:
    metrics = QualityMetrics(CollectorRegistry())
    with local_table() as table:
        watch = PartitionWatch(Policy(), table.scan, open_cases=2)
        watch.closing.append(metrics.cases.tally_of(watch.caseload).closing)
        table.settle(watch, watch.opening())
        for number in range(10):
            table.take(watch, json.dumps(allocated(at("2025-07-01"), crn=f"A{number:06d}")
                                         ).encode())
        assert watch.files.open == 2
        reads = watch.files.reads
        assert metrics.caseloads([watch.caseload]) == 2  # the two still open
        assert watch.files.reads == reads
        assert sum(metrics.cases.tally_of(watch.caseload).active.values()) == 10
