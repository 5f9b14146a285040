"""2.4 Reviewing rules: breach, no breach and resolution for each."""

from tests.support.builders import (
    alerts,
    allocated,
    assessment,
    at,
    enquiry,
    event,
    intelligence,
    review,
    run,
    standing,
)

ALLOCATION = at("2025-07-01")


class TestRiskReviewedAfterIntelligence:
    def test_no_review_within_ten_working_days_breaches(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-07-10"), "ARREST")]
        (alert,) = standing(run(events, at("2025-08-01")), "R-KS-01")
        assert alert["dueDate"] == "2025-07-24"
        assert "ARREST" in alert["summary"]

    def test_a_review_of_risk_in_time_is_no_breach(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-07-10"), "ARREST"),
                  review(at("2025-07-15"))]
        assert alerts(run(events, at("2025-08-01")), "R-KS-01") == []

    def test_a_review_assessment_counts(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-07-10"), "CHARGE"),
                  assessment(at("2025-07-15"), kind="REVIEW")]
        assert alerts(run(events, at("2025-08-01")), "R-KS-01") == []

    def test_a_review_that_ignores_risk_does_not(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-07-10"), "ARREST"),
                  review(at("2025-07-15"), riskOfHarmReviewed=False)]
        assert len(standing(run(events, at("2025-08-01")), "R-KS-01")) == 1

    def test_a_review_before_the_intelligence_does_not(self) -> None:
        events = [allocated(ALLOCATION), review(at("2025-07-09")),
                  intelligence(at("2025-07-10"), "ARREST")]
        assert len(standing(run(events, at("2025-08-01")), "R-KS-01")) == 1

    def test_a_late_review_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-07-10"), "ARREST"),
                  review(at("2025-07-28"))]
        (alert,) = alerts(run(events, at("2025-08-01")), "R-KS-01")
        assert alert["resolution"] == "SATISFIED"


class TestEnquiryAfterChange:
    def test_new_relationship_needs_a_police_enquiry(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-07-10"), "NEW_RELATIONSHIP"),
                  enquiry(at("2025-07-11"), "CHILDRENS_SERVICES", "q1")]
        (alert,) = standing(run(events, at("2025-08-01")), "R-KS-02")
        assert alert["dueDate"] == "2025-07-17"
        assert "police domestic-abuse" in alert["summary"]

    def test_change_in_child_contact_needs_a_childrens_services_enquiry(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-07-10"), "CHILD_CONTACT_CHANGE"),
                  enquiry(at("2025-07-16"), "CHILDRENS_SERVICES", "q1")]
        assert alerts(run(events, at("2025-08-01")), "R-KS-02") == []

    def test_an_arrest_needs_no_enquiry(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-07-10"), "ARREST")]
        assert alerts(run(events, at("2025-08-01")), "R-KS-02") == []

    def test_a_late_enquiry_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-07-10"), "DOMESTIC_INCIDENT"),
                  enquiry(at("2025-07-21"), "POLICE_DOMESTIC_ABUSE", "q1")]
        (alert,) = alerts(run(events, at("2025-08-01")), "R-KS-02")
        assert alert["resolution"] == "SATISFIED"


class TestAgencyInput:
    def test_a_review_of_a_da_case_without_agency_input_breaches(self) -> None:
        events = [allocated(ALLOCATION, registrations=["ADVP"]),
                  review(at("2025-09-01"), agencyInput=[])]
        assert len(standing(run(events), "R-KS-03")) == 1

    def test_a_case_without_flags_or_mappa_is_not_in_scope(self) -> None:
        events = [allocated(ALLOCATION, rosh="HIGH"), review(at("2025-09-01"), agencyInput=[])]
        assert alerts(run(events), "R-KS-03") == []

    def test_a_later_review_with_input_resolves_it(self) -> None:
        events = [allocated(ALLOCATION, registrations=["MAPP"]),
                  review(at("2025-09-01"), agencyInput=[]), review(at("2025-09-10"))]
        (alert,) = alerts(run(events), "R-KS-03")
        assert alert["resolution"] == "SATISFIED"


class TestPersonInRiskReview:
    def test_risk_reviewed_without_the_person_breaches(self) -> None:
        events = [allocated(ALLOCATION), review(at("2025-09-01"), personInvolved=False)]
        assert len(standing(run(events), "R-KS-04")) == 1

    def test_a_review_that_did_not_cover_risk_is_not_in_scope(self) -> None:
        events = [allocated(ALLOCATION),
                  review(at("2025-09-01"), personInvolved=False, riskOfHarmReviewed=False)]
        assert alerts(run(events), "R-KS-04") == []

    def test_a_later_review_with_the_person_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), review(at("2025-09-01"), personInvolved=False),
                  review(at("2025-09-02"))]
        (alert,) = alerts(run(events), "R-KS-04")
        assert alert["resolution"] == "SATISFIED"

    def test_a_later_review_that_skips_risk_does_not_resolve_it(self) -> None:
        skipped = review(at("2025-09-02"), riskOfHarmReviewed=False)
        events = [allocated(ALLOCATION), review(at("2025-09-01"), personInvolved=False), skipped,
                  review(at("2025-09-20"))]
        (still_open,) = alerts(run(events[:3]), "R-KS-04")
        assert (still_open["status"], still_open["resolution"]) == ("OPEN", None)
        (alert,) = alerts(run(events), "R-KS-04")
        assert alert["resolvedAt"] == "2025-09-20T09:00:00Z"
        assert skipped["eventId"] not in alert["evidence"]


class TestReviewOverdue:
    def test_no_review_within_six_months_of_the_first_assessment_breaches(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10"))]
        (alert,) = standing(run(events, at("2026-01-15")), "R-EN-01")
        assert alert["dueDate"] == "2026-01-08"  # 182 days after 10 July 2025

    def test_high_rosh_at_the_anchor_gets_one_hundred_and_twelve_days(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10"), rosh="HIGH")]
        (alert,) = standing(run(events, at("2026-01-15")), "R-EN-01")
        assert alert["dueDate"] == "2025-10-30"

    def test_regular_reviews_are_no_breach(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10")),
                  review(at("2025-12-01")), review(at("2026-05-01"))]
        assert alerts(run(events, at("2026-05-15")), "R-EN-01") == []

    def test_a_late_review_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10")), review(at("2026-01-12"))]
        (alert,) = alerts(run(events, at("2026-01-15")), "R-EN-01")
        assert alert["resolution"] == "SATISFIED"

    def test_no_breach_while_suspended(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-10")),
                  event("supervision.suspended", at("2025-12-01"), exitPlan=True)]
        assert alerts(run(events, at("2026-01-15")), "R-EN-01") == []


class TestPersonInReview:
    def test_review_without_the_person_breaches(self) -> None:
        events = [allocated(ALLOCATION),
                  review(at("2025-09-01"), personInvolved=False, riskOfHarmReviewed=False)]
        (alert,) = standing(run(events), "R-EN-02")
        assert alert["keyQuestion"] == {"standard": "2.4", "question": "engaging"}

    def test_review_with_the_person_is_no_breach(self) -> None:
        assert alerts(run([allocated(ALLOCATION), review(at("2025-09-01"))]), "R-EN-02") == []

    def test_a_later_review_with_the_person_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), review(at("2025-09-01"), personInvolved=False),
                  review(at("2025-09-03"))]
        (alert,) = alerts(run(events), "R-EN-02")
        assert alert["resolution"] == "SATISFIED"


class TestPlanUpdatedAfterChange:
    def test_a_conviction_since_the_last_review_without_a_plan_update_breaches(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-08-01"), "CONVICTION"),
                  review(at("2025-08-10"), planUpdated=False)]
        (alert,) = standing(run(events), "R-DS-01")
        assert "CONVICTION" in alert["summary"]

    def test_a_plan_update_is_no_breach(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-08-01"), "ACCOMMODATION_LOSS"),
                  review(at("2025-08-10"))]
        assert alerts(run(events), "R-DS-01") == []

    def test_changes_before_the_previous_review_do_not_count(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-08-01"), "MENTAL_HEALTH_DECLINE"),
                  review(at("2025-08-05")), review(at("2025-09-10"), planUpdated=False)]
        assert alerts(run(events), "R-DS-01") == []

    def test_other_intelligence_does_not_count(self) -> None:
        events = [allocated(ALLOCATION), intelligence(at("2025-08-01"), "ARREST"),
                  review(at("2025-08-10"), planUpdated=False)]
        assert alerts(run(events), "R-DS-01") == []

    def test_a_later_review_without_the_breach_resolves_it(self) -> None:
        events = [allocated(ALLOCATION),
                  intelligence(at("2025-08-01"), "SUBSTANCE_MISUSE_INCREASE"),
                  review(at("2025-08-10"), planUpdated=False), review(at("2025-08-20"))]
        (alert,) = alerts(run(events), "R-DS-01")
        assert alert["resolution"] == "SATISFIED"
