"""`casewatch worklist` (SPEC §10): the ranked cases a manager acts on, and what is due soon.

The document is SPEC §10's JSON; the text and html renderings
(casewatch/delivery/worklist_render.py) are made from it, so all three say the same thing.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from casewatch.engine.alert import wire_timestamp
from casewatch.engine.calendar import add_working_days, london_date
from casewatch.engine.caseload import Caseload
from casewatch.engine.worklist import (
    CaseToAct,
    DueSoon,
    Scope,
    case_rank,
    cases_to_act,
    due_rank,
    due_soon,
    horizon,
)

# A caseload's worklist rows: its cases to act on, and its deadlines due soon, each in order.
WorklistRows = tuple[list[CaseToAct], list[DueSoon]]


def build_worklist(caseload: Caseload, scope: Scope, horizon_days: int) -> dict[str, Any]:
    assert caseload.now is not None
    return worklist_document(caseload.now, scope, horizon_days,
                             [worklist_rows(scope, horizon_days, caseload)])


def worklist_rows(scope: Scope, horizon_days: int, caseload: Caseload) -> WorklistRows:
    assert caseload.now is not None
    cases = caseload.cases.values()
    return (cases_to_act(cases, caseload.now, scope),
            due_soon(cases, caseload.now, horizon_days, scope))


def worklist_document(now: datetime, scope: Scope, horizon_days: int,
                      parts: Iterable[WorklistRows]) -> dict[str, Any]:
    """SPEC §10's worklist from the rows of one caseload, or of each of its partitions."""
    to_act: list[CaseToAct] = []
    soon: list[DueSoon] = []
    for cases, deadlines in parts:
        to_act += cases
        soon += deadlines
    return {
        "asOf": wire_timestamp(now),
        "scope": {"pdu": scope.pdu, "team": scope.team},
        "horizon": {"workingDays": horizon_days,
                    "lastDueDate": add_working_days(london_date(now), horizon_days).isoformat(),
                    "until": wire_timestamp(horizon(now, horizon_days))},
        "cases": [_case(row) for row in sorted(to_act, key=case_rank)],
        "dueSoon": [_due(row) for row in sorted(soon, key=due_rank)],
    }


def _case(row: CaseToAct) -> dict[str, Any]:
    return {
        "crn": row.crn,
        "pdu": row.assignment.pdu,
        "team": row.assignment.team,
        "practitionerId": row.assignment.practitioner_id,
        "managerId": row.assignment.manager_id,
        "rosh": row.rosh.value if row.rosh else None,
        "highestSeverity": row.highest.value,
        "oldestOpenedAt": wire_timestamp(row.oldest_opened_at),
        "alerts": [
            {
                "alertId": alert.alert_id,
                "ruleId": alert.rule.id,
                "severity": alert.rule.severity.value,
                "openedAt": wire_timestamp(alert.opened_at),
                "dueDate": alert.due.isoformat() if alert.due else None,
                "summary": alert.summary,
                "recommendedAction": alert.rule.action,
            }
            for alert in row.alerts
        ],
    }


def _due(row: DueSoon) -> dict[str, Any]:
    return {
        "crn": row.crn,
        "team": row.assignment.team,
        "practitionerId": row.assignment.practitioner_id,
        "managerId": row.assignment.manager_id,
        "ruleId": row.breach.rule.id,
        "severity": row.breach.rule.severity.value,
        "dueDate": row.due.isoformat(),
        "summary": row.summary,
    }


def days_open(opened_at: str, as_of: str) -> int:
    """Whole days between two wire timestamps, for people: 0 on the day it opened."""
    return (datetime.fromisoformat(as_of) - datetime.fromisoformat(opened_at)).days
