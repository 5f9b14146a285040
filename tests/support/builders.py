"""Build case events as they appear on the wire, and run them through the engine."""

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from casewatch.engine.calendar import LONDON
from casewatch.engine.caseload import Caseload
from casewatch.engine.policy import Policy
from casewatch.schemas.parse import parse_event

CRN = "X123456"
_ids = itertools.count(1)


def at(day: str | date, hour: int = 10, minute: int = 0) -> str:
    """An RFC 3339 timestamp at a London wall-clock time on `day` (with BST where it applies)."""
    when = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(when, time(hour, minute), LONDON).isoformat()


def shift(timestamp: str, **delta: float) -> str:
    return (datetime.fromisoformat(timestamp) + timedelta(**delta)).isoformat()


def event(event_type: str, occurred_at: str, crn: str = CRN, event_id: str | None = None,
          **detail: Any) -> dict[str, Any]:
    return {
        "eventId": event_id or f"e{next(_ids):06d}",
        "eventType": event_type,
        "version": 1,
        "occurredAt": occurred_at,
        "crn": crn,
        "detail": detail,
    }


def allocated(occurred_at: str, crn: str = CRN, rosh: str | None = "LOW",
              registrations: Iterable[str] = (), team: str = "team-a", pdu: str = "pdu-a",
              region: str = "north-east", **extra: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "region": region, "pdu": pdu, "team": team,
        "practitioner": {"id": "PR1", "grade": "PO"}, "manager": {"id": "SPO1"},
        "sentenceType": "COMMUNITY_ORDER", "registrations": list(registrations), **extra,
    }
    if rosh is not None:
        detail["rosh"] = rosh
    return event("case.allocated", occurred_at, crn, **detail)


def enquiry(occurred_at: str, agency: str, enquiry_id: str, crn: str = CRN,
            reason: str = "ALLOCATION") -> dict[str, Any]:
    return event("enquiry.requested", occurred_at, crn, enquiryId=enquiry_id, agency=agency,
                 reason=reason)


def response(occurred_at: str, enquiry_id: str, outcome: str = "NO_CONCERNS",
             crn: str = CRN) -> dict[str, Any]:
    return event("enquiry.responded", occurred_at, crn, enquiryId=enquiry_id, outcome=outcome)


def contact(occurred_at: str, kind: str = "OFFICE", outcome: str = "ATTENDED",
            crn: str = CRN) -> dict[str, Any]:
    return event("contact.recorded", occurred_at, crn, contactId=f"c{next(_ids)}", type=kind,
                 outcome=outcome)


GOOD_ASSESSMENT: dict[str, Any] = {
    "kind": "INITIAL", "rosh": "LOW", "riskTo": ["PUBLIC"], "whoAtRiskRecorded": True,
    "natureOfRiskRecorded": True, "sourcesUsed": ["PREVIOUS_CONVICTIONS"], "needs": [],
    "strengthsIdentified": True, "personInvolved": True, "diversityConsidered": True,
}


def assessment(occurred_at: str, crn: str = CRN, **changes: Any) -> dict[str, Any]:
    return event("assessment.completed", occurred_at, crn, assessmentId=f"a{next(_ids)}",
                 **{**GOOD_ASSESSMENT, **changes})


GOOD_PLAN: dict[str, Any] = {
    "kind": "INITIAL", "objectives": [{"area": "RISK_OF_HARM"}, {"area": "ENGAGEMENT"}],
    "contingencyPlan": True, "victimSafetyPlanning": True, "personInvolved": True,
}


def plan(occurred_at: str, crn: str = CRN, **changes: Any) -> dict[str, Any]:
    return event("plan.completed", occurred_at, crn, planId=f"p{next(_ids)}",
                 **{**GOOD_PLAN, **changes})


GOOD_REVIEW: dict[str, Any] = {
    "personInvolved": True, "riskOfHarmReviewed": True, "agencyInput": ["POLICE"],
    "planUpdated": True,
}


def review(occurred_at: str, crn: str = CRN, **changes: Any) -> dict[str, Any]:
    return event("review.completed", occurred_at, crn, reviewId=f"r{next(_ids)}",
                 **{**GOOD_REVIEW, **changes})


def intelligence(occurred_at: str, kind: str, crn: str = CRN,
                 source: str = "POLICE") -> dict[str, Any]:
    return event("intelligence.received", occurred_at, crn, intelligenceId=f"i{next(_ids)}",
                 kind=kind, source=source)


def oversight(occurred_at: str, crn: str = CRN) -> dict[str, Any]:
    return event("oversight.recorded", occurred_at, crn, oversightId=f"o{next(_ids)}",
                 kind="CASE_DISCUSSION", managerId="SPO1", actionsRecorded=True)


def run(events: Iterable[dict[str, Any]], as_of: str | None = None,
        policy: Policy | None = None) -> Caseload:
    import json

    caseload = Caseload(policy)
    for item in events:
        caseload.apply(parse_event(json.dumps(item)))
    if as_of is not None:
        caseload.advance(datetime.fromisoformat(as_of).astimezone(UTC))
    return caseload


def alerts(caseload: Caseload, rule_id: str | None = None) -> list[dict[str, Any]]:
    """Final alert states (wire form), optionally for one rule, oldest first."""
    found = [v.to_wire() for v in caseload.alerts() if rule_id is None or v.rule.id == rule_id]
    return sorted(found, key=lambda a: (a["openedAt"], a["alertId"]))


def standing(caseload: Caseload, rule_id: str) -> list[dict[str, Any]]:
    return [a for a in alerts(caseload, rule_id) if a["resolution"] != "WITHDRAWN"]
