"""The alert lifecycle of SPEC §5: ids, resolutions, withdrawal, case context, privacy."""

import json

from casewatch.engine.alert import alert_id
from casewatch.schemas.alerts import Alert
from tests.support.builders import (
    alerts,
    allocated,
    assessment,
    at,
    contact,
    enquiry,
    event,
    run,
    standing,
)

ALLOCATION = at("2025-07-01")


def test_alert_ids_are_deterministic_and_distinct_per_anchor() -> None:
    events = [allocated(ALLOCATION)]
    first = {a["alertId"] for a in alerts(run(events, at("2025-09-01")))}
    second = {a["alertId"] for a in alerts(run(events, at("2025-09-01")))}
    assert first == second
    assert alert_id("X123456", "A-KS-01", "e1") == alert_id("X123456", "A-KS-01", "e1")
    assert alert_id("X123456", "A-KS-01", "e1") != alert_id("X123456", "A-KS-01", "e2")
    assert alert_id("X123456", "A-KS-01", "e1") != alert_id("Y123456", "A-KS-01", "e1")
    assert alert_id("X123456", "A-KS-01", "e1").startswith("A-KS-01-")


def test_every_alert_matches_the_wire_schema() -> None:
    events = [allocated(ALLOCATION, rosh="HIGH", registrations=["ADVP"]),
              assessment(at("2025-07-20"), rosh="HIGH", riskTo=[], countersignedBy="SPO1")]
    found = alerts(run(events, at("2026-03-01")))
    assert len(found) > 5
    for alert in found:
        Alert.model_validate(alert)


def test_events_before_allocation_are_held_and_evaluated_when_it_arrives() -> None:
    events = [contact(at("2025-07-02"), outcome="FAILED_TO_ATTEND"), allocated(ALLOCATION)]
    caseload = run(events, at("2025-07-20"))
    assert len(standing(caseload, "I-EN-02")) == 1
    assert alerts(run(events[:1], at("2025-07-20"))) == []


def test_case_closure_resolves_open_alerts_and_stops_new_breaches() -> None:
    events = [allocated(ALLOCATION), event("case.closed", at("2025-07-10"), reason="Died")]
    caseload = run(events, at("2025-12-01"))
    closed = alerts(caseload)
    assert {a["ruleId"] for a in closed} == {"A-KS-01", "A-KS-02", "I-EN-01"}  # due by 8 July
    for alert in closed:
        assert (alert["status"], alert["resolution"]) == ("RESOLVED", "CASE_CLOSED")
        assert alert["resolvedAt"] == "2025-07-10T09:00:00Z"


def test_events_after_closure_raise_no_new_breach() -> None:
    events = [allocated(ALLOCATION), event("case.closed", at("2025-07-02"), reason="Revoked"),
              assessment(at("2025-07-05"), personInvolved=False)]
    assert alerts(run(events, at("2025-12-01"))) == []


def test_a_late_event_withdraws_an_alert_that_never_should_have_been() -> None:
    other_case = allocated(at("2025-07-20"), crn="Y000001")
    late_enquiry = enquiry(at("2025-07-03"), "POLICE_DOMESTIC_ABUSE", "q1")
    caseload = run([allocated(ALLOCATION), other_case, late_enquiry])
    (alert,) = alerts(caseload, "A-KS-01")
    assert (alert["status"], alert["resolution"]) == ("RESOLVED", "WITHDRAWN")
    assert alert["resolvedAt"] == "2025-07-20T09:00:00Z"  # when the engine learned of it
    assert standing(caseload, "A-KS-01") == []


def test_a_satisfied_breach_still_stands_for_key_questions() -> None:
    events = [allocated(ALLOCATION), enquiry(at("2025-07-10"), "POLICE_DOMESTIC_ABUSE", "q1")]
    (alert,) = standing(run(events, at("2025-08-01")), "A-KS-01")
    assert alert["resolution"] == "SATISFIED"


def test_open_alerts_follow_a_transfer_and_resolved_ones_keep_their_team() -> None:
    events = [allocated(ALLOCATION, team="team-a"),
              enquiry(at("2025-07-09"), "CHILDRENS_SERVICES", "q1"),  # resolves A-KS-02 late
              event("case.transferred", at("2025-07-15"), team="team-b",
                    practitioner={"id": "PR9", "grade": "PO"})]
    caseload = run(events, at("2025-07-20"))
    (open_alert,) = alerts(caseload, "A-KS-01")
    (resolved,) = alerts(caseload, "A-KS-02")
    assert (open_alert["team"], open_alert["practitionerId"]) == ("team-b", "PR9")
    assert (resolved["team"], resolved["practitionerId"]) == ("team-a", "PR1")


def test_alert_rosh_is_current_while_open() -> None:
    events = [allocated(ALLOCATION, rosh="LOW"), assessment(at("2025-07-20"), rosh="HIGH")]
    (alert,) = alerts(run(events, at("2025-08-01")), "A-KS-01")
    assert alert["rosh"] == "HIGH"


def test_alerts_carry_no_free_text_from_events() -> None:
    secret = "Lives with partner at 12 Acacia Avenue"
    events = [allocated(ALLOCATION, profile={"gender": "F", "ethnicity": secret}),
              event("case.closed", at("2025-07-20"), reason=secret)]
    text = json.dumps(alerts(run(events, at("2025-08-01"))))
    assert "Acacia" not in text
    assert '"F"' not in text


def test_a_satisfier_tied_with_the_resolution_still_decides_the_evidence() -> None:
    """Two contacts at the same instant: the evidence is the lower eventId whatever the order.

    Found by the differential law: a satisfier at exactly the resolution instant was skipped.
    """
    seen = at("2025-07-10")
    late_id = {**contact(seen), "eventId": "e-contact-b"}
    early_id = {**contact(seen), "eventId": "e-contact-a"}
    events = [allocated(ALLOCATION), late_id, early_id]
    evidence = {
        tuple(a["evidence"])
        for order in (events, [events[0], early_id, late_id])
        for a in standing(run(order, at("2025-08-01")), "I-EN-01")
    }
    assert len(evidence) == 1
    assert "e-contact-a" in next(iter(evidence))
