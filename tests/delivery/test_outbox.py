"""The Outbox: what notify posts to Alertmanager, and when (SPEC §10)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from casewatch.delivery.outbox import RESOLVED_RESEND, Outbox

T0 = datetime(2026, 11, 27, 12, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def alert(alert_id: str = "I-KS-01-aaaa", status: str = "OPEN", team: str = "team-a",
          resolved_at: str | None = None, crn: str = "X123456", rule: str = "I-KS-01",
          opened_at: str = "2026-11-20T09:00:00Z", manager: str | None = "SPO1") -> dict[str, Any]:
    return {
        "alertId": alert_id, "ruleId": rule, "ruleName": "Home visit overdue",
        "keyQuestion": {"standard": "2.3", "question": "keeping_safe"}, "severity": "HIGH",
        "status": status, "resolution": None if status == "OPEN" else "SATISFIED", "crn": crn,
        "region": "north-east", "pdu": "pdu-a", "team": team, "practitionerId": "PR1",
        "managerId": manager, "rosh": "HIGH", "openedAt": opened_at, "dueDate": "2026-11-19",
        "resolvedAt": resolved_at, "summary": f"Case {crn}: no home visit.",
        "recommendedAction": "Arrange a home visit.", "evidence": ["e1"],
    }


def test_an_open_alert_is_sent_at_once_then_every_resend_interval() -> None:
    outbox = Outbox(resend=MINUTE)
    outbox.offer(alert(), T0)
    [(labels, payload)] = outbox.due(T0)
    assert payload["labels"] == {
        "alertname": "CasewatchCaseAlert", "rule": "I-KS-01", "severity": "HIGH",
        "region": "north-east", "pdu": "pdu-a", "team": "team-a", "manager": "SPO1",
        "crn": "X123456"}
    assert payload["annotations"] == {
        "summary": "Case X123456: no home visit.", "recommendedAction": "Arrange a home visit.",
        "dueDate": "2026-11-19", "openedAt": "2026-11-20T09:00:00Z",
        "alertId": "I-KS-01-aaaa", "rosh": "HIGH"}
    assert payload["startsAt"] == "2026-11-20T09:00:00Z"
    assert payload["endsAt"] == "2026-11-27T12:04:00Z"  # now + 4 × resend
    outbox.sent(labels, T0)
    assert outbox.due(T0 + timedelta(seconds=59)) == []
    outbox.offer(alert(), T0 + timedelta(seconds=30))  # a repeat delivery: nothing new
    assert outbox.due(T0 + timedelta(seconds=59)) == []
    [(_, again)] = outbox.due(T0 + MINUTE)
    assert again["endsAt"] == "2026-11-27T12:05:00Z"


def test_unassigned_cases_are_labelled_so() -> None:
    outbox = Outbox(resend=MINUTE)
    outbox.offer(alert(manager=None), T0)
    assert outbox.due(T0)[0][1]["labels"]["manager"] == "unassigned"


def test_a_resolution_ends_at_its_time_and_is_resent_for_fifteen_minutes() -> None:
    outbox = Outbox(resend=MINUTE)
    outbox.offer(alert(), T0)
    labels, _ = outbox.due(T0)[0]
    outbox.sent(labels, T0)
    outbox.offer(alert(status="RESOLVED", resolved_at="2026-11-27T11:30:00Z"), T0 + MINUTE)
    [(_, resolved)] = outbox.due(T0 + MINUTE)
    assert resolved["endsAt"] == "2026-11-27T11:30:00Z"
    outbox.sent(labels, T0 + MINUTE)
    assert len(outbox.due(T0 + 2 * MINUTE)) == 1  # re-sent
    assert outbox.due(T0 + MINUTE + RESOLVED_RESEND + MINUTE) == []  # and then forgotten
    assert len(outbox) == 0


def test_a_resolution_stamped_ahead_of_the_wall_clock_ends_now() -> None:
    outbox = Outbox(resend=MINUTE)
    outbox.offer(alert(status="RESOLVED", resolved_at="2027-01-01T00:00:00Z"), T0)
    assert outbox.due(T0)[0][1]["endsAt"] == "2026-11-27T12:00:00Z"


def test_alerts_sharing_labels_fire_until_all_are_resolved() -> None:
    """Two countersigning alerts of one rule on one case are one Alertmanager alert."""
    outbox = Outbox(resend=MINUTE)
    outbox.offer(alert("O-KS-01-1", rule="O-KS-01", opened_at="2026-11-21T09:00:00Z"), T0)
    outbox.offer(alert("O-KS-01-2", rule="O-KS-01", opened_at="2026-11-20T09:00:00Z"), T0)
    [(_, firing)] = outbox.due(T0)
    assert firing["startsAt"] == "2026-11-20T09:00:00Z"
    assert firing["annotations"]["alertId"] == "O-KS-01-2"  # the oldest open one is shown
    outbox.offer(alert("O-KS-01-2", rule="O-KS-01", status="RESOLVED",
                       resolved_at="2026-11-27T11:00:00Z"), T0)
    [(_, still)] = outbox.due(T0)
    assert still["endsAt"] > "2026-11-27T12:00:00Z"
    assert still["annotations"]["alertId"] == "O-KS-01-1"
    outbox.offer(alert("O-KS-01-1", rule="O-KS-01", status="RESOLVED",
                       resolved_at="2026-11-27T11:10:00Z"), T0)
    [(_, ended)] = outbox.due(T0)
    assert ended["endsAt"] == "2026-11-27T11:10:00Z"


def test_a_transfer_resolves_the_old_labels_and_fires_the_new() -> None:
    outbox = Outbox(resend=MINUTE)
    outbox.offer(alert(), T0)
    outbox.sent(outbox.due(T0)[0][0], T0)
    outbox.offer(alert(team="team-b"), T0 + MINUTE)
    sent = {p["labels"]["team"]: p for _, p in outbox.due(T0 + MINUTE)}
    assert sent["team-a"]["endsAt"] == "2026-11-27T12:01:00Z"  # resolved now
    assert sent["team-b"]["endsAt"] == "2026-11-27T12:05:00Z"  # firing


def test_history_read_at_start_sends_what_is_open_and_nothing_already_resolved() -> None:
    outbox = Outbox(resend=MINUTE)
    outbox.offer(alert("A-1", status="RESOLVED", resolved_at="2026-10-01T00:00:00Z",
                       crn="X000001"), T0, catching_up=True)
    outbox.offer(alert("A-2", crn="X000002"), T0, catching_up=True)
    assert [p["labels"]["crn"] for _, p in outbox.due(T0)] == ["X000002"]


states = st.lists(st.tuples(st.sampled_from(["a1", "a2", "a3"]), st.booleans(),
                            st.sampled_from(["team-a", "team-b"])), min_size=1, max_size=30)


@given(states)
def test_each_label_set_fires_exactly_while_one_of_its_alerts_is_open(
    changes: list[tuple[str, bool, str]],
) -> None:
    outbox = Outbox(resend=MINUTE)
    latest: dict[str, tuple[bool, str]] = {}
    last_sent: dict[str, dict[str, Any]] = {}
    now = T0
    for alert_id, is_open, team in changes:
        now += timedelta(seconds=1)
        outbox.offer(alert(alert_id, status="OPEN" if is_open else "RESOLVED", team=team,
                           resolved_at=None if is_open else "2026-11-27T11:00:00Z"), now)
        latest[alert_id] = (is_open, team)
        for labels, payload in outbox.due(now):
            last_sent[payload["labels"]["team"]] = payload
            outbox.sent(labels, now)
    for team, payload in last_sent.items():
        expected_firing = any(o and t == team for o, t in latest.values())
        assert (payload["endsAt"] > now.isoformat().replace("+00:00", "Z")) == expected_firing


def test_an_alert_a_new_policy_withdraws_stops_firing_for_its_manager() -> None:
    """SPEC §14: a worker re-deriving under a new policy publishes WITHDRAWN for an alert that
    no longer stands; Alertmanager is told it ended, so the manager stops being told of it."""
    outbox = Outbox(resend=MINUTE)
    outbox.offer(alert(), T0)
    labels, _ = outbox.due(T0)[0]
    outbox.sent(labels, T0)
    withdrawn = {**alert(status="RESOLVED", resolved_at="2026-11-27T12:10:00Z"),
                 "resolution": "WITHDRAWN"}
    outbox.offer(withdrawn, T0 + 10 * MINUTE)
    [(_, ended)] = outbox.due(T0 + 10 * MINUTE)
    assert ended["endsAt"] == "2026-11-27T12:10:00Z"
    assert outbox.due(T0 + 10 * MINUTE + RESOLVED_RESEND + MINUTE) == []
