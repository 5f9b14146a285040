"""Standard 2.1 Assessment: is the assessment well-informed, analytical and personalised?"""

from collections.abc import Iterable

from casewatch.engine.facts import CaseFacts, Occurrence
from casewatch.engine.policy import Policy
from casewatch.engine.rule import Finding, Rule
from casewatch.engine.rules.patterns import (
    Hit,
    after_allocation,
    deadline,
    flawed_artefacts,
    latest_of,
)
from casewatch.schemas.codes import (
    EnquiryAgency,
    EnquiryOutcome,
    RequirementType,
    Rosh,
    Severity,
    Source,
)
from casewatch.schemas.events import AssessmentCompleted, EnquiryResponded

POLICE = EnquiryAgency.POLICE_DOMESTIC_ABUSE
CHILDREN = EnquiryAgency.CHILDRENS_SERVICES
AGENCY_PHRASE = {POLICE: "police domestic-abuse", CHILDREN: "children's services"}


def _enquiry_at_allocation(rule_id: str, agency: EnquiryAgency) -> Rule:
    def find(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
        requests = [r for r in facts.requests if r.event.detail.agency == agency]
        return after_allocation(facts, policy.span(rule_id, "working_days"), requests)

    phrase = AGENCY_PHRASE[agency]
    return Rule(
        id=rule_id,
        name=f"{phrase.capitalize()} enquiry at allocation",
        severity=Severity.HIGH,
        reads=frozenset({"case.allocated", "enquiry.requested"}),
        satisfied_by=frozenset({"enquiry.requested"}),
        find=find,
        prevent=f"Case {{crn}}: a {phrase} safeguarding enquiry is due by {{due}}.",
        summary=f"Case {{crn}}: no {phrase} safeguarding enquiry was requested by {{due}}, "
        "the deadline after allocation.",
        action=f"Request {phrase} information now and record it before relying on the "
        "risk assessment.",
    )


A_KS_01 = _enquiry_at_allocation("A-KS-01", POLICE)
A_KS_02 = _enquiry_at_allocation("A-KS-02", CHILDREN)


def _find_unanswered(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    span = policy.span("A-KS-03", "working_days")
    by_enquiry: dict[str, list[Occurrence[EnquiryResponded]]] = {}
    for response in facts.responses:
        by_enquiry.setdefault(response.event.detail.enquiryId, []).append(response)
    for request in facts.requests:
        detail = request.event.detail
        found = deadline(
            request.event_id, request.at, span, by_enquiry.get(detail.enquiryId, []),
            after=None, evidence=(request.event_id,),
            details=(("agency", AGENCY_PHRASE[detail.agency]),),
        )
        if found:
            yield found


A_KS_03 = Rule(
    id="A-KS-03",
    name="Enquiry response overdue",
    severity=Severity.MEDIUM,
    reads=frozenset({"enquiry.requested", "enquiry.responded"}),
    satisfied_by=frozenset({"enquiry.responded"}),
    find=_find_unanswered,
    prevent="Case {crn}: a response to the {agency} enquiry is due by {due}.",
    summary="Case {crn}: the {agency} enquiry has had no response by {due}.",
    action="Chase the agency for a response and record the chase on the case.",
)


def _find_thin_responses(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    usable = {agency: facts.usable_responses(agency) for agency in EnquiryAgency}
    for response in facts.responses:
        if response.event.detail.outcome != EnquiryOutcome.INSUFFICIENT_DETAIL:
            continue
        agency = facts.agency_of(response.event.detail.enquiryId)
        if agency is None:  # held until the request it answers is known
            continue
        later = next((u for u in usable[agency] if u.at > response.at), None)
        yield Finding(
            anchor=response.event_id,
            opened_at=response.at,
            due=None,
            satisfied_at=later.at if later else None,
            evidence=(response.event_id,) + ((later.event_id,) if later else ()),
            details=(("agency", AGENCY_PHRASE[agency]),),
        )


A_KS_04 = Rule(
    id="A-KS-04",
    name="Enquiry response lacks detail",
    severity=Severity.MEDIUM,
    reads=frozenset({"enquiry.thin", "enquiry.usable", "enquiry.agency_known"}),
    satisfied_by=frozenset({"enquiry.usable"}),
    find=_find_thin_responses,
    summary="Case {crn}: the {agency} response did not give enough detail to assess risk.",
    action="Go back to the agency for the specific information needed and escalate if it "
    "is not provided.",
)


def check_information_used(facts: CaseFacts, assessment: Occurrence[AssessmentCompleted]) -> (
    Hit | None
):
    """A-KS-05: DA and child-safeguarding information gathered and used by the assessment."""
    detail = assessment.event.detail
    risk = facts.risk_at(assessment.at)
    gaps: list[str] = []
    evidence: list[str] = []
    for agency, flagged in ((POLICE, risk.da), (CHILDREN, risk.child)):
        prior = [r for r in facts.usable_responses(agency) if r.at < assessment.at]
        if prior and Source(agency.value) not in detail.sourcesUsed:
            gaps.append(f"the {AGENCY_PHRASE[agency]} response was not used")
            evidence.append(prior[-1].event_id)
        elif flagged and not prior:
            gaps.append(f"no usable {AGENCY_PHRASE[agency]} information was held")
    if not gaps:
        return None
    return tuple(evidence), (("gaps", " and ".join(gaps)),)


def _find_information_unused(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    return flawed_artefacts(facts, facts.assessments, check_information_used)


A_KS_05 = Rule(
    id="A-KS-05",
    name="Safeguarding information not used in assessment",
    severity=Severity.HIGH,
    reads=frozenset({"assessment.completed", "enquiry.agency_known", "enquiry.usable", "risk"}),
    looks_back=frozenset({"enquiry.usable", "risk"}),
    latest_anchor=lambda facts: latest_of(facts.assessments),
    find=_find_information_unused,
    summary="Case {crn}: the risk assessment is not informed by safeguarding checks: {gaps}.",
    action="Review the assessment with the domestic-abuse and child-safeguarding information "
    "and record how it changes the risk analysis.",
)


def check_risk_analysed(facts: CaseFacts, assessment: Occurrence[AssessmentCompleted]) -> (
    Hit | None
):
    """A-KS-06: at RoSH MEDIUM or above, who is at risk and the nature of the risk are recorded."""
    detail = assessment.event.detail
    if detail.rosh == Rosh.LOW:
        return None
    missing = [
        phrase for phrase, present in (
            ("who is at risk", detail.whoAtRiskRecorded),
            ("the nature of the risk", detail.natureOfRiskRecorded),
            ("any group at risk", bool(detail.riskTo)),
        ) if not present
    ]
    return ((), (("missing", ", ".join(missing)), ("rosh", detail.rosh.value))) if missing else None


def _find_risk_unanalysed(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    return flawed_artefacts(facts, facts.assessments, check_risk_analysed)


A_KS_06 = Rule(
    id="A-KS-06",
    name="Risk of harm not analysed",
    severity=Severity.HIGH,
    reads=frozenset({"assessment.completed"}),
    find=_find_risk_unanalysed,
    summary="Case {crn}: the assessment (RoSH {rosh}) does not record {missing}.",
    action="Complete the risk-of-harm analysis: who is at risk, from what, and when.",
)


def _find_unchecked_curfews(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    police = facts.usable_responses(POLICE)
    children = facts.usable_responses(CHILDREN)
    for requirement in facts.requirements:
        if requirement.event.detail.type != RequirementType.CURFEW:
            continue
        lacking = [
            AGENCY_PHRASE[agency] for agency, usable in ((POLICE, police), (CHILDREN, children))
            if not any(u.at <= requirement.at for u in usable)
        ]
        if not lacking:
            continue
        both = police[0].at if police else None, children[0].at if children else None
        satisfied_at = max(both) if both[0] and both[1] else None  # type: ignore[type-var]
        yield Finding(
            anchor=requirement.event_id,
            opened_at=requirement.at,
            due=None,
            satisfied_at=satisfied_at,
            evidence=(requirement.event_id,),
            details=(("lacking", " and ".join(lacking)),),
        )


A_KS_07 = Rule(
    id="A-KS-07",
    name="Curfew without safeguarding checks",
    severity=Severity.CRITICAL,
    reads=frozenset({"requirement.curfew", "enquiry.agency_known", "enquiry.usable"}),
    satisfied_by=frozenset({"enquiry.usable"}),
    find=_find_unchecked_curfews,
    summary="Case {crn}: a curfew was imposed without usable {lacking} information.",
    action="Obtain the missing safeguarding information now and check that the curfew address "
    "is safe for everyone living there.",
)


def _find_no_assessment(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    return after_allocation(facts, policy.span("A-EN-01", "working_days"), facts.assessments)


A_EN_01 = Rule(
    id="A-EN-01",
    name="Assessment overdue",
    severity=Severity.MEDIUM,
    reads=frozenset({"case.allocated", "assessment.completed"}),
    satisfied_by=frozenset({"assessment.completed"}),
    find=_find_no_assessment,
    prevent="Case {crn}: an assessment is due by {due}.",
    summary="Case {crn}: no assessment had been completed by {due}.",
    action="Complete the assessment with the person on probation as a priority.",
)


def _check_engaged(facts: CaseFacts, assessment: Occurrence[AssessmentCompleted]) -> Hit | None:
    detail = assessment.event.detail
    missing = [phrase for phrase, done in (
        ("involve the person", detail.personInvolved),
        ("consider diversity", detail.diversityConsidered),
    ) if not done]
    return ((), (("missing", " or ".join(missing)),)) if missing else None


A_EN_02 = Rule(
    id="A-EN-02",
    name="Assessment not personalised",
    severity=Severity.LOW,
    reads=frozenset({"assessment.completed"}),
    find=lambda facts, policy: flawed_artefacts(facts, facts.assessments, _check_engaged),
    summary="Case {crn}: the assessment did not {missing}.",
    action="Revisit the assessment with the person on probation and record their views and "
    "diversity needs.",
)


def _check_desistance(facts: CaseFacts, assessment: Occurrence[AssessmentCompleted]) -> Hit | None:
    detail = assessment.event.detail
    missing = [phrase for phrase, done in (
        ("identify strengths", detail.strengthsIdentified),
        ("use previous convictions", Source.PREVIOUS_CONVICTIONS in detail.sourcesUsed),
    ) if not done]
    return ((), (("missing", " or ".join(missing)),)) if missing else None


A_DS_01 = Rule(
    id="A-DS-01",
    name="Assessment misses desistance factors",
    severity=Severity.LOW,
    reads=frozenset({"assessment.completed"}),
    find=lambda facts, policy: flawed_artefacts(facts, facts.assessments, _check_desistance),
    summary="Case {crn}: the assessment did not {missing}.",
    action="Add the person's strengths and offending history to the assessment.",
)

RULES = (A_KS_01, A_KS_02, A_KS_03, A_KS_04, A_KS_05, A_KS_06, A_KS_07, A_EN_01, A_EN_02, A_DS_01)
