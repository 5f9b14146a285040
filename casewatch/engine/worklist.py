"""What a PDU manager acts on (SPEC §10): cases needing action, ranked, and deadlines due soon.

Pure, from the cases at the caseload's clock. The worklist is one row per case with an open
alert, ranked by what is most urgent; the due-soon list is what will breach in the next few
working days if nothing happens, so a manager can prevent a breach instead of recording it. A
case knows its breaches before they fall due (rules find breaches whenever they fall), so due
soon is exactly what advancing the clock to the horizon would open.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeGuard

from casewatch.engine.alert import AlertView, Breach, wire_timestamp
from casewatch.engine.calendar import add_working_days, breach_time, london_date
from casewatch.engine.case import CaseState
from casewatch.engine.facts import Assignment
from casewatch.schemas.codes import SEVERITY_ORDER, AlertStatus, Rosh, Severity

SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITY_ORDER)}
ROSH_RANK = {Rosh.VERY_HIGH: 0, Rosh.HIGH: 1, Rosh.MEDIUM: 2, Rosh.LOW: 3}
UNKNOWN_ROSH = len(ROSH_RANK)


@dataclass(frozen=True)
class CaseToAct:
    """One case with at least one open alert, as its manager sees it now."""

    crn: str
    assignment: Assignment
    rosh: Rosh | None
    alerts: tuple[AlertView, ...]  # open, most severe first, then oldest

    @property
    def highest(self) -> Severity:
        return self.alerts[0].rule.severity

    @property
    def oldest_opened_at(self) -> datetime:
        return min(a.opened_at for a in self.alerts)


@dataclass(frozen=True)
class DueSoon:
    """A deadline not met and not yet breached, falling due by the horizon."""

    crn: str
    assignment: Assignment
    breach: Breach

    @property
    def due(self) -> date:
        assert self.breach.finding.due is not None
        return self.breach.finding.due

    @property
    def summary(self) -> str:
        return what_is_due(self.crn, self.breach)


@dataclass(frozen=True)
class Scope:
    """Which cases a worklist covers: a PDU, a team, or everything (None)."""

    pdu: str | None = None
    team: str | None = None

    def holds(self, assignment: Assignment | None) -> TypeGuard[Assignment]:
        """Whether a case so assigned (None: not allocated) is in scope."""
        return (assignment is not None and (self.pdu is None or assignment.pdu == self.pdu)
                and (self.team is None or assignment.team == self.team))


Places = frozenset[tuple[str, str]]  # (pdu, team) pairs


def places(cases: Iterable[CaseState], now: datetime) -> Places:
    """Every (pdu, team) that holds a case at `now`: the scopes a worklist can name."""
    return frozenset((a.pdu, a.team) for case in cases
                     if (a := case.facts.assignment_at(now)) is not None)


def unknown_scope(scope: Scope, known: Places) -> str | None:
    """Why `scope` names no PDU or team of `known` (None: it does), listing those it could."""
    pdus = sorted({pdu for pdu, _ in known})
    if scope.pdu is not None and scope.pdu not in pdus:
        return f"no case is held by PDU {scope.pdu!r}; PDUs: {_listed(pdus)}"
    teams = sorted({team for pdu, team in known if scope.pdu in (None, pdu)})
    if scope.team is not None and scope.team not in teams:
        within = f" in PDU {scope.pdu!r}" if scope.pdu else ""
        return f"no case is held by team {scope.team!r}{within}; teams: {_listed(teams)}"
    return None


def _listed(names: list[str], most: int = 12) -> str:
    if not names:
        return "none (no case is allocated)"
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more"


def cases_to_act(cases: Iterable[CaseState], now: datetime, scope: Scope = Scope()) -> (
    list[CaseToAct]
):
    """Highest open severity first (CRITICAL first), then RoSH (VERY_HIGH first, unknown last),
    then the oldest openedAt; the CRN breaks ties so the order is total."""
    rows = []
    for case in cases:
        open_alerts = [a for a in case.published.values() if a.status is AlertStatus.OPEN]
        if not open_alerts:
            continue
        assignment = case.facts.assignment_at(now)
        if not scope.holds(assignment):
            continue
        open_alerts.sort(key=lambda a: (SEVERITY_RANK[a.rule.severity], a.opened_at,
                                        a.rule.id, a.alert_id))
        rows.append(CaseToAct(case.crn, assignment, case.facts.risk_at(now).rosh,
                              tuple(open_alerts)))
    rows.sort(key=case_rank)
    return rows


def case_rank(row: CaseToAct) -> tuple[int, int, datetime, str]:
    """A case's place on the worklist: rows of several caseloads sort together by it."""
    return (SEVERITY_RANK[row.highest], ROSH_RANK[row.rosh] if row.rosh else UNKNOWN_ROSH,
            row.oldest_opened_at, row.crn)


def horizon(now: datetime, working_days: int) -> datetime:
    """The breach time of a deadline due on the N-th working day after the London date of
    `now`: advancing the clock there opens exactly the deadlines due by that day."""
    return breach_time(add_working_days(london_date(now), working_days))


def what_is_due(crn: str, breach: Breach) -> str:
    """What must happen by when, in a sentence ("a home visit is due by 2025-07-08")."""
    due = breach.finding.due.isoformat() if breach.finding.due else ""
    return breach.rule.prevent.format(crn=crn, due=due, **dict(breach.finding.details))


def pending(case: CaseState, now: datetime, until: datetime | None = None) -> list[Breach]:
    """The case's deadlines not met and not yet breached at `now` (falling due by `until`),
    as the breaches they become if nothing happens."""
    return [b for by_id in case.breaches.values() for b in by_id.values()
            if b.finding.due is not None and now < b.opened_at
            and (until is None or b.opened_at <= until)]


def due_soon(cases: Iterable[CaseState], now: datetime, working_days: int,
             scope: Scope = Scope()) -> list[DueSoon]:
    """Every deadline breach not yet fallen due at `now` that falls due by the horizon, by due
    date, then severity (CRITICAL first), then CRN and rule."""
    until = horizon(now, working_days)
    rows: list[DueSoon] = []
    for case in cases:
        found = pending(case, now, until)
        if not found:
            continue
        assignment = case.facts.assignment_at(now)
        if not scope.holds(assignment):
            continue
        rows.extend(DueSoon(case.crn, assignment, b) for b in found)
    rows.sort(key=due_rank)
    return rows


def due_rank(row: DueSoon) -> tuple[date, int, str, str, str]:
    """A deadline's place on the due-soon list: rows of several caseloads sort together by it."""
    return (row.due, SEVERITY_RANK[row.breach.rule.severity], row.crn, row.breach.rule.id,
            row.breach.alert_id)


Said = tuple[Assignment, tuple[tuple[str, date], ...]]  # who held it, which deadlines


def said(case: CaseState, now: datetime) -> tuple[Said, list[Breach]] | None:
    """The case's deadlines record as of `now` (None while it has no team), and what it
    lists."""
    assignment = case.facts.assignment_at(now)
    if assignment is None:
        return None
    found = sorted(pending(case, now), key=lambda b: (b.finding.due, b.alert_id))
    return (assignment, tuple((b.alert_id, b.finding.due) for b in found
                              if b.finding.due is not None)), found


def deadlines_record(crn: str, assignment: Assignment, found: list[Breach],
                     now: datetime) -> bytes:
    """A case's pending deadlines as published (key: CRN): codes and phrases only."""
    return json.dumps({
        "crn": crn, "region": assignment.region, "pdu": assignment.pdu,
        "team": assignment.team, "practitionerId": assignment.practitioner_id,
        "managerId": assignment.manager_id, "asOf": wire_timestamp(now),
        "deadlines": [{
            "alertId": b.alert_id, "ruleId": b.rule.id, "severity": b.rule.severity.value,
            "dueDate": b.finding.due.isoformat() if b.finding.due else None,
            "summary": what_is_due(crn, b),
        } for b in found],
    }, separators=(",", ":")).encode()
