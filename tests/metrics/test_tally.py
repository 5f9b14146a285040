"""The gauges kept case by case equal a recount of the whole caseload, at every refresh."""

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from casewatch.analysis.disclosure import shown
from casewatch.analysis.needs import need_stages
from casewatch.analysis.profile import profiled
from casewatch.engine.calendar import breach_time, due_date
from casewatch.engine.caseload import Caseload
from casewatch.engine.ratings import answer_case
from casewatch.metrics.quality import CaseloadCollector, QualityMetrics, controlled, sum_of
from casewatch.schemas.codes import AlertStatus
from casewatch.schemas.parse import parse_event
from tests.support.builders import allocated, assessment, contact, plan
from tests.support.strategies import caseload_history

Figures = dict[tuple[str, tuple[str, ...]], float]


def exported(collector: CaseloadCollector) -> Figures:
    return {(family.name, tuple(sample.labels.values())): sample.value
            for family in collector.collect() for sample in family.samples}


def recount(caseloads: list[Caseload]) -> Figures:
    """Every case walked, as the gauges were computed before they were kept incrementally."""
    figures: Counter[tuple[str, tuple[str, ...]]] = Counter()
    oldest: dict[tuple[str, tuple[str, ...]], float] = {}
    for caseload in caseloads:
        now = caseload.now
        assert now is not None
        for view in caseload.alerts():
            if view.status == AlertStatus.OPEN:
                held = view.assignment
                key = ("casewatch_alerts_open_oldest_age_seconds",
                       (held.region, held.pdu, held.team, view.rule.severity.value))
                oldest[key] = max((now - view.opened_at).total_seconds(), oldest.get(key, 0.0))
        for case in caseload.cases.values():
            answered = answer_case(case, now, caseload.policy)
            if answered is None:
                continue
            for (standard, question), yes in answered.answers.items():
                labels = (answered.region, answered.pdu, standard, question.value)
                figures[("casewatch_key_question_cases", (*labels, "yes"))] += yes
                figures[("casewatch_key_question_cases", (*labels, "no"))] += not yes
            closed_at = case.facts.closed_at
            if closed_at is None or closed_at > now:
                rosh = case.facts.risk_at(now).rosh
                figures[("casewatch_cases_active", (answered.region, answered.pdu, answered.team,
                                                    rosh.value if rosh else "UNKNOWN"))] += 1
    return {**figures, **oldest, **analysis(caseloads)}


Raw = tuple[Counter[tuple[str, ...]], Counter[tuple[str, ...]], Counter[tuple[str, ...]]]


def analysis(caseloads: list[Caseload]) -> Figures:
    """SPEC §12's live counts, each case read afresh, under the same disclosure control."""
    groups, breached, needs = counted(caseloads)
    found: Figures = {}
    for key, value in controlled(groups, line_of=(0, 1, 2)).items():
        found[("casewatch_analysis_group_cases", key)] = value
    for key, value in controlled(breached, line_of=(0, 1, 2, 4)).items():
        found[("casewatch_analysis_group_breached", key)] = value
    for key, count in needs.items():
        if (rounded := shown(count)) is not None:
            found[("casewatch_analysis_need_cases", key)] = rounded
    return found


def counted(caseloads: list[Caseload]) -> Raw:
    """The exact counts behind them: groups, breached measures, need stages."""
    groups: Counter[tuple[str, ...]] = Counter()
    breached: Counter[tuple[str, ...]] = Counter()
    needs: Counter[tuple[str, ...]] = Counter()
    for caseload in caseloads:
        now = caseload.now
        assert now is not None
        for case in caseload.cases.values():
            held = case.facts.assignment_at(now)
            read = profiled(case, now)
            if held is None or read is None:
                continue
            for dimension, group in read.groups.items():
                groups[(held.region, held.pdu, dimension, group)] += 1
                for measure in read.breached:
                    breached[(held.region, held.pdu, dimension, group, measure)] += 1
            for need, stage in need_stages(case, now):
                needs[(held.region, held.pdu, held.team, need.value, stage)] += 1
    return groups, breached, needs


@given(history=caseload_history(), order=st.randoms(use_true_random=False), data=st.data())
def test_gauges_kept_case_by_case_equal_a_recount(
    history: list[dict[str, Any]], order: Any, data: st.DataObject
) -> None:
    events = [parse_event(json.dumps(e)) for e in history]
    order.shuffle(events)
    # Two caseloads, as a worker owning two partitions: their figures add up.
    caseloads = [Caseload(), Caseload()]
    metrics = QualityMetrics(CollectorRegistry())
    cuts = sorted(data.draw(st.lists(st.integers(0, len(events)), max_size=4)))
    for start, end in zip([0, *cuts], [*cuts, len(events)], strict=True):
        for event in events[start:end]:
            caseloads[hash(event.crn) % 2].apply(event)
        for caseload in caseloads:
            if caseload.now is not None and data.draw(st.booleans()):
                caseload.advance(caseload.now + timedelta(days=data.draw(st.integers(0, 60))))
        live = [c for c in caseloads if c.now is not None]
        metrics.caseloads(live)
        assert exported(metrics.cases) == recount(live)
        # Below the disclosure threshold nothing is exported: compare the exact counts too.
        tallies = [metrics.cases.tally_of(caseload) for caseload in live]
        assert (sum_of(t.groups for t in tallies), sum_of(t.breached for t in tallies),
                sum_of(t.needs for t in tallies)) == tuple(+c for c in counted(live))
    if caseloads[1].now is not None:
        # A partition handed to another worker stops counting here.
        metrics.caseloads(caseloads[:1] if caseloads[0].now is not None else [])
        assert exported(metrics.cases) == recount(
            caseloads[:1] if caseloads[0].now is not None else [])


def test_a_refresh_recounts_only_the_cases_that_changed() -> None:
    caseload = Caseload()
    for number in range(50):
        crn = f"X{number:06d}"
        # Assessed and planned at once, so no alert falls due with the implementation scope.
        for wire in (allocated("2025-07-01T09:00:00+00:00", crn=crn),
                     assessment("2025-07-01T10:00:00+00:00", crn=crn),
                     plan("2025-07-01T11:00:00+00:00", crn=crn)):
            caseload.apply(parse_event(json.dumps(wire)))
    metrics = QualityMetrics(CollectorRegistry())
    assert metrics.caseloads([caseload]) == 50  # the first refresh counts every case
    caseload.apply(parse_event(json.dumps(contact("2025-07-02T09:00:00+00:00", crn="X000007"))))
    assert metrics.caseloads([caseload]) == 1
    assert metrics.caseloads([caseload]) == 0
    # Weeks later the implementation standard comes into scope for all, with no alert to say
    # so: each case is recounted at that instant.
    span = caseload.policy.span("scope", "implementation_working_days")
    in_scope = breach_time(due_date(datetime.fromisoformat("2025-07-01T09:00:00+00:00"),
                                    span.amount, span.unit))
    caseload.advance(in_scope - timedelta(seconds=1))
    metrics.caseloads([caseload])
    assert caseload.advance(in_scope) == []
    assert metrics.caseloads([caseload]) == 50
    assert exported(metrics.cases) == recount([caseload])


def test_a_team_s_oldest_alert_moves_on_when_it_resolves() -> None:
    caseload = Caseload()
    metrics = QualityMetrics(CollectorRegistry())
    for wire in (allocated("2025-07-01T09:00:00+00:00", crn="X000001"),
                 allocated("2025-07-08T09:00:00+00:00", crn="X000002")):
        caseload.apply(parse_event(json.dumps(wire)))
    caseload.advance(datetime.fromisoformat("2025-07-20T00:00:00+00:00"))
    metrics.caseloads([caseload])
    before = exported(metrics.cases)
    assert before == recount([caseload])
    # The first case's contact comes late: its first-contact alert resolves, and the team's
    # oldest open alert of that severity is now the second case's.
    caseload.apply(parse_event(json.dumps(contact("2025-07-21T09:00:00+00:00", crn="X000001"))))
    metrics.caseloads([caseload])
    assert exported(metrics.cases) == recount([caseload])
    ages = {labels: value for (name, labels), value in exported(metrics.cases).items()
            if name == "casewatch_alerts_open_oldest_age_seconds"}
    assert ages != {labels: value for (name, labels), value in before.items()
                    if name == "casewatch_alerts_open_oldest_age_seconds"}
