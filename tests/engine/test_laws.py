"""Laws of the engine, checked on generated case histories."""

from datetime import datetime, timedelta
from typing import Any

from hypothesis import find, given, settings
from hypothesis import strategies as st

from casewatch.engine.case import CaseState
from casewatch.engine.caseload import Caseload
from casewatch.engine.rules import RULES
from casewatch.replay.report import Cohort, EventTally, build_report
from tests.support.builders import run
from tests.support.strategies import AS_OF, caseload_history


def outcome(caseload: Caseload) -> dict[str, Any]:
    """What SPEC §1 says depends only on the set of events and now."""
    report = build_report(caseload, EventTally(), Cohort())
    standing = sorted(
        (a for a in report["alerts"] if a["resolution"] != "WITHDRAWN"),
        key=lambda a: a["alertId"],
    )
    return {
        "standing": standing,
        "ratings": {k: report[k] for k in ("keyQuestions", "standards", "caseSupervisionScore",
                                           "pdus")},
    }


@given(history=caseload_history(), order=st.randoms(use_true_random=False))
def test_order_independence(history: list[dict[str, Any]], order: Any) -> None:
    shuffled = list(history)
    order.shuffle(shuffled)
    assert outcome(run(shuffled, AS_OF)) == outcome(run(history, AS_OF))


@given(history=caseload_history(), data=st.data())
def test_duplicates_change_nothing(history: list[dict[str, Any]], data: st.DataObject) -> None:
    if not history:
        return
    with_copies = list(history)
    for _ in range(data.draw(st.integers(1, 5))):
        original = data.draw(st.integers(0, len(history) - 1))
        position = with_copies.index(history[original])
        # Same id, another payload: even a later time must not move the clock.
        later = datetime.fromisoformat(history[original]["occurredAt"]) + timedelta(days=90)
        copy = {**history[original], "occurredAt": later.isoformat()}
        with_copies.insert(data.draw(st.integers(position + 1, len(with_copies))), copy)
    plain = run(history, AS_OF)
    duplicated = run(with_copies, AS_OF)
    assert build_report(duplicated, EventTally(), Cohort()) == build_report(
        plain, EventTally(), Cohort())


@given(history=caseload_history(), order=st.randoms(use_true_random=False))
def test_incremental_evaluation_equals_evaluating_from_scratch(
    history: list[dict[str, Any]], order: Any
) -> None:
    """Skipping rules an event cannot change (topics, satisfied_by, looks_back) loses nothing."""
    shuffled = list(history)
    order.shuffle(shuffled)
    caseload = run(shuffled, AS_OF)
    assert caseload.now is not None
    for case in caseload.cases.values():
        crn = case.crn
        fresh = CaseState(crn)
        every = [occurrence.event_id for occurrence in case.facts.occurrences()]
        assert sorted(every) == sorted(case.event_ids)  # each accepted event exactly once
        for occurrence in case.facts.occurrences():
            fresh.facts.add(occurrence.event)
        if fresh.facts.allocation is None:
            assert not any(case.breaches.values())
            continue
        for rule in RULES:
            fresh._evaluate(rule, caseload.policy, caseload.now, [], [])
        for rule in RULES:
            assert case.breaches.get(rule.id, {}) == fresh.breaches.get(rule.id, {}), rule.id


def test_the_generator_puts_obligations_before_allocation() -> None:
    """The laws above cover SPEC §4's pre-allocation obligations only if histories have them."""

    def curfew_before_allocation(history: list[dict[str, Any]]) -> bool:
        allocations = [e["occurredAt"] for e in history if e["eventType"] == "case.allocated"]
        return bool(allocations) and any(
            e["eventType"] == "requirement.added" and e["detail"]["type"] == "CURFEW"
            and datetime.fromisoformat(e["occurredAt"]) < datetime.fromisoformat(allocations[0])
            for e in history
        )

    found = find(caseload_history(), curfew_before_allocation,
                 settings=settings(database=None, max_examples=2000))
    assert curfew_before_allocation(found)
