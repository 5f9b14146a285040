"""The worker's partition shell without Kafka: outcomes for each kind of message."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from casewatch.engine.caseload import Caseload
from casewatch.engine.policy import Policy
from casewatch.worker.watch import Outcome, PartitionWatch
from tests.support.builders import allocated, at, contact
from tests.support.rocks import LocalTable


def message(event: dict[str, object]) -> bytes:
    return json.dumps(event).encode()


def test_a_valid_event_yields_its_alerts_and_its_case_state() -> None:
    watch = PartitionWatch(Policy())
    watch.on_message(message(allocated(at("2025-07-01"), crn="A000001")))
    outcome = watch.on_message(message(contact(at("2025-07-20"), crn="A000001")))
    assert outcome.rejection is None and not outcome.duplicate
    assert {c.rule.id for c in outcome.changes} >= {"A-KS-01", "A-KS-02"}
    # One row for the change (the contact and its alerts), and the case's summary.
    [(key, value), (summary, _)] = outcome.rows
    assert key == b"A000001\x00" + (1).to_bytes(8, "big")  # the case's second write
    assert summary == b"\x01A000001"
    written = json.loads(value)
    assert written["event"]["eventType"] == "contact.recorded"
    assert {a[0] for a in written["alerts"]} == {c.alert_id for c in outcome.changes}


def test_a_bad_message_is_rejected_with_its_reason() -> None:
    outcome = PartitionWatch(Policy()).on_message(b'{"eventType": "x"}')
    assert outcome.rejection is not None
    assert outcome.rejection.reason == "unknown eventType 'x'"
    assert outcome.rows == [] and outcome.changes == []


def test_a_duplicate_changes_nothing() -> None:
    watch = PartitionWatch(Policy())
    first = message(allocated(at("2025-07-01")))
    watch.on_message(first)
    outcome = watch.on_message(first)
    assert outcome.duplicate and outcome.changes == [] and outcome.rows == []


def test_an_event_the_engine_cannot_apply_is_dead_lettered_not_fatal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: Caseload, event: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(Caseload, "apply", broken)
    outcome = PartitionWatch(Policy()).on_message(message(allocated(at("2025-07-01"))))
    assert outcome.rejection is not None
    assert outcome.rejection.reason == "internal error applying the event: KeyError"


def test_the_wall_clock_fires_what_is_due_before_the_event_applies() -> None:
    watch = PartitionWatch(Policy())
    watch.on_message(message(allocated(at("2025-07-01"), crn="A000001")))
    wall = datetime(2025, 7, 20, tzinfo=UTC)
    outcome = watch.on_message(message(allocated(at("2025-07-19"), crn="B000002")), wall)
    assert {(c.crn, c.rule.id) for c in outcome.changes} >= {("A000001", "A-KS-01")}
    assert {key.split(b"\x00")[0] for key, _ in outcome.rows} >= {b"A000001", b"B000002"}


def test_a_tick_never_moves_the_clock_back() -> None:
    watch = PartitionWatch(Policy())
    watch.on_message(message(allocated(at("2025-07-01"))))
    assert watch.on_tick(datetime(2025, 6, 1, tzinfo=UTC)).changes == []
    assert watch.on_tick(datetime(2025, 7, 20, tzinfo=UTC)).changes


def test_restored_partitions_carry_on(tmp_path: Path) -> None:
    table = LocalTable(tmp_path / "cases")
    watch = PartitionWatch(Policy(), table.scan)
    table.settle(watch, watch.opening())
    table.settle(watch, watch.on_message(message(allocated(at("2025-07-01")))))
    table.settle(watch, watch.on_message(message(contact(at("2025-07-02")))))
    again = PartitionWatch(Policy(), table.scan)
    assert set(again.caseload.cases) == {"X123456"}
    assert len(again.caseload.cases["X123456"].event_ids) == 2
    assert again.on_tick(datetime(2025, 7, 20, tzinfo=UTC)).changes
    table.close()


def records(outcome: Outcome) -> list[tuple[str, str, dict[str, Any]]]:
    return [(region, crn, json.loads(value)) for region, crn, value in outcome.deadlines]


def test_pending_deadlines_are_announced_when_they_change_and_only_then(tmp_path: Path) -> None:
    table = LocalTable(tmp_path / "cases")
    watch = PartitionWatch(Policy(), table.scan)
    table.settle(watch, watch.opening())
    outcome = table.settle(watch, watch.on_message(message(allocated(at("2025-07-01"),
                                                                     crn="A000001"))))
    [(region, crn, record)] = records(outcome)
    assert (region, crn, record["team"], record["managerId"]) == (
        "north-east", "A000001", "team-a", "SPO1")
    rules = {d["ruleId"]: d for d in record["deadlines"]}
    assert {"A-KS-01", "A-KS-02", "I-EN-01"} <= set(rules)
    assert rules["A-KS-01"]["dueDate"] == "2025-07-08"
    assert rules["A-KS-01"]["summary"] == (
        "Case A000001: a police domestic-abuse safeguarding enquiry is due by 2025-07-08.")
    # A contact meets I-EN-01: the list changes. A repeat of the clock does not.
    after = records(table.settle(watch, watch.on_message(message(contact(at("2025-07-02"),
                                                                         crn="A000001")))))
    assert after and "I-EN-01" not in {d["ruleId"] for d in after[0][2]["deadlines"]}
    assert table.settle(watch, watch.on_tick(datetime(2025, 7, 3, tzinfo=UTC))).deadlines == []
    # The deadlines fall due: they leave the list as they become alerts.
    due = table.settle(watch, watch.on_tick(datetime(2025, 7, 10, tzinfo=UTC)))
    [(_, _, left)] = records(due)
    assert "A-KS-01" not in {d["ruleId"] for d in left["deadlines"]}
    # Taking the partition on and reading it through announces every case again.
    again = PartitionWatch(Policy(), table.scan)
    assert records(again.opening()) == [] and again.unread == 1
    assert [crn for _, crn, _ in records(again.read_through(10))] == ["A000001"]
    table.close()
