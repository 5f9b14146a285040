"""2.3 Implementation and delivery rules: breach, no breach and resolution for each."""

from tests.support.builders import (
    alerts,
    allocated,
    assessment,
    at,
    contact,
    enquiry,
    event,
    intelligence,
    oversight,
    plan,
    response,
    run,
    standing,
)

ALLOCATION = at("2025-07-01")


def suspended(when: str, exit_plan: bool = True) -> dict[str, object]:
    return event("supervision.suspended", when, exitPlan=exit_plan)


def resumed(when: str) -> dict[str, object]:
    return event("supervision.resumed", when)


class TestHomeVisits:
    def test_high_rosh_at_allocation_needs_a_visit_within_fifteen_days(self) -> None:
        (alert,) = standing(run([allocated(ALLOCATION, rosh="HIGH")], at("2025-07-20")),
                            "I-KS-01")
        assert alert["dueDate"] == "2025-07-16"
        assert "allocation at high RoSH" in alert["summary"]

    def test_medium_rosh_at_allocation_gets_forty_two_days(self) -> None:
        (alert,) = standing(run([allocated(ALLOCATION, rosh="MEDIUM")], at("2025-08-20")),
                            "I-KS-01")
        assert alert["dueDate"] == "2025-08-12"

    def test_an_attended_home_visit_in_time_is_no_breach(self) -> None:
        events = [allocated(ALLOCATION, rosh="HIGH"), contact(at("2025-07-10"), "HOME_VISIT")]
        assert alerts(run(events, at("2025-08-01")), "I-KS-01") == []

    def test_an_office_visit_or_a_missed_home_visit_does_not_count(self) -> None:
        events = [allocated(ALLOCATION, rosh="HIGH"), contact(at("2025-07-10"), "OFFICE"),
                  contact(at("2025-07-11"), "HOME_VISIT", "FAILED_TO_ATTEND")]
        assert len(standing(run(events, at("2025-08-01")), "I-KS-01")) == 1

    def test_a_late_visit_resolves_it(self) -> None:
        events = [allocated(ALLOCATION, rosh="HIGH"), contact(at("2025-07-18"), "HOME_VISIT")]
        (alert,) = alerts(run(events, at("2025-08-01")), "I-KS-01")
        assert alert["resolution"] == "SATISFIED"

    def test_low_rosh_without_new_concerns_needs_no_visit(self) -> None:
        events = [allocated(ALLOCATION, rosh="LOW", registrations=["ADVP"])]
        assert alerts(run(events, at("2025-12-01")), "I-KS-01") == []

    def test_rosh_rising_to_high_starts_a_fifteen_day_clock(self) -> None:
        events = [allocated(ALLOCATION, rosh="LOW"), assessment(at("2025-07-10"), rosh="HIGH")]
        (alert,) = standing(run(events, at("2025-08-01")), "I-KS-01")
        assert alert["dueDate"] == "2025-07-25"
        assert "RoSH rising" in alert["summary"]

    def test_a_new_domestic_abuse_registration_needs_a_visit_in_ten_working_days(self) -> None:
        events = [allocated(ALLOCATION, rosh="LOW"),
                  event("registration.added", at("2025-07-10"), code="ADVP")]
        (alert,) = standing(run(events, at("2025-08-01")), "I-KS-01")
        assert alert["dueDate"] == "2025-07-24"

    def test_new_relationship_on_an_elevated_case_needs_a_visit(self) -> None:
        events = [allocated(ALLOCATION, rosh="LOW", registrations=["RCCO"]),
                  intelligence(at("2025-07-10"), "NEW_RELATIONSHIP"),
                  contact(at("2025-07-24"), "HOME_VISIT")]
        assert alerts(run(events, at("2025-08-01")), "I-KS-01") == []
        assert len(standing(run(events[:2], at("2025-08-01")), "I-KS-01")) == 1

    def test_new_relationship_on_a_case_that_is_not_elevated_is_not_a_trigger(self) -> None:
        events = [allocated(ALLOCATION, rosh="LOW"),
                  intelligence(at("2025-07-10"), "NEW_RELATIONSHIP")]
        assert alerts(run(events, at("2025-08-01")), "I-KS-01") == []


class TestContactGaps:
    def test_no_contact_for_twenty_eight_days_on_an_elevated_case_breaches(self) -> None:
        events = [allocated(ALLOCATION, rosh="MEDIUM"), contact(at("2025-07-02"))]
        (alert,) = standing(run(events, at("2025-08-05")), "I-KS-02")
        assert alert["dueDate"] == "2025-07-30"
        assert alert["evidence"] == [events[1]["eventId"]]

    def test_high_rosh_gets_fourteen_days(self) -> None:
        events = [allocated(ALLOCATION, rosh="HIGH"), contact(at("2025-07-02"))]
        (alert,) = standing(run(events, at("2025-08-05")), "I-KS-02")
        assert alert["dueDate"] == "2025-07-16"

    def test_the_plan_contact_frequency_applies_from_the_next_anchor(self) -> None:
        events = [allocated(ALLOCATION, rosh="MEDIUM"),
                  plan(at("2025-07-01", 12), contactFrequencyDays=7), contact(at("2025-07-02"))]
        (alert,) = standing(run(events, at("2025-07-20")), "I-KS-02")
        assert alert["dueDate"] == "2025-07-09"

    def test_regular_contact_is_no_breach(self) -> None:
        events = [allocated(ALLOCATION, rosh="MEDIUM")] + [
            contact(at(f"2025-07-{day:02d}")) for day in (2, 20)
        ] + [contact(at("2025-08-10"))]
        assert alerts(run(events, at("2025-08-20")), "I-KS-02") == []

    def test_a_missed_appointment_is_not_contact(self) -> None:
        events = [allocated(ALLOCATION, rosh="MEDIUM"), contact(at("2025-07-02")),
                  contact(at("2025-07-20"), outcome="FAILED_TO_ATTEND")]
        assert len(standing(run(events, at("2025-08-05")), "I-KS-02")) == 1

    def test_the_next_attended_contact_resolves_it(self) -> None:
        events = [allocated(ALLOCATION, rosh="MEDIUM"), contact(at("2025-07-02")),
                  contact(at("2025-08-04"))]
        (alert,) = alerts(run(events, at("2025-08-05")), "I-KS-02")
        assert (alert["resolution"], alert["resolvedAt"]) == ("SATISFIED", "2025-08-04T09:00:00Z")

    def test_a_low_risk_case_is_not_in_scope(self) -> None:
        events = [allocated(ALLOCATION, rosh="LOW"), contact(at("2025-07-02"))]
        assert alerts(run(events, at("2025-10-01")), "I-KS-02") == []

    def test_no_breach_while_suspended_and_a_new_clock_on_resumption(self) -> None:
        events = [allocated(ALLOCATION, rosh="MEDIUM"), contact(at("2025-07-02")),
                  suspended(at("2025-07-20"))]
        assert alerts(run(events, at("2025-09-01")), "I-KS-02") == []
        events.append(resumed(at("2025-08-20")))
        (alert,) = standing(run(events, at("2025-10-01")), "I-KS-02")
        assert alert["dueDate"] == "2025-09-17"


class TestOversight:
    def test_high_risk_at_allocation_needs_oversight_in_ten_working_days(self) -> None:
        (alert,) = standing(run([allocated(ALLOCATION, rosh="HIGH")], at("2025-07-20")),
                            "I-KS-03")
        assert alert["dueDate"] == "2025-07-15"

    def test_oversight_in_time_is_no_breach(self) -> None:
        events = [allocated(ALLOCATION, registrations=["MAPP"]), oversight(at("2025-07-10"))]
        assert alerts(run(events, at("2025-07-20")), "I-KS-03") == []

    def test_late_oversight_resolves_it(self) -> None:
        events = [allocated(ALLOCATION, registrations=["RCPR"]), oversight(at("2025-07-17"))]
        (alert,) = alerts(run(events, at("2025-07-20")), "I-KS-03")
        assert alert["resolution"] == "SATISFIED"

    def test_becoming_high_risk_starts_a_clock(self) -> None:
        events = [allocated(ALLOCATION), oversight(at("2025-07-02")),
                  event("registration.added", at("2025-07-10"), code="RHRH")]
        (alert,) = standing(run(events, at("2025-08-01")), "I-KS-03")
        assert alert["dueDate"] == "2025-07-24"

    def test_a_critical_breach_needs_oversight_in_five_working_days(self) -> None:
        curfew = event("requirement.added", at("2025-07-03"), requirementId="rq", type="CURFEW")
        (alert,) = standing(run([allocated(ALLOCATION), curfew], at("2025-07-20")), "I-KS-03")
        assert alert["dueDate"] == "2025-07-10"
        assert "A-KS-07" in alert["summary"]

    def test_withdrawing_the_critical_breach_withdraws_this_too(self) -> None:
        curfew = event("requirement.added", at("2025-07-03"), requirementId="rq", type="CURFEW")
        late_checks = [enquiry(ALLOCATION, "POLICE_DOMESTIC_ABUSE", "q1"),
                       enquiry(ALLOCATION, "CHILDRENS_SERVICES", "q2"),
                       response(at("2025-07-02"), "q1"), response(at("2025-07-02"), "q2")]
        caseload = run([allocated(ALLOCATION), curfew,
                        allocated(at("2025-07-20"), crn="Y000001"), *late_checks])
        (critical,) = alerts(caseload, "A-KS-07")
        (follow_up,) = alerts(caseload, "I-KS-03")
        assert critical["resolution"] == follow_up["resolution"] == "WITHDRAWN"


class TestSuspensionOfHighRisk:
    def test_suspending_a_mappa_case_is_critical(self) -> None:
        events = [allocated(ALLOCATION, rosh="MEDIUM", registrations=["MAPP"]),
                  suspended(at("2025-08-01"))]
        (alert,) = standing(run(events), "I-KS-04")
        assert alert["severity"] == "CRITICAL"
        assert "MAPPA" in alert["summary"]

    def test_suspending_a_very_high_rosh_case_is_critical(self) -> None:
        events = [allocated(ALLOCATION, rosh="VERY_HIGH"), suspended(at("2025-08-01"))]
        assert len(standing(run(events), "I-KS-04")) == 1

    def test_suspending_a_low_risk_case_is_allowed(self) -> None:
        events = [allocated(ALLOCATION, rosh="LOW"), suspended(at("2025-08-01"))]
        assert alerts(run(events), "I-KS-04") == []

    def test_resumption_resolves_it(self) -> None:
        events = [allocated(ALLOCATION, rosh="VERY_HIGH"), suspended(at("2025-08-01")),
                  resumed(at("2025-08-02"))]
        (alert,) = alerts(run(events), "I-KS-04")
        assert alert["resolution"] == "SATISFIED"


class TestExitPlan:
    def test_suspension_without_exit_plan_breaches(self) -> None:
        events = [allocated(ALLOCATION), suspended(at("2025-08-01"), exit_plan=False)]
        assert len(standing(run(events), "I-KS-05")) == 1

    def test_suspension_with_exit_plan_is_no_breach(self) -> None:
        events = [allocated(ALLOCATION), suspended(at("2025-08-01"))]
        assert alerts(run(events), "I-KS-05") == []

    def test_resumption_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), suspended(at("2025-08-01"), exit_plan=False),
                  resumed(at("2025-09-01"))]
        (alert,) = alerts(run(events), "I-KS-05")
        assert alert["resolution"] == "SATISFIED"


class TestFirstContact:
    def test_not_seen_within_five_working_days_breaches(self) -> None:
        (alert,) = standing(run([allocated(ALLOCATION)], at("2025-07-10")), "I-EN-01")
        assert alert["dueDate"] == "2025-07-08"

    def test_a_missed_induction_is_not_being_seen(self) -> None:
        events = [allocated(ALLOCATION),
                  contact(at("2025-07-02"), "INDUCTION", "FAILED_TO_ATTEND")]
        assert len(standing(run(events, at("2025-07-10")), "I-EN-01")) == 1

    def test_an_attended_induction_in_time_is_no_breach(self) -> None:
        events = [allocated(ALLOCATION), contact(at("2025-07-03"), "INDUCTION")]
        assert alerts(run(events, at("2025-07-10")), "I-EN-01") == []

    def test_a_late_contact_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), contact(at("2025-07-09"), "INDUCTION")]
        (alert,) = alerts(run(events, at("2025-07-10")), "I-EN-01")
        assert alert["resolution"] == "SATISFIED"


class TestMissedAppointments:
    def test_no_follow_up_within_two_working_days_breaches(self) -> None:
        events = [allocated(ALLOCATION), contact(at("2025-07-03"), outcome="FAILED_TO_ATTEND")]
        (alert,) = standing(run(events, at("2025-07-10")), "I-EN-02")
        assert alert["dueDate"] == "2025-07-07"  # Thu + 2 working days over the weekend

    def test_any_later_contact_is_a_follow_up(self) -> None:
        events = [allocated(ALLOCATION), contact(at("2025-07-03"), outcome="FAILED_TO_ATTEND"),
                  contact(at("2025-07-04"), "TELEPHONE", "NOT_APPLICABLE")]
        assert alerts(run(events, at("2025-07-10")), "I-EN-02") == []

    def test_a_late_follow_up_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), contact(at("2025-07-03"), outcome="FAILED_TO_ATTEND"),
                  contact(at("2025-07-09"))]
        (alert,) = alerts(run(events, at("2025-07-10")), "I-EN-02")
        assert alert["resolution"] == "SATISFIED"


class TestRequirementsStarted:
    def added(self, kind: str = "UNPAID_WORK") -> dict[str, object]:
        return event("requirement.added", ALLOCATION, requirementId="rq1", type=kind)

    def test_not_started_in_thirty_days_breaches(self) -> None:
        (alert,) = standing(run([allocated(ALLOCATION), self.added()], at("2025-08-05")),
                            "I-DS-01")
        assert alert["dueDate"] == "2025-07-31"
        assert "UNPAID_WORK" in alert["summary"]

    def test_started_in_time_is_no_breach(self) -> None:
        events = [allocated(ALLOCATION), self.added(),
                  event("requirement.started", at("2025-07-31"), requirementId="rq1")]
        assert alerts(run(events, at("2025-08-05")), "I-DS-01") == []

    def test_a_late_start_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), self.added(),
                  event("requirement.started", at("2025-08-04"), requirementId="rq1")]
        (alert,) = alerts(run(events, at("2025-08-05")), "I-DS-01")
        assert alert["resolution"] == "SATISFIED"

    def test_a_curfew_has_no_start_to_wait_for(self) -> None:
        assert alerts(run([allocated(ALLOCATION), self.added("CURFEW")], at("2025-09-01")),
                      "I-DS-01") == []


class TestReferralsStarted:
    def made(self) -> dict[str, object]:
        return event("referral.made", ALLOCATION, referralId="rf1", service="FINANCE_BENEFIT_DEBT")

    def test_not_started_in_twenty_working_days_breaches(self) -> None:
        (alert,) = standing(run([allocated(ALLOCATION), self.made()], at("2025-08-05")),
                            "I-DS-02")
        assert alert["dueDate"] == "2025-07-29"

    def test_started_in_time_is_no_breach(self) -> None:
        events = [allocated(ALLOCATION), self.made(),
                  event("referral.started", at("2025-07-20"), referralId="rf1")]
        assert alerts(run(events, at("2025-08-05")), "I-DS-02") == []

    def test_a_late_start_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), self.made(),
                  event("referral.started", at("2025-08-01"), referralId="rf1")]
        (alert,) = alerts(run(events, at("2025-08-05")), "I-DS-02")
        assert alert["resolution"] == "SATISFIED"


class TestNeedsReferred:
    def test_an_assessed_need_without_a_referral_breaches(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10"), needs=["DRUGS"])]
        (alert,) = standing(run(events, at("2025-08-20")), "I-DS-03")
        assert alert["dueDate"] == "2025-08-07"
        assert "DEPENDENCY_RECOVERY" in alert["summary"]

    def test_a_referral_since_allocation_meets_it(self) -> None:
        events = [allocated(ALLOCATION),
                  event("referral.made", at("2025-07-02"), referralId="rf",
                        service="MENTAL_HEALTH"),
                  assessment(at("2025-07-10"), needs=["MENTAL_HEALTH"])]
        assert alerts(run(events, at("2025-08-20")), "I-DS-03") == []

    def test_a_treatment_requirement_meets_a_dependency_need(self) -> None:
        events = [allocated(ALLOCATION),
                  event("requirement.added", ALLOCATION, requirementId="r",
                        type="ALCOHOL_TREATMENT"),
                  assessment(at("2025-07-10"), needs=["DRUGS", "ALCOHOL"])]
        assert alerts(run(events, at("2025-08-20")), "I-DS-03") == []

    def test_a_referral_before_allocation_does_not(self) -> None:
        events = [event("referral.made", at("2025-06-20"), referralId="rf",
                        service="ACCOMMODATION"),
                  allocated(ALLOCATION), assessment(at("2025-07-10"), needs=["ACCOMMODATION"])]
        assert len(standing(run(events, at("2025-08-20")), "I-DS-03")) == 1

    def test_needs_without_a_service_are_not_in_scope(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10"), needs=["ATTITUDES"])]
        assert alerts(run(events, at("2025-09-20")), "I-DS-03") == []

    def test_a_late_referral_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10"), needs=["FINANCE"]),
                  event("referral.made", at("2025-08-11"), referralId="rf",
                        service="FINANCE_BENEFIT_DEBT")]
        (alert,) = alerts(run(events, at("2025-08-20")), "I-DS-03")
        assert alert["resolution"] == "SATISFIED"
