"""The types mapped from their detail (casewatch/ingest/detail.py), pure: a fetch that reads a
dict of URL → published-shape body. Each mapping is a valid casewatch event; none carries any
of the free text its event or detail holds."""

import json
import random
from typing import Any

import pytest

from casewatch.ingest.detail import Place, Sources, Unreachable
from casewatch.ingest.envelope import Refusal, open_body
from casewatch.ingest.mapping import map_event
from casewatch.schemas.parse import parse_event
from tests.support.hmpps import (
    allocation,
    allocation_detail,
    domain_event,
    line,
    merge,
    notification,
    oasys,
    oasys_summary,
    ords_paths,
    requirement,
    requirement_detail,
    rosh_summary,
)
from tests.support.mutations import FREE_TEXT

BASE = "https://detail.example"
TEAMS = {"N07ABC": Place("north-east", "county-durham-and-darlington")}


def sources(pages: dict[str, Any]) -> Sources:
    def fetch(url: str) -> dict[str, Any]:
        if url not in pages:
            raise Unreachable("the detail host failed (HTTP 503)")
        page: dict[str, Any] = pages[url]
        return page
    return Sources(fetch, TEAMS)


def mapped(event: dict[str, Any], pages: dict[str, Any], message: str = "m-1"
           ) -> list[dict[str, Any]]:
    out = map_event(open_body(line(notification(event, message))), sources(pages))
    assert isinstance(out, list)
    for each in out:
        parse_event(json.dumps(each))
        assert "Jane" not in json.dumps(each) and "Acacia" not in json.dumps(each)
    return out


def refused(event: dict[str, Any], pages: dict[str, Any]) -> str:
    with pytest.raises(Refusal) as refusal:
        map_event(open_body(line(notification(event))), sources(pages))
    assert "Jane" not in refusal.value.reason
    return refusal.value.reason


def test_a_first_allocation_starts_the_case_in_the_team_s_pdu() -> None:
    event = allocation("X100001", "4880d097", BASE)
    (out,) = mapped(event, {f"{BASE}/allocation/person/4880d097": allocation_detail("X100001")})
    assert out == {"eventId": "hmpps:m-1", "eventType": "case.allocated", "version": 1,
                   "occurredAt": "2025-07-01T15:22:07.108917168+01:00", "crn": "X100001",
                   "detail": {"region": "north-east", "pdu": "county-durham-and-darlington",
                              "team": "N07ABC", "practitioner": {"id": "N07ABC1", "grade": "PO"},
                              "sentenceType": "COMMUNITY_ORDER"}}


def test_a_reallocation_transfers_and_its_spo_oversight_is_recorded() -> None:
    event = allocation("X100001", "a2", BASE)
    detail = allocation_detail("X100001", staff="N07ABC2", reason="CHANGE_OF_ADDRESS",
                               spo="N07SPO1", notes=FREE_TEXT)
    moved, oversight = mapped(event, {f"{BASE}/allocation/person/a2": detail})
    assert moved["eventType"] == "case.transferred" and moved["eventId"] == "hmpps:m-1"
    assert moved["detail"] == {"region": "north-east", "pdu": "county-durham-and-darlington",
                               "team": "N07ABC", "manager": {"id": "N07SPO1"},
                               "practitioner": {"id": "N07ABC2", "grade": "PO"}}
    assert oversight["eventId"] == "hmpps:m-1:oversight"
    assert oversight["detail"] == {"oversightId": "hmpps:m-1:oversight",
                                   "kind": "CASE_DISCUSSION", "managerId": "N07SPO1",
                                   "actionsRecorded": True}
    detail["spoOversightNotes"] = None
    assert mapped(event, {f"{BASE}/allocation/person/a2": detail})[1]["detail"][
        "actionsRecorded"] is False


@pytest.mark.parametrize(("change", "reason"), [
    (lambda d: d.update(teamCode="N99XYZ"),
     "allocation detail's teamCode is not in CASEWATCH_INGEST_TEAMS"),
    (lambda d: d.update(crn="X999999"), "allocation detail is for another CRN"),
    (lambda d: d.pop("staffCode"), "missing field allocation detail.staffCode"),
    (lambda d: d.update(staffCode=FREE_TEXT),
     "invalid field allocation detail.staffCode (not a code)"),
])
def test_an_allocation_detail_that_cannot_be_read_is_refused(change: Any, reason: str) -> None:
    detail = allocation_detail("X100001")
    change(detail)
    assert refused(allocation("X100001", "a3", BASE),
                   {f"{BASE}/allocation/person/a3": detail}) == reason


def test_an_event_without_a_detail_url_is_refused() -> None:
    event = allocation("X100001", "a4", BASE)
    del event["detailUrl"]
    assert refused(event, {}) == "missing field detailUrl"


def test_an_oasys_assessment_reads_its_summary_and_rosh_summary() -> None:
    summary, rosh = ords_paths("X100002", 9)
    pages = {BASE + summary: oasys_summary("X100002", 9, review="01"),
             BASE + rosh: rosh_summary(nature="")}
    (out,) = mapped(oasys("X100002", 9, BASE), pages)
    assert out["crn"] == "X100002" and out["eventType"] == "assessment.completed"
    assert out["detail"] == {
        "assessmentId": "oasys:9", "kind": "REVIEW", "rosh": "HIGH",
        "riskTo": ["CHILDREN", "KNOWN_ADULT"], "whoAtRiskRecorded": True,
        "natureOfRiskRecorded": False,
        "needs": ["ACCOMMODATION", "RELATIONSHIPS", "DRUGS", "THINKING_BEHAVIOUR"]}


def test_an_oasys_event_naming_no_person_takes_the_summary_s_crn() -> None:
    summary, rosh = ords_paths("X100003", 10)
    pages = {BASE + summary: oasys_summary("X100003", 10, children="Very High"),
             BASE + rosh: rosh_summary()}
    (out,) = mapped(oasys("X100003", 10, BASE, named=False), pages)
    assert out["crn"] == "X100003" and out["detail"]["rosh"] == "VERY_HIGH"
    assert out["detail"]["kind"] == "INITIAL"


@pytest.mark.parametrize(("summary", "reason"), [
    (oasys_summary("X100009", 11), "OASys summary is for another CRN"),
    (oasys_summary("X100004", 11, children=None, known_adult=None, staff=None),
     "OASys summary without a community RoSH level"),
    (oasys_summary("X100004", 11, children=FREE_TEXT),
     "invalid field OASys summary.riskChildrenCommunity (not a RoSH level)"),
    ({"probNumber": "X100004", "assessments": []}, "OASys summary without an assessment"),
])
def test_an_oasys_summary_that_cannot_be_read_is_refused(summary: Any, reason: str) -> None:
    path, rosh = ords_paths("X100004", 11)
    assert refused(oasys("X100004", 11, BASE),
                   {BASE + path: summary, BASE + rosh: rosh_summary()}) == reason


def test_a_requirement_s_main_category_decides_its_type_and_termination_ends_it() -> None:
    for main, kind in (("M", "CURFEW"), ("W", "UNPAID_WORK"), ("RM49", "OTHER")):
        event = requirement("probation-case.requirement.created", "X100005", "2500812305", BASE)
        (out,) = mapped(event, {f"{BASE}/requirement/2500812305":
                                requirement_detail("2500812305", main)})
        assert out["detail"] == {"requirementId": "2500812305", "type": kind}
    ended = requirement("probation-case.requirement.terminated", "X100005", "2500812305", BASE)
    (out,) = mapped(ended, {})  # the id is on the event: nothing is fetched
    assert out["eventType"] == "requirement.ended"
    assert out["detail"] == {"requirementId": "2500812305"}


def test_a_merge_closes_the_source_case_naming_its_target() -> None:
    (out,) = mapped(merge("X100006", "X100007"), {})
    assert out["crn"] == "X100006" and out["eventType"] == "case.closed"
    assert out["detail"] == {"reason": "merged into X100007"}
    assert refused(merge("X100006", "X100006"), {}) == "merge of a CRN into itself"
    assert refused(merge("X100006", "X12345"), {}) == \
        "bad CRN in additionalInformation.targetCRN"


def test_an_unmerge_maps_to_nothing_and_terminations_close_the_case() -> None:
    unmerge = domain_event("probation-case.unmerge.completed", crn="X100007",
                           reactivatedCRN="X100006", unmergedCRN="X100007")
    assert mapped(unmerge, {}) == []
    for event_type, reason in (("probation-case.sentence.terminated", "sentence terminated"),
                               ("probation-case.deleted.gdpr", "deleted from Delius")):
        (out,) = mapped(domain_event(event_type, crn="X100008"), {})
        assert out["eventType"] == "case.closed" and out["detail"] == {"reason": reason}


def test_a_fetch_that_may_work_later_is_raised_not_refused() -> None:
    with pytest.raises(Unreachable):
        map_event(open_body(line(allocation("X100001", "a5", BASE))), sources({}))


def test_after_a_merge_the_source_s_open_alerts_end_case_closed_and_the_target_s_stand() -> None:
    """The merge policy (docs/ingest.md): the source CRN's case closes at the merge, so its
    open alerts resolve CASE_CLOSED then, none withdrawn or lost; the target keeps its own."""
    from tests.support.builders import alerts, allocated, at, run

    cases = [allocated(at("2025-07-01"), crn="X100006", rosh="HIGH", registrations=["ADVP"]),
             allocated(at("2025-07-01"), crn="X100007", rosh="HIGH", registrations=["ADVP"])]
    before = alerts(run(cases, "2025-07-31T12:00:00Z"))
    assert {a["crn"] for a in before if a["resolution"] is None} == {"X100006", "X100007"}
    (closure,) = mapped(merge("X100006", "X100007",
                              occurred_at="2025-08-01T09:00:00+01:00"), {})
    after = alerts(run([*cases, closure], "2025-09-30T12:00:00Z"))
    source = [a for a in after if a["crn"] == "X100006"]
    target = [a for a in after if a["crn"] == "X100007"]
    assert {a["alertId"] for a in before if a["crn"] == "X100006"} <= {
        a["alertId"] for a in source}
    assert source and all(a["resolution"] == "CASE_CLOSED" for a in source
                          if a["openedAt"] < "2025-08-01" and a["resolution"] != "SATISFIED")
    assert any(a["resolution"] is None for a in target)
    assert not any(a["resolution"] is None for a in source)


def test_mutated_events_and_details_never_crash_echo_free_text_or_lose_a_valid_one() -> None:
    """2,000 bodies of the detail types, each event or detail mutated as producers and APIs go
    wrong, between valid ones (./run bench ingest runs 100,000): each maps, is refused or
    waits, in one line, and every valid body still maps."""
    import io

    from casewatch.cli.ingest import translate
    from tests.support.hmpps import fuzzed_details, page_sources

    stream, expected, pages = fuzzed_details(2_000, random.Random(26))
    out, err = io.StringIO(), io.StringIO()
    tally = translate(io.BytesIO(b"\n".join(stream) + b"\n"), out, err, page_sources(pages))
    events = [json.loads(text) for text in out.getvalue().splitlines()]
    for event in events:
        parse_event(json.dumps(event))
    good = [e["eventId"] for e in events if e["eventId"].startswith("hmpps:good-")]
    assert sorted(set(good), key=lambda i: int(i.split("-")[1])) == expected
    assert "Jane" not in out.getvalue() + err.getvalue()
    assert "Acacia" not in out.getvalue() + err.getvalue()
    assert tally["refused"] > 500 and all(len(text) < 200 for text in err.getvalue().splitlines())
