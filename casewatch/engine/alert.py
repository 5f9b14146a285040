"""The alert lifecycle: a breach placed on a case, and the state published for it (SPEC §5)."""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from casewatch.engine.facts import Assignment, CaseFacts
from casewatch.engine.rule import Finding, Rule
from casewatch.schemas.codes import AlertStatus, Resolution, Rosh


def alert_id(crn: str, rule_id: str, anchor: str) -> str:
    """Deterministic: the same breach gets the same id in every replay and in the live worker."""
    digest = hashlib.sha256(f"{crn}|{rule_id}|{anchor}".encode()).hexdigest()[:16]
    return f"{rule_id}-{digest}"


@dataclass(frozen=True, slots=True)
class Breach:
    """A finding inside the case's supervision window, with its event-determined resolution."""

    rule: Rule
    alert_id: str
    finding: Finding
    resolution: Resolution | None  # SATISFIED or CASE_CLOSED once the resolving event is known
    resolved_at: datetime | None

    @property
    def opened_at(self) -> datetime:
        return self.finding.opened_at


@dataclass(frozen=True, slots=True)
class AlertView:
    """An alert's full state as published. Equal views mean nothing to publish."""

    alert_id: str
    rule: Rule
    crn: str
    status: AlertStatus
    resolution: Resolution | None
    opened_at: datetime
    due: date | None
    resolved_at: datetime | None
    assignment: Assignment
    rosh: Rosh | None
    details: tuple[tuple[str, str], ...]
    evidence: tuple[str, ...]
    # On a published change only: the state it replaces (None for an alert new to its case).
    # Not part of the state: shells read it to count transitions without remembering every
    # alert they ever saw.
    before: "AlertView | None" = field(default=None, compare=False, repr=False)

    def after(self, before: "AlertView | None") -> "AlertView":
        """This state as a change from `before`. (Not `dataclasses.replace`, which looks every
        field up by name: profiled, over a third of the engine's publishing time.)"""
        return AlertView(
            self.alert_id, self.rule, self.crn, self.status, self.resolution, self.opened_at,
            self.due, self.resolved_at, self.assignment, self.rosh, self.details, self.evidence,
            before,
        )

    @property
    def summary(self) -> str:
        return self.rule.summary.format(
            crn=self.crn, due=self.due.isoformat() if self.due else "", **dict(self.details)
        )

    @property
    def standing(self) -> bool:
        return self.resolution != Resolution.WITHDRAWN

    def withdrawn(self, now: datetime) -> "AlertView":
        return AlertView(
            self.alert_id, self.rule, self.crn, AlertStatus.RESOLVED, Resolution.WITHDRAWN,
            self.opened_at, self.due, now, self.assignment, self.rosh, self.details, self.evidence,
        )

    def to_wire(self) -> dict[str, Any]:
        rule = self.rule
        return {
            "alertId": self.alert_id,
            "ruleId": rule.id,
            "ruleName": rule.name,
            "keyQuestion": (
                {"standard": rule.standard, "question": rule.question.value}
                if rule.standard and rule.question else None
            ),
            "severity": rule.severity.value,
            "status": self.status.value,
            "resolution": self.resolution.value if self.resolution else None,
            "crn": self.crn,
            "region": self.assignment.region,
            "pdu": self.assignment.pdu,
            "team": self.assignment.team,
            "practitionerId": self.assignment.practitioner_id,
            "managerId": self.assignment.manager_id,
            "rosh": self.rosh.value if self.rosh else None,
            "openedAt": wire_timestamp(self.opened_at),
            "dueDate": self.due.isoformat() if self.due else None,
            "resolvedAt": wire_timestamp(self.resolved_at) if self.resolved_at else None,
            "summary": self.summary,
            "recommendedAction": rule.action,
            "evidence": list(self.evidence),
        }


def view(crn: str, breach: Breach, facts: CaseFacts, now: datetime) -> AlertView | None:
    """The alert as of `now`, or None while its breach time is still ahead."""
    finding = breach.finding
    if finding.opened_at > now:
        return None
    resolved = breach.resolved_at is not None and breach.resolved_at <= now
    # Who holds the case and its RoSH: when resolved, as they were then; while open, as now.
    context_at = breach.resolved_at if breach.resolved_at is not None and resolved else now
    assignment = facts.assignment_at(context_at)
    assert assignment is not None  # breaches exist only on allocated cases
    return AlertView(
        alert_id=breach.alert_id,
        rule=breach.rule,
        crn=crn,
        status=AlertStatus.RESOLVED if resolved else AlertStatus.OPEN,
        resolution=breach.resolution if resolved else None,
        opened_at=finding.opened_at,
        due=finding.due,
        resolved_at=breach.resolved_at if resolved else None,
        assignment=assignment,
        rosh=facts.risk_at(context_at).rosh,
        details=finding.details,
        evidence=finding.evidence,
    )


def wire_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, as every timestamp casewatch writes."""
    return moment.isoformat().replace("+00:00", "Z")
