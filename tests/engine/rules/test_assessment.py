"""2.1 Assessment rules: breach, no breach and resolution for each."""


import pytest

from tests.support.builders import (
    alerts,
    allocated,
    assessment,
    at,
    enquiry,
    event,
    response,
    run,
    standing,
)

ALLOCATION = at("2025-07-01")  # Tuesday, BST
POLICE = "POLICE_DOMESTIC_ABUSE"
CHILDREN = "CHILDRENS_SERVICES"


class TestEnquiriesAtAllocation:
    def test_breaches_at_london_midnight_after_five_working_days(self) -> None:
        caseload = run([allocated(ALLOCATION)], at("2025-07-09", 12))
        (alert,) = standing(caseload, "A-KS-01")
        assert alert["openedAt"] == "2025-07-08T23:00:00Z"
        assert alert["dueDate"] == "2025-07-08"
        assert alert["status"] == "OPEN"
        assert alert["severity"] == "HIGH"
        assert alert["keyQuestion"] == {"standard": "2.1", "question": "keeping_safe"}
        assert len(standing(caseload, "A-KS-02")) == 1

    def test_not_breached_before_the_breach_time(self) -> None:
        assert alerts(run([allocated(ALLOCATION)], at("2025-07-08", 23, 59)), "A-KS-01") == []

    def test_an_enquiry_on_the_due_date_satisfies_it(self) -> None:
        events = [allocated(ALLOCATION), enquiry(at("2025-07-08", 23, 30), POLICE, "q1"),
                  enquiry(at("2025-07-02"), CHILDREN, "q2")]
        caseload = run(events, at("2025-08-01"))
        assert alerts(caseload, "A-KS-01") == []
        assert alerts(caseload, "A-KS-02") == []

    def test_an_enquiry_made_before_allocation_counts(self) -> None:
        events = [enquiry(at("2025-06-20"), POLICE, "q1"), allocated(ALLOCATION)]
        assert alerts(run(events, at("2025-08-01")), "A-KS-01") == []

    def test_a_late_enquiry_resolves_it(self) -> None:
        late = enquiry(at("2025-07-10"), CHILDREN, "q2")
        (alert,) = alerts(run([allocated(ALLOCATION), late], at("2025-08-01")), "A-KS-02")
        assert (alert["status"], alert["resolution"]) == ("RESOLVED", "SATISFIED")
        assert alert["resolvedAt"] == "2025-07-10T09:00:00Z"
        assert late["eventId"] in alert["evidence"]

    def test_deadline_straddling_the_late_summer_bank_holiday(self) -> None:
        # Fri 22 Aug + 5 working days skips Mon 25 Aug: due Mon 1 Sep, not Fri 29 Aug.
        events = [allocated(at("2025-08-22")), enquiry(at("2025-09-01", 16), POLICE, "q1")]
        assert alerts(run(events, at("2025-09-10")), "A-KS-01") == []
        (alert,) = alerts(run(events[:1], at("2025-09-10")), "A-KS-01")
        assert alert["dueDate"] == "2025-09-01"


    def test_deadline_straddling_the_end_of_british_summer_time(self) -> None:
        # Mon 20 Oct + 5 working days = Mon 27 Oct, after the clocks go back on Sun 26 Oct:
        # the breach is midnight GMT, 00:00Z, not 23:00Z as it would be in summer.
        (alert,) = alerts(run([allocated(at("2025-10-20"))], at("2025-11-01")), "A-KS-01")
        assert (alert["dueDate"], alert["openedAt"]) == ("2025-10-27", "2025-10-28T00:00:00Z")
        late_evening = enquiry(at("2025-10-27", 23, 45), POLICE, "q1")
        caseload = run([allocated(at("2025-10-20")), late_evening], at("2025-11-01"))
        assert alerts(caseload, "A-KS-01") == []

    def test_deadline_straddling_the_start_of_british_summer_time(self) -> None:
        # Mon 24 Mar + 5 working days = Mon 31 Mar, in BST: the breach is 23:00Z on 31 March.
        (alert,) = alerts(run([allocated(at("2025-03-24"))], at("2025-04-05")), "A-KS-01")
        assert (alert["dueDate"], alert["openedAt"]) == ("2025-03-31", "2025-03-31T23:00:00Z")


class TestEnquiryResponses:
    def test_no_response_in_ten_working_days_breaches(self) -> None:
        events = [allocated(ALLOCATION), enquiry(ALLOCATION, POLICE, "q1")]
        (alert,) = standing(run(events, at("2025-07-20")), "A-KS-03")
        assert alert["dueDate"] == "2025-07-15"

    def test_a_timely_response_of_any_outcome_satisfies_it(self) -> None:
        events = [allocated(ALLOCATION), enquiry(ALLOCATION, POLICE, "q1"),
                  response(at("2025-07-15"), "q1", "INSUFFICIENT_DETAIL")]
        assert alerts(run(events, at("2025-07-20")), "A-KS-03") == []

    def test_a_response_to_another_enquiry_does_not(self) -> None:
        events = [allocated(ALLOCATION), enquiry(ALLOCATION, POLICE, "q1"),
                  response(at("2025-07-03"), "other")]
        assert len(standing(run(events, at("2025-07-20")), "A-KS-03")) == 1

    def test_a_late_response_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), enquiry(ALLOCATION, POLICE, "q1"),
                  response(at("2025-07-17"), "q1")]
        (alert,) = alerts(run(events, at("2025-07-20")), "A-KS-03")
        assert alert["resolution"] == "SATISFIED"


class TestThinResponses:
    def test_insufficient_detail_raises_an_immediate_alert(self) -> None:
        thin = response(at("2025-07-03"), "q1", "INSUFFICIENT_DETAIL")
        events = [allocated(ALLOCATION), enquiry(ALLOCATION, POLICE, "q1"), thin]
        (alert,) = standing(run(events), "A-KS-04")
        assert alert["openedAt"] == "2025-07-03T09:00:00Z"
        assert alert["dueDate"] is None
        assert "police domestic-abuse" in alert["summary"]

    def test_a_usable_response_raises_nothing(self) -> None:
        events = [allocated(ALLOCATION), enquiry(ALLOCATION, POLICE, "q1"),
                  response(at("2025-07-03"), "q1", "CONCERNS")]
        assert alerts(run(events), "A-KS-04") == []

    def test_a_later_usable_response_from_the_same_agency_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), enquiry(ALLOCATION, POLICE, "q1"),
                  response(at("2025-07-03"), "q1", "INSUFFICIENT_DETAIL"),
                  enquiry(at("2025-07-04"), CHILDREN, "q2"), response(at("2025-07-05"), "q2"),
                  enquiry(at("2025-07-07"), POLICE, "q3")]
        (alert,) = alerts(run(events), "A-KS-04")
        assert alert["status"] == "OPEN"  # children's services answering is not the police
        events.append(response(at("2025-07-09"), "q3"))
        (alert,) = alerts(run(events), "A-KS-04")
        assert (alert["resolution"], alert["resolvedAt"]) == ("SATISFIED", "2025-07-09T09:00:00Z")


class TestInformationUsed:
    @pytest.mark.parametrize("code", ["ADVP", "REG30"])
    def test_da_flag_without_police_information_breaches(self, code: str) -> None:
        events = [allocated(ALLOCATION, registrations=[code]), assessment(at("2025-07-10"))]
        (alert,) = standing(run(events), "A-KS-05")
        assert "no usable police domestic-abuse information" in alert["summary"]

    def test_domestic_abuse_history_added_later_sets_the_flag_until_removed(self) -> None:
        """REG30, as HMPPS's tiering reads it (SPEC §3, 2026-12-03): a flag while registered."""
        events = [allocated(ALLOCATION), event("registration.added", at("2025-07-03"),
                                               code="REG30"),
                  assessment(at("2025-07-10"))]
        assert len(standing(run(events), "A-KS-05")) == 1
        events.insert(2, event("registration.removed", at("2025-07-05"), code="REG30"))
        assert standing(run(events), "A-KS-05") == []

    def test_a_response_held_but_not_used_breaches(self) -> None:
        events = [allocated(ALLOCATION), enquiry(ALLOCATION, CHILDREN, "q1"),
                  response(at("2025-07-04"), "q1"), assessment(at("2025-07-10"))]
        (alert,) = standing(run(events), "A-KS-05")
        assert "children's services response was not used" in alert["summary"]

    def test_used_information_and_no_flags_is_no_breach(self) -> None:
        events = [allocated(ALLOCATION, registrations=["ADVP"]),
                  enquiry(ALLOCATION, POLICE, "q1"), response(at("2025-07-04"), "q1"),
                  assessment(at("2025-07-10"),
                             sourcesUsed=["POLICE_DOMESTIC_ABUSE", "PREVIOUS_CONVICTIONS"])]
        assert alerts(run(events), "A-KS-05") == []

    def test_a_thin_response_is_not_information_held(self) -> None:
        events = [allocated(ALLOCATION, registrations=["RCCO"]),
                  enquiry(ALLOCATION, CHILDREN, "q1"),
                  response(at("2025-07-04"), "q1", "INSUFFICIENT_DETAIL"),
                  assessment(at("2025-07-10"))]
        assert len(standing(run(events), "A-KS-05")) == 1

    def test_a_later_assessment_that_uses_it_resolves_it(self) -> None:
        later = assessment(at("2025-07-20"), sourcesUsed=["POLICE_DOMESTIC_ABUSE"])
        events = [allocated(ALLOCATION, registrations=["ADVP"]),
                  assessment(at("2025-07-10")), enquiry(at("2025-07-11"), POLICE, "q1"),
                  response(at("2025-07-15"), "q1"), later]
        (alert,) = alerts(run(events), "A-KS-05")
        assert alert["resolution"] == "SATISFIED"
        assert alert["evidence"][-1] == later["eventId"]


class TestRiskAnalysed:
    def test_medium_rosh_without_who_is_at_risk_breaches(self) -> None:
        events = [allocated(ALLOCATION),
                  assessment(at("2025-07-10"), rosh="MEDIUM", whoAtRiskRecorded=False)]
        (alert,) = standing(run(events), "A-KS-06")
        assert "who is at risk" in alert["summary"]

    def test_empty_risk_to_breaches(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10"), rosh="HIGH", riskTo=[])]
        assert len(standing(run(events), "A-KS-06")) == 1

    def test_low_rosh_is_not_in_scope(self) -> None:
        events = [allocated(ALLOCATION),
                  assessment(at("2025-07-10"), rosh="LOW", whoAtRiskRecorded=False)]
        assert alerts(run(events), "A-KS-06") == []

    def test_a_later_complete_assessment_resolves_it(self) -> None:
        events = [allocated(ALLOCATION),
                  assessment(at("2025-07-10"), rosh="MEDIUM", natureOfRiskRecorded=False),
                  assessment(at("2025-07-12"), rosh="MEDIUM")]
        (alert,) = alerts(run(events), "A-KS-06")
        assert alert["resolution"] == "SATISFIED"


class TestCurfewChecks:
    def curfew(self, when: str) -> dict[str, object]:
        return event("requirement.added", when, requirementId="rq1", type="CURFEW")

    def test_a_curfew_without_both_checks_is_critical(self) -> None:
        events = [allocated(ALLOCATION), enquiry(ALLOCATION, POLICE, "q1"),
                  response(at("2025-07-02"), "q1"), self.curfew(at("2025-07-03"))]
        (alert,) = standing(run(events), "A-KS-07")
        assert alert["severity"] == "CRITICAL"
        assert "children's services" in alert["summary"]
        assert "police" not in alert["summary"]

    def test_a_curfew_after_both_usable_responses_is_fine(self) -> None:
        events = [allocated(ALLOCATION), enquiry(ALLOCATION, POLICE, "q1"),
                  enquiry(ALLOCATION, CHILDREN, "q2"), response(at("2025-07-02"), "q1"),
                  response(at("2025-07-03", 9), "q2", "CONCERNS"),
                  self.curfew(at("2025-07-03", 9))]
        assert alerts(run(events), "A-KS-07") == []

    def test_resolved_when_both_responses_are_in(self) -> None:
        events = [allocated(ALLOCATION), self.curfew(ALLOCATION),
                  enquiry(ALLOCATION, POLICE, "q1"), enquiry(ALLOCATION, CHILDREN, "q2"),
                  response(at("2025-07-04"), "q1"), response(at("2025-07-08"), "q2")]
        (alert,) = alerts(run(events), "A-KS-07")
        assert (alert["resolution"], alert["resolvedAt"]) == ("SATISFIED", "2025-07-08T09:00:00Z")

    def test_other_requirements_are_not_curfews(self) -> None:
        events = [allocated(ALLOCATION),
                  event("requirement.added", ALLOCATION, requirementId="r", type="UNPAID_WORK")]
        assert alerts(run(events), "A-KS-07") == []


class TestAssessmentOverdue:
    def test_no_assessment_in_twenty_working_days_breaches(self) -> None:
        (alert,) = standing(run([allocated(ALLOCATION)], at("2025-08-01")), "A-EN-01")
        assert alert["dueDate"] == "2025-07-29"
        assert alert["keyQuestion"]["question"] == "engaging"

    def test_an_assessment_on_the_due_date_is_in_time(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-29", 17))]
        assert alerts(run(events, at("2025-08-01")), "A-EN-01") == []

    def test_a_late_assessment_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-31"))]
        (alert,) = alerts(run(events, at("2025-08-01")), "A-EN-01")
        assert alert["resolution"] == "SATISFIED"


class TestPersonalised:
    def test_person_not_involved_breaches(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10"), personInvolved=False)]
        (alert,) = standing(run(events), "A-EN-02")
        assert alert["severity"] == "LOW"

    def test_diversity_not_considered_breaches(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10"), diversityConsidered=False)]
        assert len(standing(run(events), "A-EN-02")) == 1

    def test_a_complete_assessment_is_no_breach_and_resolves_an_earlier_one(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10"), personInvolved=False),
                  assessment(at("2025-07-11"))]
        (alert,) = alerts(run(events), "A-EN-02")
        assert alert["resolution"] == "SATISFIED"


class TestDesistanceFactors:
    def test_no_strengths_breaches(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10"), strengthsIdentified=False)]
        assert len(standing(run(events), "A-DS-01")) == 1

    def test_previous_convictions_not_used_breaches(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10"), sourcesUsed=[])]
        (alert,) = standing(run(events), "A-DS-01")
        assert alert["keyQuestion"] == {"standard": "2.1", "question": "desistance"}

    def test_a_good_assessment_is_no_breach_and_resolves_an_earlier_one(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10"), sourcesUsed=[]),
                  assessment(at("2025-07-12"))]
        (alert,) = alerts(run(events), "A-DS-01")
        assert alert["resolution"] == "SATISFIED"
