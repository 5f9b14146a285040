"""2.2 Planning rules: breach, no breach and resolution for each."""

from tests.support.builders import alerts, allocated, assessment, at, plan, run, standing

ALLOCATION = at("2025-07-01")


class TestContingency:
    def test_elevated_case_without_contingency_breaches(self) -> None:
        events = [allocated(ALLOCATION, rosh="MEDIUM"),
                  plan(at("2025-07-10"), contingencyPlan=False)]
        (alert,) = standing(run(events), "P-KS-01")
        assert alert["keyQuestion"] == {"standard": "2.2", "question": "keeping_safe"}

    def test_low_risk_case_without_flags_is_not_in_scope(self) -> None:
        events = [allocated(ALLOCATION, rosh="LOW"), plan(at("2025-07-10"), contingencyPlan=False)]
        assert alerts(run(events), "P-KS-01") == []

    def test_a_flag_makes_the_case_elevated(self) -> None:
        events = [allocated(ALLOCATION, rosh="LOW", registrations=["RCHD"]),
                  plan(at("2025-07-10"), contingencyPlan=False)]
        assert len(standing(run(events), "P-KS-01")) == 1

    def test_a_later_plan_with_contingency_resolves_it(self) -> None:
        events = [allocated(ALLOCATION, rosh="HIGH"),
                  plan(at("2025-07-10"), contingencyPlan=False), plan(at("2025-07-14"))]
        (alert,) = alerts(run(events), "P-KS-01")
        assert alert["resolution"] == "SATISFIED"


class TestVictimSafety:
    def test_people_at_risk_without_victim_safety_planning_breaches(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-08"), riskTo=["PARTNER"]),
                  plan(at("2025-07-10"), victimSafetyPlanning=False)]
        (alert,) = standing(run(events), "P-KS-02")
        assert "victim safety planning" in alert["summary"]

    def test_no_risk_of_harm_objective_breaches(self) -> None:
        events = [allocated(ALLOCATION, registrations=["ADVP"]),
                  plan(at("2025-07-10"), objectives=[{"area": "ENGAGEMENT"}])]
        (alert,) = standing(run(events), "P-KS-02")
        assert "risk-of-harm objective" in alert["summary"]

    def test_no_identifiable_people_at_risk_is_not_in_scope(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-08"), riskTo=["PUBLIC"]),
                  plan(at("2025-07-10"), victimSafetyPlanning=False, objectives=[])]
        assert alerts(run(events), "P-KS-02") == []

    def test_a_later_complete_plan_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-08"), riskTo=["CHILDREN"]),
                  plan(at("2025-07-10"), victimSafetyPlanning=False), plan(at("2025-07-11"))]
        (alert,) = alerts(run(events), "P-KS-02")
        assert alert["resolution"] == "SATISFIED"


class TestPlanOverdue:
    def test_no_plan_in_twenty_working_days_breaches(self) -> None:
        (alert,) = standing(run([allocated(ALLOCATION)], at("2025-08-01")), "P-EN-01")
        assert alert["dueDate"] == "2025-07-29"

    def test_a_plan_in_time_is_no_breach(self) -> None:
        events = [allocated(ALLOCATION), plan(at("2025-07-20"))]
        assert alerts(run(events, at("2025-08-01")), "P-EN-01") == []

    def test_a_late_plan_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), plan(at("2025-07-30"))]
        (alert,) = alerts(run(events, at("2025-08-01")), "P-EN-01")
        assert alert["resolution"] == "SATISFIED"


class TestPersonInvolved:
    def test_plan_without_the_person_breaches(self) -> None:
        events = [allocated(ALLOCATION), plan(at("2025-07-10"), personInvolved=False)]
        assert len(standing(run(events), "P-EN-02")) == 1

    def test_a_later_plan_with_the_person_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), plan(at("2025-07-10"), personInvolved=False),
                  plan(at("2025-07-11"))]
        (alert,) = alerts(run(events), "P-EN-02")
        assert alert["resolution"] == "SATISFIED"

    def test_a_plan_with_the_person_is_no_breach(self) -> None:
        assert alerts(run([allocated(ALLOCATION), plan(at("2025-07-10"))]), "P-EN-02") == []


class TestNeedsPlanned:
    def test_an_assessed_need_without_a_desistance_objective_breaches(self) -> None:
        events = [allocated(ALLOCATION),
                  assessment(at("2025-07-08"), needs=["DRUGS", "ACCOMMODATION"]),
                  plan(at("2025-07-10"), objectives=[{"area": "DESISTANCE", "need": "DRUGS"}])]
        (alert,) = standing(run(events), "P-DS-01")
        assert alert["summary"].endswith("ACCOMMODATION.")

    def test_every_need_planned_is_no_breach(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-08"), needs=["DRUGS"]),
                  plan(at("2025-07-10"), objectives=[{"area": "DESISTANCE", "need": "DRUGS"}])]
        assert alerts(run(events), "P-DS-01") == []

    def test_a_need_under_another_area_does_not_count(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-08"), needs=["DRUGS"]),
                  plan(at("2025-07-10"), objectives=[{"area": "ENGAGEMENT", "need": "DRUGS"}])]
        assert len(standing(run(events), "P-DS-01")) == 1

    def test_a_plan_before_any_assessment_is_not_judged(self) -> None:
        events = [allocated(ALLOCATION), plan(at("2025-07-08"), objectives=[]),
                  assessment(at("2025-07-10"), needs=["DRUGS"])]
        assert alerts(run(events), "P-DS-01") == []

    def test_a_later_plan_covering_the_needs_resolves_it(self) -> None:
        events = [allocated(ALLOCATION), assessment(at("2025-07-08"), needs=["FINANCE"]),
                  plan(at("2025-07-10"), objectives=[]),
                  plan(at("2025-07-12"), objectives=[{"area": "DESISTANCE", "need": "FINANCE"}])]
        (alert,) = alerts(run(events), "P-DS-01")
        assert alert["resolution"] == "SATISFIED"
