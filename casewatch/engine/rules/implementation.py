"""Standard 2.3 Implementation and delivery: is the sentence delivered effectively?"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from casewatch.engine.facts import NEW_CONCERN_INTELLIGENCE, CaseFacts, Occurrence, is_high
from casewatch.engine.policy import Policy, Span
from casewatch.engine.rule import Finding, Rule
from casewatch.engine.rules import assessment
from casewatch.engine.rules.patterns import (
    Stamped,
    after_allocation,
    chain,
    deadline,
    first_after,
    latest_at_or_before,
    latest_of,
)
from casewatch.engine.window import place
from casewatch.schemas.codes import (
    ContactOutcome,
    IntelligenceKind,
    Need,
    RequirementType,
    Rosh,
    Service,
    Severity,
)
from casewatch.schemas.events import (
    ReferralStarted,
    RegistrationAdded,
    RequirementStarted,
    SupervisionResumed,
    SupervisionSuspended,
)

NEW_CONCERN_CODES = frozenset({"ADVP", "RCPR", "RCCO", "RCHD"})
CONCERN_PHRASE = {
    "ADVP": "a domestic-abuse registration",
    "RCPR": "a child-protection registration",
    "RCCO": "a child-concerns registration",
    "RCHD": "a risk-to-children registration",
    IntelligenceKind.NEW_RELATIONSHIP: "news of a new relationship",
    IntelligenceKind.CHILD_CONTACT_CHANGE: "a change in contact with children",
    IntelligenceKind.DOMESTIC_INCIDENT: "a domestic incident",
}


def _find_home_visits(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    allocation = facts.allocation
    assert allocation is not None
    visits = facts.home_visits
    anchors: list[tuple[datetime, str, Span, str]] = []
    at_allocation = facts.risk_at(allocation.at)
    if is_high(at_allocation.rosh):
        anchors.append((allocation.at, allocation.event_id,
                        policy.span("I-KS-01", "high_rosh_days"), "allocation at high RoSH"))
    elif at_allocation.rosh == Rosh.MEDIUM:
        anchors.append((allocation.at, allocation.event_id,
                        policy.span("I-KS-01", "medium_rosh_days"), "allocation at medium RoSH"))
    previous = at_allocation
    for at, event_id, risk in facts.risk_timeline():
        if (at, event_id) <= (allocation.at, allocation.event_id):
            continue
        if is_high(risk.rosh) and not is_high(previous.rosh):
            anchors.append((at, event_id, policy.span("I-KS-01", "rising_rosh_days"),
                            "RoSH rising to high"))
        previous = risk
    concern = policy.span("I-KS-01", "new_concern_working_days")
    for registration in facts.registrations:
        code = registration.event.detail.code
        if (isinstance(registration.event, RegistrationAdded) and code in NEW_CONCERN_CODES
                and registration.at >= allocation.at
                and facts.risk_at(registration.at).elevated):
            anchors.append((registration.at, registration.event_id, concern, CONCERN_PHRASE[code]))
    for item in facts.intelligence:
        kind = item.event.detail.kind
        # Unlike registrations, intelligence before allocation is news the team must act on
        # (SPEC §4: a pre-allocation obligation is the team's from the allocation).
        if kind in NEW_CONCERN_INTELLIGENCE and facts.risk_at(item.at).elevated:
            anchors.append((item.at, item.event_id, concern, CONCERN_PHRASE[kind]))
    for at, event_id, span, trigger in anchors:
        found = deadline(event_id, at, span, visits, after=at, evidence=(event_id,),
                         details=(("trigger", trigger),))
        if found:
            yield found


I_KS_01 = Rule(
    id="I-KS-01",
    name="Home visit overdue",
    severity=Severity.HIGH,
    reads=frozenset({"contact.home_visit", "intelligence.new_concern", "risk"}),
    satisfied_by=frozenset({"contact.home_visit"}),
    find=_find_home_visits,
    prevent="Case {crn}: a home visit is due by {due} after {trigger}.",
    summary="Case {crn}: no home visit had taken place by {due} after {trigger}.",
    action="Arrange a home visit to see who lives at the address and check on the safety "
    "of anyone at risk.",
)


def _find_contact_gaps(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    allocation = facts.allocation
    assert allocation is not None
    attended = facts.attended
    anchors: Stamped
    if facts.resumptions or (attended and attended[0].at < allocation.at):
        candidates: list[Occurrence[Any]] = [*attended, *facts.resumptions]
        later = [o for o in candidates if o.at >= allocation.at]
        anchors = sorted([allocation, *later])
    else:
        anchors = [allocation, *attended]
    high = policy.span("I-KS-02", "high_rosh_days")
    other = policy.span("I-KS-02", "other_days")
    limits = facts.memo.setdefault("I-KS-02", {})  # cleared when a plan or the risk changes

    def limit(moment: datetime) -> Span | None:
        if moment in limits:
            return limits[moment]  # type: ignore[no-any-return]
        risk = facts.risk_at(moment)
        span: Span | None = None
        if risk.elevated:
            plan = latest_at_or_before(facts.plans, moment)
            if plan is not None and plan.event.detail.contactFrequencyDays is not None:
                span = Span(plan.event.detail.contactFrequencyDays, "days")
            else:
                span = high if is_high(risk.rosh) else other
        limits[moment] = span
        return span

    return chain(anchors, limit, attended, suspended=facts.suspended_at)


I_KS_02 = Rule(
    id="I-KS-02",
    name="Contact gap on elevated-risk case",
    severity=Severity.MEDIUM,
    looks_back=frozenset({"plan.completed", "risk"}),
    latest_anchor=lambda facts: latest_of(facts.attended, facts.resumptions, facts.allocations[:1]),
    reads=frozenset({"contact.attended", "plan.completed", "risk", "supervision.suspended",
                     "supervision.resumed"}),
    find=_find_contact_gaps,
    prevent="Case {crn}: the person must be seen by {due}.",
    summary="Case {crn}: the person has not been seen since the last contact; contact was due "
    "by {due}.",
    action="Make contact with the person now and review whether the contact level matches "
    "their risk.",
)


def _critical_breaches(facts: CaseFacts, policy: Policy) -> list[tuple[str, Finding]]:
    """The CRITICAL breaches as the case places them: a pre-allocation one at the allocation."""
    allocation = facts.allocation
    assert allocation is not None
    placed = (
        (rule.id, place(found, allocation.at, facts.closed_at))
        for rule in (assessment.A_KS_07, I_KS_04)
        for found in rule.find(facts, policy)
    )
    return [(rule_id, breach) for rule_id, breach in placed if breach is not None]


def _find_oversight(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    allocation = facts.allocation
    assert allocation is not None
    anchors: list[tuple[str, datetime, str, Span, str]] = []
    high_risk = policy.span("I-KS-03", "high_risk_working_days")
    previous = facts.risk_at(allocation.at)
    if previous.high_risk:
        anchors.append((allocation.event_id, allocation.at, allocation.event_id, high_risk,
                        "the case was allocated as high risk"))
    for at, event_id, risk in facts.risk_timeline():
        if (at, event_id) <= (allocation.at, allocation.event_id):
            continue
        if risk.high_risk and not previous.high_risk:
            anchors.append((event_id, at, event_id, high_risk, "the case became high risk"))
        previous = risk
    critical = policy.span("I-KS-03", "critical_breach_working_days")
    for rule_id, breach in _critical_breaches(facts, policy):
        anchors.append((f"critical:{rule_id}:{breach.anchor}", breach.opened_at,
                        breach.evidence[0], critical, f"a critical {rule_id} breach"))
    for anchor, at, trigger_id, span, trigger in anchors:
        found = deadline(anchor, at, span, facts.oversight, after=at, evidence=(trigger_id,),
                         details=(("trigger", trigger),))
        if found:
            yield found


def _find_suspended_high_risk(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    for suspension, resumed in _suspensions(facts):
        risk = facts.risk_at(suspension.at)
        reasons = [phrase for phrase, present in (
            ("MAPPA", risk.mapp),
            ("child protection", "RCPR" in risk.codes),
            ("very high RoSH", risk.rosh == Rosh.VERY_HIGH),
        ) if present]
        if reasons:
            yield _suspension_finding(suspension, resumed, (("reasons", ", ".join(reasons)),))


def _find_no_exit_plan(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    for suspension, resumed in _suspensions(facts):
        if not suspension.event.detail.exitPlan:
            yield _suspension_finding(suspension, resumed, ())


def _suspensions(facts: CaseFacts) -> Iterable[
    tuple[Occurrence[SupervisionSuspended], tuple[datetime, str, object] | None]
]:
    resumptions = [s for s in facts.suspensions if isinstance(s.event, SupervisionResumed)]
    for entry in facts.suspensions:
        if isinstance(entry.event, SupervisionSuspended):
            suspension = Occurrence(entry.at, entry.event_id, entry.event)
            yield suspension, first_after(resumptions, entry.at)


def _suspension_finding(
    suspension: Occurrence[SupervisionSuspended],
    resumed: tuple[datetime, str, object] | None,
    details: tuple[tuple[str, str], ...],
) -> Finding:
    return Finding(
        anchor=suspension.event_id,
        opened_at=suspension.at,
        due=None,
        satisfied_at=resumed[0] if resumed else None,
        evidence=(suspension.event_id,) + ((resumed[1],) if resumed else ()),
        details=details,
    )


I_KS_04 = Rule(
    id="I-KS-04",
    name="High-risk case suspended under Probation Reset",
    severity=Severity.CRITICAL,
    reads=frozenset({"supervision.suspended", "supervision.resumed", "risk"}),
    looks_back=frozenset({"risk"}),
    latest_anchor=lambda facts: latest_of(facts.suspensions),
    find=_find_suspended_high_risk,
    summary="Case {crn}: supervision was suspended although the case involves {reasons}.",
    action="Resume supervision now; Probation Reset does not apply to this level of risk.",
)

I_KS_03 = Rule(
    id="I-KS-03",
    name="Management oversight not evidenced",
    severity=Severity.HIGH,
    reads=frozenset({"oversight.recorded"}) | assessment.A_KS_07.reads | I_KS_04.reads,
    satisfied_by=frozenset({"oversight.recorded"}),
    # Responses matter here only through curfew breaches, read as of each curfew.
    looks_back=frozenset({"enquiry.usable"}),
    latest_anchor=lambda facts: latest_of(
        [r for r in facts.requirements if r.event.detail.type == RequirementType.CURFEW]),
    find=_find_oversight,
    prevent="Case {crn}: management oversight is due by {due} after {trigger}.",
    summary="Case {crn}: no management oversight was recorded by {due} after {trigger}.",
    action="The manager should review the case with the practitioner and record the "
    "discussion and actions agreed.",
)

I_KS_05 = Rule(
    id="I-KS-05",
    name="Suspended without exit plan",
    severity=Severity.MEDIUM,
    reads=frozenset({"supervision.suspended", "supervision.resumed"}),
    find=_find_no_exit_plan,
    summary="Case {crn}: supervision was suspended without an exit plan.",
    action="Record an exit plan: what the person will do and who to contact if things change.",
)


def _find_no_first_contact(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    return after_allocation(facts, policy.span("I-EN-01", "working_days"), facts.attended)


I_EN_01 = Rule(
    id="I-EN-01",
    name="First contact overdue",
    severity=Severity.MEDIUM,
    reads=frozenset({"case.allocated", "contact.attended"}),
    satisfied_by=frozenset({"contact.attended"}),
    find=_find_no_first_contact,
    prevent="Case {crn}: the person must first be seen by {due}.",
    summary="Case {crn}: the person had not been seen by {due} after allocation.",
    action="Arrange the induction appointment now and follow up the missed start.",
)


def _find_unfollowed_absence(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    span = policy.span("I-EN-02", "working_days")
    for contact in facts.contacts:
        if contact.event.detail.outcome != ContactOutcome.FAILED_TO_ATTEND:
            continue
        found = deadline(contact.event_id, contact.at, span, facts.contacts, after=contact.at,
                         evidence=(contact.event_id,))
        if found:
            yield found


I_EN_02 = Rule(
    id="I-EN-02",
    name="Missed appointment not followed up",
    severity=Severity.MEDIUM,
    reads=frozenset({"contact.recorded", "contact.failed"}),
    satisfied_by=frozenset({"contact.recorded"}),
    find=_find_unfollowed_absence,
    prevent="Case {crn}: a missed appointment must be followed up by {due}.",
    summary="Case {crn}: a missed appointment had not been followed up by {due}.",
    action="Contact the person about the missed appointment and decide on enforcement.",
)


def _find_unstarted_requirements(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    span = policy.span("I-DS-01", "days")
    starts: dict[str, list[Occurrence[RequirementStarted]]] = {}
    for start in facts.requirement_starts:
        starts.setdefault(start.event.detail.requirementId, []).append(start)
    for requirement in facts.requirements:
        detail = requirement.event.detail
        if detail.type == RequirementType.CURFEW:
            continue
        found = deadline(requirement.event_id, requirement.at, span,
                         starts.get(detail.requirementId, []), after=None,
                         evidence=(requirement.event_id,),
                         details=(("requirement", detail.type.value),))
        if found:
            yield found


I_DS_01 = Rule(
    id="I-DS-01",
    name="Requirement not started",
    severity=Severity.MEDIUM,
    reads=frozenset({"requirement.added", "requirement.started"}),
    satisfied_by=frozenset({"requirement.started"}),
    find=_find_unstarted_requirements,
    prevent="Case {crn}: the {requirement} requirement must start by {due}.",
    summary="Case {crn}: the {requirement} requirement had not started by {due}.",
    action="Find out what is blocking the start and agree a start date with the provider.",
)


def _find_unstarted_referrals(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    span = policy.span("I-DS-02", "working_days")
    starts: dict[str, list[Occurrence[ReferralStarted]]] = {}
    for start in facts.referral_starts:
        starts.setdefault(start.event.detail.referralId, []).append(start)
    for referral in facts.referrals:
        detail = referral.event.detail
        found = deadline(referral.event_id, referral.at, span, starts.get(detail.referralId, []),
                         after=None, evidence=(referral.event_id,),
                         details=(("service", detail.service.value),))
        if found:
            yield found


I_DS_02 = Rule(
    id="I-DS-02",
    name="Referral not started",
    severity=Severity.MEDIUM,
    reads=frozenset({"referral.made", "referral.started"}),
    satisfied_by=frozenset({"referral.started"}),
    find=_find_unstarted_referrals,
    prevent="Case {crn}: the {service} referral must start by {due}.",
    summary="Case {crn}: the {service} referral had not started by {due}.",
    action="Chase the service and help the person to take up the referral.",
)

SERVICE_FOR_NEED = {
    Need.ACCOMMODATION: Service.ACCOMMODATION,
    Need.EDUCATION_TRAINING_EMPLOYMENT: Service.EDUCATION_TRAINING_EMPLOYMENT,
    Need.FINANCE: Service.FINANCE_BENEFIT_DEBT,
    Need.DRUGS: Service.DEPENDENCY_RECOVERY,
    Need.ALCOHOL: Service.DEPENDENCY_RECOVERY,
    Need.EMOTIONAL_WELLBEING: Service.PERSONAL_WELLBEING,
    Need.MENTAL_HEALTH: Service.MENTAL_HEALTH,
}
# Every type here must be in facts.TREATMENT_REQUIREMENTS, which routes their events to I-DS-03.
REQUIREMENTS_FOR_SERVICE = {
    Service.DEPENDENCY_RECOVERY: frozenset({RequirementType.DRUG_REHABILITATION,
                                            RequirementType.ALCOHOL_TREATMENT}),
    Service.MENTAL_HEALTH: frozenset({RequirementType.MENTAL_HEALTH_TREATMENT}),
}


def _find_unmet_needs(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    allocation = facts.allocation
    assert allocation is not None
    span = policy.span("I-DS-03", "working_days")
    met_by: dict[Service, Stamped] = {}
    for item in facts.assessments:
        services = sorted({SERVICE_FOR_NEED[n] for n in item.event.detail.needs
                           if n in SERVICE_FOR_NEED})
        for service in services:
            if service not in met_by:
                requirement_types = REQUIREMENTS_FOR_SERVICE.get(service, frozenset())
                met_by[service] = sorted(
                    [r for r in facts.referrals if r.event.detail.service == service
                     and r.at >= allocation.at]
                    + [r for r in facts.requirements if r.event.detail.type in requirement_types
                       and r.at >= allocation.at]
                )
            found = deadline(f"{item.event_id}:{service.value}", item.at, span, met_by[service],
                             after=None, evidence=(item.event_id,),
                             details=(("service", service.value),))
            if found:
                yield found


I_DS_03 = Rule(
    id="I-DS-03",
    name="Assessed need without referral",
    severity=Severity.LOW,
    reads=frozenset({"assessment.completed", "referral.made", "requirement.treatment"}),
    satisfied_by=frozenset({"referral.made", "requirement.treatment"}),
    find=_find_unmet_needs,
    prevent="Case {crn}: a {service} referral for an assessed need is due by {due}.",
    summary="Case {crn}: an assessed need has had no {service} referral by {due}.",
    action="Refer the person to a service that meets the need, or record why not.",
)

RULES = (I_KS_01, I_KS_02, I_KS_03, I_KS_04, I_KS_05, I_EN_01, I_EN_02, I_DS_01, I_DS_02, I_DS_03)
