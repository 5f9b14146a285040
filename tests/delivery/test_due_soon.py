"""The DueSoonBoard: each team's due-soon list as one Alertmanager alert for its digest."""

from datetime import UTC, datetime, timedelta
from typing import Any

from casewatch.delivery.due_soon import DueSoonBoard
from casewatch.delivery.outbox import RESOLVED_RESEND

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def record(crn: str, *dues: str, team: str = "team-a", as_of: str = "2025-07-10T09:00:00Z",
           manager: str | None = "SPO01") -> dict[str, Any]:
    return {"crn": crn, "region": "north-east", "pdu": "pdu-a", "team": team,
            "managerId": manager, "asOf": as_of,
            "deadlines": [{"alertId": f"A-KS-01-{crn}-{due}", "ruleId": "A-KS-01",
                           "severity": "HIGH", "dueDate": due,
                           "summary": f"Case {crn}: an enquiry is due by {due}."}
                          for due in dues]}


def test_one_list_per_team_and_manager_within_five_working_days_of_the_clock() -> None:
    """Thursday 10 July 2025: five working days on is Thursday 17 July."""
    board = DueSoonBoard(5, MINUTE)
    board.offer(record("A000001", "2025-07-17", "2025-07-18"))
    board.offer(record("A000002", "2025-07-11"))
    board.offer(record("B000001", "2025-07-14", team="team-b", manager=None))
    lists = {dict(labels)["team"]: items for labels, items in board.lists().items()}
    assert [d["dueDate"] for d in lists["team-a"]] == ["2025-07-11", "2025-07-17"]
    [(_, payload)] = [d for d in board.due(NOW) if d[1]["labels"]["team"] == "team-a"]
    assert payload["labels"] == {"alertname": "CasewatchDueSoon", "severity": "LOW",
                                 "region": "north-east", "pdu": "pdu-a", "team": "team-a",
                                 "manager": "SPO01"}
    assert payload["annotations"]["dueSoon"].splitlines() == [
        "2025-07-11  HIGH     A-KS-01  Case A000002: an enquiry is due by 2025-07-11.",
        "2025-07-17  HIGH     A-KS-01  Case A000001: an enquiry is due by 2025-07-17."]
    assert payload["endsAt"] == "2026-11-27T12:04:00Z"
    team_b = next(labels for labels in board.lists() if dict(labels)["team"] == "team-b")
    assert dict(team_b)["manager"] == "unassigned"


def test_a_list_that_empties_is_resolved_then_forgotten() -> None:
    board = DueSoonBoard(5, MINUTE)
    board.offer(record("A000001", "2025-07-11"))
    for labels, payload in board.due(NOW):
        board.sent(labels, payload, NOW)
    assert board.due(NOW + timedelta(seconds=30)) == []  # nothing changed, re-send not due
    board.offer(record("A000001"))  # met: nothing pending
    [(labels, resolved)] = board.due(NOW + MINUTE)
    assert resolved["endsAt"] == "2026-11-27T12:01:00Z"
    board.sent(labels, resolved, NOW + MINUTE)
    assert board.due(NOW + MINUTE + RESOLVED_RESEND + MINUTE) == []


def test_the_clock_is_the_latest_the_worker_reported() -> None:
    board = DueSoonBoard(1, MINUTE)
    board.offer(record("A000001", "2025-07-14", as_of="2025-07-10T09:00:00Z"))
    assert board.lists() == {}  # Friday 11 July is the one working day ahead
    board.offer(record("A000002", as_of="2025-07-11T09:00:00Z"))
    assert [d["dueDate"] for items in board.lists().values() for d in items] == ["2025-07-14"]
