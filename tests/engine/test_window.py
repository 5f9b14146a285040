"""The supervision window (SPEC §4): obligations before allocation fall at it; none at closure."""

from hypothesis import given
from hypothesis import strategies as st

from tests.support.builders import (
    alerts,
    allocated,
    assessment,
    at,
    contact,
    enquiry,
    event,
    intelligence,
    response,
    run,
    shift,
    standing,
)

ALLOCATION = at("2025-07-01", 15)  # Tuesday, BST: 14:00Z
ALLOCATED_AT_WIRE = "2025-07-01T14:00:00Z"
POLICE = "POLICE_DOMESTIC_ABUSE"
CHILDREN = "CHILDRENS_SERVICES"


def curfew(when: str) -> dict[str, object]:
    return event("requirement.added", when, requirementId="rq1", type="CURFEW")


def both_checks(requested: str, answered: str) -> list[dict[str, object]]:
    return [enquiry(requested, POLICE, "q1"), enquiry(requested, CHILDREN, "q2"),
            response(answered, "q1"), response(answered, "q2")]


class TestCurfewImposedAtSentence:
    def test_a_curfew_an_hour_before_allocation_breaches_at_the_allocation(self) -> None:
        imposed = curfew(at("2025-07-01", 14))
        caseload = run([imposed, allocated(ALLOCATION)], at("2025-07-20"))
        (alert,) = standing(caseload, "A-KS-07")
        assert alert["openedAt"] == ALLOCATED_AT_WIRE
        assert alert["evidence"] == [imposed["eventId"]]
        assert (alert["severity"], alert["status"]) == ("CRITICAL", "OPEN")

    def test_oversight_is_due_five_working_days_after_the_allocation(self) -> None:
        imposed = curfew(at("2025-07-01", 14))
        (follow_up,) = standing(run([imposed, allocated(ALLOCATION)], at("2025-07-20")),
                                "I-KS-03")
        assert follow_up["dueDate"] == "2025-07-08"
        assert follow_up["openedAt"] == "2025-07-08T23:00:00Z"
        assert follow_up["evidence"][0] == imposed["eventId"]
        assert "A-KS-07" in follow_up["summary"]

    def test_the_same_alert_whichever_arrives_first(self) -> None:
        imposed = curfew(at("2025-07-01", 14))
        forwards = alerts(run([imposed, allocated(ALLOCATION)], at("2025-07-20")))
        case = allocated(ALLOCATION)
        backwards = alerts(run([case, {**imposed}], at("2025-07-20")))
        assert [(a["ruleId"], a["openedAt"], a["status"]) for a in forwards] == [
            (a["ruleId"], a["openedAt"], a["status"]) for a in backwards]

    def test_checks_that_arrive_between_the_curfew_and_the_allocation_mean_no_breach(
        self,
    ) -> None:
        events = [curfew(at("2025-06-30", 10)), *both_checks(at("2025-06-30", 9),
                                                             at("2025-06-30", 16)),
                  allocated(ALLOCATION)]
        caseload = run(events, at("2025-08-01"))
        assert alerts(caseload, "A-KS-07") == []
        assert alerts(caseload, "I-KS-03") == []

    def test_checks_after_the_allocation_resolve_it(self) -> None:
        events = [curfew(at("2025-07-01", 9)), allocated(ALLOCATION),
                  *both_checks(ALLOCATION, at("2025-07-03"))]
        (alert,) = alerts(run(events, at("2025-08-01")), "A-KS-07")
        assert (alert["status"], alert["resolution"]) == ("RESOLVED", "SATISFIED")
        assert alert["openedAt"] == ALLOCATED_AT_WIRE
        assert alert["resolvedAt"] == "2025-07-03T09:00:00Z"

    def test_checks_at_the_allocation_instant_resolve_it_there(self) -> None:
        # "Before the breach time" is strict (SPEC §1): a breach moved to the allocation is met
        # only by what happened before it; a satisfier at that instant resolves it at once.
        events = [curfew(at("2025-07-01", 9)), *both_checks(at("2025-07-01", 8), ALLOCATION),
                  allocated(ALLOCATION)]
        (alert,) = alerts(run(events, at("2025-08-01")), "A-KS-07")
        assert alert["openedAt"] == alert["resolvedAt"] == ALLOCATED_AT_WIRE
        assert alert["resolution"] == "SATISFIED"


class TestOtherObligationsBeforeAllocation:
    def test_an_unstarted_referral_long_before_allocation_breaches_at_it(self) -> None:
        made = event("referral.made", at("2025-05-01"), referralId="rf1", service="ACCOMMODATION")
        (alert,) = standing(run([made, allocated(ALLOCATION)], at("2025-07-10")), "I-DS-02")
        assert alert["openedAt"] == ALLOCATED_AT_WIRE
        # 20 working days after Thursday 1 May, past two May bank holidays: the deadline as set.
        assert alert["dueDate"] == "2025-06-02"

    def test_a_referral_started_late_but_before_allocation_is_no_breach(self) -> None:
        made = event("referral.made", at("2025-05-01"), referralId="rf1", service="ACCOMMODATION")
        started = event("referral.started", at("2025-06-20"), referralId="rf1")
        assert alerts(run([made, started, allocated(ALLOCATION)], at("2025-07-10")),
                      "I-DS-02") == []

    def test_a_flawed_pre_sentence_assessment_breaches_at_allocation(self) -> None:
        early = assessment(at("2025-06-20"), personInvolved=False)
        (alert,) = standing(run([early, allocated(ALLOCATION)], at("2025-07-10")), "A-EN-02")
        assert alert["openedAt"] == ALLOCATED_AT_WIRE
        assert alert["evidence"] == [early["eventId"]]

    def test_a_flawed_assessment_replaced_before_allocation_is_no_breach(self) -> None:
        events = [assessment(at("2025-06-20"), personInvolved=False), assessment(at("2025-06-25")),
                  allocated(ALLOCATION)]
        assert alerts(run(events, at("2025-07-10")), "A-EN-02") == []

    def test_a_domestic_incident_reported_before_allocation_needs_a_home_visit(self) -> None:
        events = [intelligence(at("2025-06-30"), "DOMESTIC_INCIDENT"),
                  allocated(ALLOCATION, rosh="LOW", registrations=["ADVP"])]
        # Elevation is read at the intelligence, before the allocation lists ADVP: not elevated.
        assert alerts(run(events, at("2025-08-01")), "I-KS-01") == []
        flagged = [event("registration.added", at("2025-06-01"), code="ADVP"), *events]
        (alert,) = standing(run(flagged, at("2025-08-01")), "I-KS-01")
        assert alert["dueDate"] == "2025-07-14"  # 10 working days after 30 June


class TestClosure:
    def test_a_satisfier_at_the_closure_instant_still_satisfies(self) -> None:
        closing = at("2025-07-15")
        events = [allocated(ALLOCATION), contact(closing),
                  event("case.closed", closing, reason="Order revoked")]
        (alert,) = alerts(run(events, at("2025-08-01")), "I-EN-01")
        assert (alert["resolution"], alert["resolvedAt"]) == ("SATISFIED", "2025-07-15T09:00:00Z")

    def test_nothing_breaches_at_the_closure_instant(self) -> None:
        # I-EN-01 falls due at 00:00 London after 8 July: closing at that very instant prevents it.
        events = [allocated(ALLOCATION), event("case.closed", "2025-07-08T23:00:00Z", reason="x")]
        caseload = run(events, at("2025-08-01"))
        assert standing(caseload, "I-EN-01") == []
        # The clock reached the instant before the closure applied, as a live worker's would:
        # what it published then is withdrawn, not left standing.
        assert {a["resolution"] for a in alerts(caseload)} <= {"WITHDRAWN"}
        later = [allocated(ALLOCATION), event("case.closed", "2025-07-08T23:00:01Z", reason="x")]
        (alert,) = alerts(run(later, at("2025-08-01")), "I-EN-01")
        assert alert["resolution"] == "CASE_CLOSED"

    def test_a_pre_allocation_curfew_on_a_case_closed_at_allocation_breaches_nothing(self) -> None:
        events = [curfew(at("2025-07-01", 9)), allocated(ALLOCATION),
                  event("case.closed", ALLOCATION, reason="Sentence quashed")]
        caseload = run(events, at("2025-08-01"))
        assert [a for a in alerts(caseload) if a["resolution"] != "WITHDRAWN"] == []
        closed_first = [events[0], events[2], events[1]]
        assert alerts(run(closed_first, at("2025-08-01"))) == []


@given(hours_before=st.integers(1, 24 * 60), checked=st.booleans())
def test_any_obligation_before_allocation_opens_no_earlier_than_it(
    hours_before: int, checked: bool
) -> None:
    imposed = curfew(shift(ALLOCATION, hours=-hours_before))
    extra = both_checks(shift(ALLOCATION, hours=-hours_before - 2),
                        shift(ALLOCATION, hours=-hours_before + 1)) if checked else []
    caseload = run([imposed, *extra, allocated(ALLOCATION)], at("2025-12-01"))
    found = alerts(caseload)
    assert all(a["openedAt"] >= ALLOCATED_AT_WIRE for a in found)
    checks_before = checked and hours_before > 1
    assert len(standing(caseload, "A-KS-07")) == (0 if checks_before else 1)
    oversight = standing(caseload, "I-KS-03")  # five working days after Tuesday 1 July
    assert [a["dueDate"] for a in oversight] == ([] if checks_before else ["2025-07-08"])
