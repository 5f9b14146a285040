"""Oversight capacity (SPEC §12, the inspection's recommendation 4): per team and per manager,
the active cases, how many are high risk, the open I-KS-03 (oversight not recorded) and O-KS-01
(countersigned work that should not have been) alerts, and the open HIGH and CRITICAL alerts
per practitioner: where a manager's span of oversight is too wide.

Teams add up to their PDU and managers to theirs, so each column is controlled as a line across
teams (and across managers) of one PDU; a per-practitioner figure is shown only when the alert
count it comes from is. Managers appear here and in the report for the PDU head, never in
metrics. Pure.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from casewatch.analysis.disclosure import control
from casewatch.engine.case import CaseState
from casewatch.schemas.codes import AlertStatus, Severity

COLUMNS = ("cases", "highRiskCases", "openI-KS-03", "openO-KS-01", "openHighAndCritical")


@dataclass
class Load:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))
    practitioners: set[str] = field(default_factory=set)

    def absorb(self, other: "Load") -> None:
        for column, count in other.counts.items():
            self.counts[column] += count
        self.practitioners |= other.practitioners


@dataclass
class Loads:
    """Each team's and each manager's load (keyed by PDU and team, PDU and manager). Loads of
    several caseloads add up (`absorb`)."""

    teams: defaultdict[tuple[str, str], Load] = field(default_factory=lambda: defaultdict(Load))
    managers: defaultdict[tuple[str, str], Load] = field(
        default_factory=lambda: defaultdict(Load))

    def absorb(self, other: "Loads") -> None:
        for mine, theirs in ((self.teams, other.teams), (self.managers, other.managers)):
            for key, load in theirs.items():
                mine[key].absorb(load)


def oversight(cases: Iterable[CaseState], now: datetime, *,
              disclosure: bool = True) -> dict[str, list[dict[str, object]]]:
    return load_rows(count_loads(cases, now), disclosure=disclosure)


def count_loads(cases: Iterable[CaseState], now: datetime) -> Loads:
    counted = Loads()
    for case in cases:
        facts = case.facts
        held = facts.assignment_at(now)
        closed_at = facts.closed_at
        if held is None or (closed_at is not None and closed_at <= now):
            continue
        loads = [counted.teams[(held.pdu, held.team)]]
        if held.manager_id is not None:
            loads.append(counted.managers[(held.pdu, held.manager_id)])
        open_alerts = [v for v in case.published.values() if v.status == AlertStatus.OPEN]
        for load in loads:
            counts = load.counts
            counts["cases"] += 1
            counts["highRiskCases"] += facts.risk_at(now).high_risk
            counts["openI-KS-03"] += sum(v.rule.id == "I-KS-03" for v in open_alerts)
            counts["openO-KS-01"] += sum(v.rule.id == "O-KS-01" for v in open_alerts)
            counts["openHighAndCritical"] += sum(
                v.rule.severity in (Severity.HIGH, Severity.CRITICAL) for v in open_alerts)
            load.practitioners.add(held.practitioner_id)
    return counted


def load_rows(loads: Loads, *, disclosure: bool = True) -> dict[str, list[dict[str, object]]]:
    return {"teams": _rows(loads.teams, "team", disclosure),
            "managers": _rows(loads.managers, "managerId", disclosure)}


def _rows(loads: dict[tuple[str, str], Load], name: str,
          disclosure: bool) -> list[dict[str, object]]:
    keys = sorted(loads)
    rows: list[dict[str, object]] = [{"pdu": pdu, name: who} for pdu, who in keys]
    for pdu in sorted({pdu for pdu, _ in keys}):
        members = [i for i, key in enumerate(keys) if key[0] == pdu]
        for column in COLUMNS:
            line = [loads[keys[i]].counts[column] for i in members]
            shown = control(line, enabled=disclosure)
            for i, value in zip(members, shown, strict=True):
                rows[i][column] = value
        for i in members:
            load = loads[keys[i]]
            alerts = rows[i]["openHighAndCritical"]
            rows[i]["practitioners"] = len(load.practitioners)
            rows[i]["openHighAndCriticalPerPractitioner"] = (
                round(load.counts["openHighAndCritical"] / len(load.practitioners), 1)
                if alerts is not None else None)
    return rows


