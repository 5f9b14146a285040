"""Standard 2.2 Planning: is planning well-informed, holistic and personalised?"""

from collections.abc import Iterable

from casewatch.engine.facts import CaseFacts, Occurrence
from casewatch.engine.policy import Policy
from casewatch.engine.rule import Finding, Rule
from casewatch.engine.rules.patterns import (
    Hit,
    after_allocation,
    flawed_artefacts,
    latest_before,
    latest_of,
)
from casewatch.schemas.codes import ObjectiveArea, RiskTo, Severity
from casewatch.schemas.events import AssessmentCompleted, PlanCompleted

PEOPLE_AT_RISK = frozenset({RiskTo.CHILDREN, RiskTo.PARTNER, RiskTo.KNOWN_ADULT})


def prior_assessment(facts: CaseFacts, plan: Occurrence[PlanCompleted]) -> (
    Occurrence[AssessmentCompleted] | None
):
    return latest_before(facts.assessments, plan.at)


def check_contingency(facts: CaseFacts, plan: Occurrence[PlanCompleted]) -> Hit | None:
    """P-KS-01: on an elevated case the plan says what happens if risk escalates."""
    if plan.event.detail.contingencyPlan or not facts.risk_at(plan.at).elevated:
        return None
    return (), ()


def check_victim_safety(facts: CaseFacts, plan: Occurrence[PlanCompleted]) -> Hit | None:
    """P-KS-02: where there are identifiable people at risk, the plan protects them."""
    assessment = prior_assessment(facts, plan)
    risk = facts.risk_at(plan.at)
    people_at_risk = assessment is not None and not PEOPLE_AT_RISK.isdisjoint(
        assessment.event.detail.riskTo
    )
    if not (people_at_risk or risk.da or risk.child):
        return None
    detail = plan.event.detail
    missing = [phrase for phrase, present in (
        ("victim safety planning", detail.victimSafetyPlanning),
        ("a risk-of-harm objective", any(o.area == ObjectiveArea.RISK_OF_HARM
                                         for o in detail.objectives)),
    ) if not present]
    if not missing:
        return None
    return ((assessment.event_id,) if assessment else ()), (("missing", " or ".join(missing)),)


P_KS_01 = Rule(
    id="P-KS-01",
    name="No contingency plan",
    severity=Severity.HIGH,
    reads=frozenset({"plan.completed", "risk"}),
    looks_back=frozenset({"risk"}),
    latest_anchor=lambda facts: latest_of(facts.plans),
    find=lambda facts, policy: flawed_artefacts(facts, facts.plans, check_contingency),
    summary="Case {crn}: the sentence plan for an elevated-risk case has no contingency plan.",
    action="Add contingency arrangements: the warning signs and what will be done if risk "
    "escalates.",
)

P_KS_02 = Rule(
    id="P-KS-02",
    name="No victim safety planning",
    severity=Severity.HIGH,
    reads=frozenset({"plan.completed", "assessment.completed", "risk"}),
    looks_back=frozenset({"assessment.completed", "risk"}),
    latest_anchor=lambda facts: latest_of(facts.plans),
    find=lambda facts, policy: flawed_artefacts(facts, facts.plans, check_victim_safety),
    summary="Case {crn}: the plan lacks {missing} although partners, children or known adults "
    "may be at risk.",
    action="Add victim safety planning and a risk-of-harm objective, agreed with the agencies "
    "involved.",
)


def _find_no_plan(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    return after_allocation(facts, policy.span("P-EN-01", "working_days"), facts.plans)


P_EN_01 = Rule(
    id="P-EN-01",
    name="Sentence plan overdue",
    severity=Severity.MEDIUM,
    reads=frozenset({"case.allocated", "plan.completed"}),
    satisfied_by=frozenset({"plan.completed"}),
    find=_find_no_plan,
    prevent="Case {crn}: a sentence plan is due by {due}.",
    summary="Case {crn}: no sentence plan had been completed by {due}.",
    action="Complete the sentence plan with the person on probation.",
)


def _check_involved(facts: CaseFacts, plan: Occurrence[PlanCompleted]) -> Hit | None:
    return None if plan.event.detail.personInvolved else ((), ())


P_EN_02 = Rule(
    id="P-EN-02",
    name="Plan made without the person",
    severity=Severity.LOW,
    reads=frozenset({"plan.completed"}),
    find=lambda facts, policy: flawed_artefacts(facts, facts.plans, _check_involved),
    summary="Case {crn}: the sentence plan was completed without involving the person on "
    "probation.",
    action="Go through the plan with the person and record their views and agreement.",
)


def _check_needs_planned(facts: CaseFacts, plan: Occurrence[PlanCompleted]) -> Hit | None:
    assessment = prior_assessment(facts, plan)
    if assessment is None:
        return None
    planned = {o.need for o in plan.event.detail.objectives if o.area == ObjectiveArea.DESISTANCE}
    unplanned = sorted({n for n in assessment.event.detail.needs if n not in planned})
    if not unplanned:
        return None
    return (assessment.event_id,), (("needs", ", ".join(unplanned)),)


P_DS_01 = Rule(
    id="P-DS-01",
    name="Assessed needs missing from plan",
    severity=Severity.LOW,
    reads=frozenset({"plan.completed", "assessment.completed"}),
    looks_back=frozenset({"assessment.completed"}),
    latest_anchor=lambda facts: latest_of(facts.plans),
    find=lambda facts, policy: flawed_artefacts(facts, facts.plans, _check_needs_planned),
    summary="Case {crn}: the plan has no desistance objective for assessed needs: {needs}.",
    action="Add a desistance objective for each assessed need, or record why it is not a "
    "priority now.",
)

RULES = (P_KS_01, P_KS_02, P_EN_01, P_EN_02, P_DS_01)
