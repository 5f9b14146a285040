"""The live worklist is the replay's: what the worker publishes, read into a Standing in any
order and with repeats, gives every team exactly SPEC §10's worklist `casewatch worklist`
computes from the same events."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from casewatch.delivery.standing import RECENT, Filters, Silence, Standing
from casewatch.delivery.worklist import build_worklist
from casewatch.engine.policy import Policy
from casewatch.engine.worklist import Scope
from casewatch.rebuild.state import built
from casewatch.replay.evaluate import evaluate
from tests.support.builders import allocated, at, event
from tests.support.strategies import AS_OF, caseload_history

Published = list[tuple[str, bytes]]  # ("alert" | "deadlines", value)


def published(history: list[dict[str, Any]], as_of: str = AS_OF) -> tuple[Any, Published]:
    caseload, _ = evaluate([json.dumps(e).encode() for e in history], policy=Policy(),
                           as_of=datetime.fromisoformat(as_of))
    found = built(caseload)
    return caseload, ([("alert", value) for _, _, value in found.alerts]
                      + [("deadlines", value) for _, _, value in found.deadlines])


def standing_of(records: Published) -> Standing:
    view = Standing()
    for kind, raw in records:
        value = json.loads(raw)
        if kind == "alert":
            view.offer_alert(value, raw)
        else:
            view.offer_deadlines(value)
    return view


@settings(max_examples=60, deadline=None)
@given(history=caseload_history(), data=st.data())
def test_every_team_s_live_worklist_is_the_replay_s(history: list[dict[str, Any]],
                                                    data: st.DataObject) -> None:
    caseload, records = published(history)
    order = data.draw(st.permutations(records))
    repeats = data.draw(st.lists(st.sampled_from(records), max_size=5)) if records else []
    view = standing_of([*order, *repeats])
    places = {(pdu, team) for _, pdu, team in view.places()}
    expected_places = {(c["pdu"], c["team"]) for c in
                       build_worklist(caseload, Scope(), 5)["cases"]}
    assert expected_places <= places
    for pdu, team in places:
        horizon = data.draw(st.integers(0, 10))
        live = view.worklist((pdu, team), horizon)
        replayed = build_worklist(caseload, Scope(pdu, team), horizon)
        assert live == replayed


def test_a_resolved_alert_leaves_the_worklist_and_stays_on_its_case_for_a_while() -> None:
    history = [allocated(at("2025-07-01"), crn="A000001", rosh="HIGH")]
    _, before = published(history, "2025-07-21T09:00:00+01:00")
    view = standing_of(before)
    place = view.place_of("A000001")
    assert place is not None
    opened = view.worklist(place, 5)["cases"]
    assert [c["crn"] for c in opened] == ["A000001"]
    first = opened[0]["alerts"][0]
    version = view.version([place])

    # A police enquiry made on time is recorded late: the worker withdraws the alert.
    state = next(json.loads(raw) for kind, raw in before
                 if kind == "alert" and json.loads(raw)["alertId"] == first["alertId"])
    withdrawn = {**state, "status": "RESOLVED", "resolution": "WITHDRAWN",
                 "resolvedAt": "2025-07-22T10:00:00Z"}
    view.offer_alert(withdrawn, json.dumps(withdrawn).encode())
    assert view.version([place]) > version
    case = view.case("A000001")
    assert case is not None
    assert first["alertId"] in {a["alertId"] for a in case["resolved"]}
    assert first["alertId"] not in {a["alertId"] for a in case["open"]}
    assert all(a["evidence"] is not None for a in case["resolved"])

    # Long after, the resolved alert is pruned; the case's other alerts stay.
    later = {"crn": "A000001", "region": case["region"], "pdu": place[0], "team": place[1],
             "practitionerId": "P1", "managerId": "SPO1", "deadlines": [],
             "asOf": (datetime(2025, 7, 23, tzinfo=UTC) + RECENT + timedelta(days=1))
             .isoformat().replace("+00:00", "Z")}
    view.offer_deadlines(later)
    assert view.prune() >= 1
    pruned = view.case("A000001")
    assert pruned is not None and pruned["open"]
    assert first["alertId"] not in {a["alertId"] for a in pruned["resolved"]}


def test_filters_and_silences_show_on_the_worklist() -> None:
    history = [allocated(at("2025-07-01"), crn="A000001", rosh="LOW"),
               allocated(at("2025-07-01"), crn="A000002", rosh="LOW",
                         practitioner={"id": "PR2", "grade": "PSO"}),
               event("requirement.added", at("2025-07-02"), crn="A000002",
                     requirementId="rq1", type="CURFEW")]
    _, records = published(history, "2025-07-21T09:00:00+01:00")
    view = standing_of(records)
    place = view.place_of("A000001")
    assert place is not None
    every = view.worklist(place, 5)
    assert [c["crn"] for c in every["cases"]] == ["A000002", "A000001"]
    assert [c["crn"] for c in view.worklist(place, 5, Filters(practitioner="PR2"))["cases"]] \
        == ["A000002"]
    assert [c["crn"] for c in view.worklist(place, 5, Filters(severity="CRITICAL"))["cases"]] \
        == ["A000002"]
    rule = every["cases"][0]["alerts"][0]["ruleId"]
    version = view.version([place])
    view.silence([Silence("s1", "A000002", rule, datetime(2025, 8, 1, tzinfo=UTC), "MGR1",
                          "AWAITING_INFORMATION")])
    assert view.version([place]) > version
    shown = view.worklist(place, 5)["cases"][0]["alerts"][0]
    assert shown["silence"] == {"id": "s1", "until": "2025-08-01T00:00:00Z", "by": "MGR1",
                                "reason": "AWAITING_INFORMATION"}
    view.silence([])
    assert "silence" not in view.worklist(place, 5)["cases"][0]["alerts"][0]


def test_the_overview_counts_each_team_s_open_alerts() -> None:
    history = [allocated(at("2025-07-01"), crn="A000001", rosh="LOW"),
               allocated(at("2025-07-01"), crn="B000001", rosh="LOW", team="team-b"),
               allocated(at("2025-07-18"), crn="A000004", rosh="LOW")]
    caseload, records = published(history, "2025-07-21T09:00:00+01:00")
    view = standing_of(records)
    pdu = view.places()[0][1]
    overview = view.overview(pdu, 5)
    by_team = {t["team"]: t for t in overview["teams"]}
    for team, row in by_team.items():
        doc = build_worklist(caseload, Scope(pdu, team), 5)
        assert row["cases"] == len(doc["cases"])
        assert sum(row["open"].values()) == sum(len(c["alerts"]) for c in doc["cases"])
        assert row["dueSoon"] == len(doc["dueSoon"])
    assert any(t["dueSoon"] for t in by_team.values())
