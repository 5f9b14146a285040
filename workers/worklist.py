"""`casewatch worklist` (SPEC §10): the ranked cases a manager acts on, and what is due soon.

The document is SPEC §10's JSON; the text and html renderings (workers/worklist_render.py)
are made from it, so all three say the same thing.
"""

from datetime import datetime
from typing import Any

from workers.engine.alert import wire_timestamp
from workers.engine.calendar import add_working_days, london_date
from workers.engine.caseload import Caseload
from workers.engine.worklist import CaseToAct, DueSoon, Scope, cases_to_act, due_soon, horizon


def build_worklist(caseload: Caseload, scope: Scope, horizon_days: int) -> dict[str, Any]:
    assert caseload.now is not None
    now = caseload.now
    cases = caseload.cases.values()
    return {
        "asOf": wire_timestamp(now),
        "scope": {"pdu": scope.pdu, "team": scope.team},
        "horizon": {"workingDays": horizon_days,
                    "lastDueDate": add_working_days(london_date(now), horizon_days).isoformat(),
                    "until": wire_timestamp(horizon(now, horizon_days))},
        "cases": [_case(row) for row in cases_to_act(cases, now, scope)],
        "dueSoon": [_due(row) for row in due_soon(cases, now, horizon_days, scope)],
    }


def _case(row: CaseToAct) -> dict[str, Any]:
    return {
        "crn": row.crn,
        "pdu": row.assignment.pdu,
        "team": row.assignment.team,
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
        "managerId": row.assignment.manager_id,
        "ruleId": row.breach.rule.id,
        "severity": row.breach.rule.severity.value,
        "dueDate": row.due.isoformat(),
        "summary": row.summary,
    }


def days_open(opened_at: str, as_of: str) -> int:
    """Whole days between two wire timestamps, for people: 0 on the day it opened."""
    return (datetime.fromisoformat(as_of) - datetime.fromisoformat(opened_at)).days
