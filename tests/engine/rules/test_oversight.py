"""O-KS-01: countersigned work that falls short on keeping people safe."""

from tests.support.builders import alerts, allocated, assessment, at, plan, run, standing

ALLOCATION = at("2025-07-01")


def test_a_countersigned_assessment_that_breaches_a_safety_rule_raises_an_oversight_alert() -> None:
    events = [allocated(ALLOCATION),
              assessment(at("2025-07-10"), rosh="HIGH", riskTo=[], countersignedBy="SPO1")]
    (alert,) = standing(run(events), "O-KS-01")
    assert alert["keyQuestion"] is None
    assert "countersigned an assessment" in alert["summary"]


def test_a_countersigned_plan_without_contingency_raises_one() -> None:
    events = [allocated(ALLOCATION, rosh="MEDIUM"),
              plan(at("2025-07-10"), contingencyPlan=False, countersignedBy="SPO1")]
    assert len(standing(run(events), "O-KS-01")) == 1


def test_uncountersigned_or_sound_work_raises_none() -> None:
    events = [allocated(ALLOCATION),
              assessment(at("2025-07-10"), rosh="HIGH", riskTo=[]),
              assessment(at("2025-07-11"), rosh="HIGH", countersignedBy="SPO1")]
    assert alerts(run(events), "O-KS-01") == []


def test_a_later_sound_artefact_of_the_same_kind_resolves_it() -> None:
    events = [allocated(ALLOCATION, rosh="MEDIUM"),
              plan(at("2025-07-10"), contingencyPlan=False, countersignedBy="SPO1"),
              assessment(at("2025-07-11")),  # an assessment is not the same kind
              plan(at("2025-07-12"))]
    (alert,) = alerts(run(events), "O-KS-01")
    assert (alert["resolution"], alert["resolvedAt"]) == ("SATISFIED", "2025-07-12T09:00:00Z")
