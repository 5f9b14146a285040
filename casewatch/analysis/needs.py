"""Needs and services (SPEC §12, the inspection's recommendation 3): for each need in the cases'
latest assessments, how many were referred to the service that meets it, how many referrals
started, and how many were not referred within 20 working days (a standing I-DS-03 breach for
that assessment and service). Needs no commissioned service meets (thinking and behaviour,
attitudes: programmes; relationships, lifestyle) have no service and no referral counts.

The columns are not a line adding up to a known total (a case has several needs), so each count
is controlled on its own: suppressed below 10, else rounded to 5. Pure.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from casewatch.analysis.disclosure import shown
from casewatch.engine.case import CaseState
from casewatch.engine.rules.implementation import SERVICE_FOR_NEED
from casewatch.schemas.codes import Need


@dataclass(frozen=True)
class NeedRow:
    need: str
    service: str | None
    cases: int | None
    referred: int | None
    started: int | None
    not_referred: int | None

    def to_json(self) -> dict[str, object]:
        return {"need": self.need, "service": self.service, "cases": self.cases,
                "referred": self.referred, "started": self.started,
                "notReferred": self.not_referred}


def need_stages(case: CaseState, now: datetime) -> list[tuple[Need, str]]:
    """Each need of the case's latest assessment (as of `now`) with "cases", and for a need a
    service meets, "referred", "started" and "notReferred" where they hold."""
    facts = case.facts
    allocation = facts.allocation
    assessments = [a for a in facts.assessments if a.at <= now]
    if allocation is None or not assessments:
        return []
    latest = assessments[-1]
    referrals = [r for r in facts.referrals if allocation.at <= r.at <= now]
    referred = {r.event.detail.service for r in referrals}
    started_ids = {s.event.detail.referralId for s in facts.referral_starts if s.at <= now}
    started = {r.event.detail.service for r in referrals
               if r.event.detail.referralId in started_ids}
    unmet = {breach.finding.anchor for breach in case.standing(now)
             if breach.rule.id == "I-DS-03"}
    stages: list[tuple[Need, str]] = []
    for need in sorted(set(latest.event.detail.needs)):
        stages.append((need, "cases"))
        service = SERVICE_FOR_NEED.get(need)
        if service is None:
            continue
        stages += [(need, stage) for stage, holds in (
            ("referred", service in referred), ("started", service in started),
            ("notReferred", f"{latest.event_id}:{service.value}" in unmet)) if holds]
    return stages


NeedCounts = Counter[tuple[Need, str]]


def count_needs(cases: Iterable[CaseState], now: datetime) -> NeedCounts:
    """The cases' need stages counted: counts of several caseloads add up (Counter.update)."""
    return Counter(stage for case in cases for stage in need_stages(case, now))


def needs_and_services(cases: Iterable[CaseState], now: datetime, *,
                       disclosure: bool = True) -> list[NeedRow]:
    return need_rows(count_needs(cases, now), disclosure=disclosure)


def need_rows(counts: NeedCounts, *, disclosure: bool = True) -> list[NeedRow]:
    def count(need: Need, column: str) -> int | None:
        exact = counts[(need, column)]
        return shown(exact) if disclosure else exact

    rows = []
    for need in Need:
        service = SERVICE_FOR_NEED.get(need)
        mapped = service is not None
        rows.append(NeedRow(
            need.value, service.value if service else None, count(need, "cases"),
            count(need, "referred") if mapped else None,
            count(need, "started") if mapped else None,
            count(need, "notReferred") if mapped else None))
    return rows
