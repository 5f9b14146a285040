"""The worklist and due-soon list (SPEC §10): ranked cases to act on, deadlines to prevent."""

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from casewatch.engine.worklist import Scope, cases_to_act, due_soon, horizon
from tests.support.builders import allocated, assessment, at, contact, event, intelligence, run
from tests.support.strategies import caseload_history


def test_cases_rank_by_severity_then_rosh_then_oldest_alert() -> None:
    events = [
        # Every case here misses its allocation enquiries (HIGH) and first contact (MEDIUM).
        allocated(at("2025-07-01"), crn="X100001", rosh="LOW"),
        # VERY_HIGH RoSH: ranks above X1 at the same highest severity
        allocated(at("2025-07-01"), crn="X100002", rosh="VERY_HIGH"),
        # LOW like X1, but allocated a week earlier: its alerts are older
        allocated(at("2025-06-24"), crn="X100003", rosh="LOW"),
        # a curfew without checks (CRITICAL): first whatever its RoSH
        allocated(at("2025-07-01"), crn="X100004", rosh="LOW"),
        event("requirement.added", at("2025-07-02"), crn="X100004", requirementId="rq1",
              type="CURFEW"),
        # allocated yesterday in another team: nothing due yet, not on the list
        allocated(at("2025-07-19"), crn="X100005", team="team-b"),
    ]
    caseload = run(events, at("2025-07-20"))
    assert caseload.now is not None
    rows = cases_to_act(caseload.cases.values(), caseload.now)
    assert [r.crn for r in rows] == ["X100004", "X100002", "X100003", "X100001"]
    assert [r.highest.value for r in rows] == ["CRITICAL", "HIGH", "HIGH", "HIGH"]
    for row in rows:
        severities = [a.rule.severity.value for a in row.alerts]
        assert severities == sorted(severities, key=["CRITICAL", "HIGH", "MEDIUM", "LOW"].index)
        assert all(a.status.value == "OPEN" for a in row.alerts)
        assert row.oldest_opened_at == min(a.opened_at for a in row.alerts)
    assert cases_to_act(caseload.cases.values(), caseload.now, Scope(team="team-b")) == []
    assert [r.crn for r in cases_to_act(caseload.cases.values(), caseload.now,
                                        Scope(pdu="pdu-a", team="team-a"))][:1] == ["X100004"]


def test_due_soon_names_what_must_happen_and_by_when() -> None:
    """Domestic-abuse intelligence on Tuesday 1 July at high RoSH: the police enquiry is due 5
    working days later (8 July), the home visit 10 (15 July). On 3 July a 5-day horizon
    (to 10 July) lists the enquiry and not the visit; a 2-day one (to 7 July) neither."""
    events = [allocated(at("2025-06-30"), rosh="HIGH"), contact(at("2025-06-30", 11)),
              assessment(at("2025-06-30", 12), rosh="HIGH"),
              intelligence(at("2025-07-01"), "DOMESTIC_INCIDENT")]
    caseload = run(events, at("2025-07-03"))
    assert caseload.now is not None
    cases = caseload.cases.values()
    soon = due_soon(cases, caseload.now, 5)
    assert [r.due.isoformat() for r in soon] == sorted(r.due.isoformat() for r in soon)
    by_rule = {r.breach.rule.id: r for r in soon}
    assert by_rule["R-KS-02"].due.isoformat() == "2025-07-08"
    assert "a police domestic-abuse enquiry is due by 2025-07-08" in by_rule["R-KS-02"].summary
    assert "I-KS-01" not in by_rule
    assert "R-KS-02" not in {r.breach.rule.id for r in due_soon(cases, caseload.now, 2)}
    visits = [r for r in due_soon(cases, caseload.now, 9) if r.breach.rule.id == "I-KS-01"]
    assert {r.summary for r in visits} >= {
        "Case X123456: a home visit is due by 2025-07-15 after a domestic incident."}


def test_the_horizon_is_the_breach_time_of_the_nth_working_day() -> None:
    friday = datetime(2025, 8, 22, 15, tzinfo=UTC)  # Monday 25 August is a bank holiday
    assert horizon(friday, 1) == datetime(2025, 8, 26, 23, tzinfo=UTC)  # 00:00 BST 27 Aug


@given(history=caseload_history(), later=st.integers(0, 60 * 24), days=st.integers(0, 12))
def test_due_soon_is_exactly_what_follows_when_nothing_happens(
    history: list[dict[str, Any]], later: int, days: int,
) -> None:
    caseload = run(history)
    if caseload.now is None:
        return
    caseload.advance(caseload.now + timedelta(minutes=later))
    now = caseload.now
    expected = {(r.crn, r.breach.alert_id) for r in due_soon(caseload.cases.values(), now, days)}
    opened = caseload.advance(horizon(now, days))
    assert {(a.crn, a.alert_id) for a in opened} == expected


def test_every_deadline_rule_says_what_must_happen_by_when() -> None:
    """A rule whose breach names a due date has a due-soon sentence using only its details."""
    from string import Formatter

    from casewatch.engine.rules import RULES

    for rule in RULES:
        fields = {name for _, name, _, _ in Formatter().parse(rule.summary) if name}
        if "due" not in fields:
            continue
        wanted = {name for _, name, _, _ in Formatter().parse(rule.prevent) if name}
        assert rule.prevent and {"crn", "due"} <= wanted <= fields, rule.id
