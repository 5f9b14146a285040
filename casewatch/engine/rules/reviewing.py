"""Standard 2.4 Reviewing: is reviewing well-informed, analytical and personalised?"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from casewatch.engine.facts import CaseFacts, Occurrence, is_high
from casewatch.engine.policy import Policy, Span
from casewatch.engine.rule import Finding, Rule
from casewatch.engine.rules.assessment import AGENCY_PHRASE
from casewatch.engine.rules.patterns import (
    Hit,
    chain,
    deadline,
    flawed_artefacts,
    latest_before,
    latest_of,
)
from casewatch.schemas.codes import (
    AssessmentKind,
    EnquiryAgency,
    IntelligenceKind,
    Severity,
)
from casewatch.schemas.events import ReviewCompleted, SupervisionResumed

ENQUIRY_NEEDED = {
    IntelligenceKind.NEW_RELATIONSHIP: EnquiryAgency.POLICE_DOMESTIC_ABUSE,
    IntelligenceKind.DOMESTIC_INCIDENT: EnquiryAgency.POLICE_DOMESTIC_ABUSE,
    IntelligenceKind.CHILD_CONTACT_CHANGE: EnquiryAgency.CHILDRENS_SERVICES,
}
DESISTANCE_CHANGES = frozenset({
    IntelligenceKind.CONVICTION,
    IntelligenceKind.SUBSTANCE_MISUSE_INCREASE,
    IntelligenceKind.MENTAL_HEALTH_DECLINE,
    IntelligenceKind.ACCOMMODATION_LOSS,
})


def _risk_reviews(facts: CaseFacts) -> list[Occurrence[Any]]:
    """Reviews of risk of harm: reviews that reviewed it, and REVIEW assessments."""
    reviews: list[Occurrence[Any]] = [r for r in facts.reviews
                                      if r.event.detail.riskOfHarmReviewed]
    reviews += [a for a in facts.assessments if a.event.detail.kind == AssessmentKind.REVIEW]
    return sorted(reviews)


def _find_unreviewed_intelligence(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    span = policy.span("R-KS-01", "working_days")
    reviews = _risk_reviews(facts)
    for item in facts.intelligence:
        found = deadline(item.event_id, item.at, span, reviews, after=item.at,
                         evidence=(item.event_id,),
                         details=(("kind", item.event.detail.kind.value),))
        if found:
            yield found


R_KS_01 = Rule(
    id="R-KS-01",
    name="Risk not reviewed after new information",
    severity=Severity.HIGH,
    reads=frozenset({"intelligence.received", "review.completed", "assessment.completed"}),
    satisfied_by=frozenset({"review.completed", "assessment.completed"}),
    find=_find_unreviewed_intelligence,
    prevent="Case {crn}: a review of risk of harm is due by {due} after {kind} information was "
    "received.",
    summary="Case {crn}: risk of harm had not been reviewed by {due} after {kind} information "
    "was received.",
    action="Review the risk of harm in light of the new information and update the plan.",
)


def _find_unchecked_intelligence(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    span = policy.span("R-KS-02", "working_days")
    for item in facts.intelligence:
        agency = ENQUIRY_NEEDED.get(item.event.detail.kind)
        if agency is None:
            continue
        requests = [r for r in facts.requests if r.event.detail.agency == agency]
        found = deadline(item.event_id, item.at, span, requests, after=item.at,
                         evidence=(item.event_id,),
                         details=(("kind", item.event.detail.kind.value),
                                  ("agency", AGENCY_PHRASE[agency])))
        if found:
            yield found


R_KS_02 = Rule(
    id="R-KS-02",
    name="No safeguarding enquiry after change",
    severity=Severity.HIGH,
    reads=frozenset({"intelligence.new_concern", "enquiry.requested"}),
    satisfied_by=frozenset({"enquiry.requested"}),
    find=_find_unchecked_intelligence,
    prevent="Case {crn}: a {agency} enquiry is due by {due} after {kind} information was received.",
    summary="Case {crn}: no {agency} enquiry had been made by {due} after {kind} information "
    "was received.",
    action="Make the safeguarding enquiry now so the change in circumstances is understood.",
)


def _check_agency_input(facts: CaseFacts, review: Occurrence[ReviewCompleted]) -> Hit | None:
    risk = facts.risk_at(review.at)
    if not (risk.da or risk.child or risk.mapp) or review.event.detail.agencyInput:
        return None
    return (), ()


R_KS_03 = Rule(
    id="R-KS-03",
    name="Review without agency input",
    severity=Severity.MEDIUM,
    reads=frozenset({"review.completed", "risk"}),
    looks_back=frozenset({"risk"}),
    latest_anchor=lambda facts: latest_of(facts.reviews),
    find=lambda facts, policy: flawed_artefacts(facts, facts.reviews, _check_agency_input),
    summary="Case {crn}: a review of a domestic-abuse, child-safeguarding or MAPPA case had no "
    "input from other agencies.",
    action="Get the police, children's services or MAPPA partners' views and add them to the "
    "review.",
)


def _check_risk_review_involved(facts: CaseFacts, review: Occurrence[ReviewCompleted]) -> (
    Hit | None
):
    detail = review.event.detail
    return ((), ()) if detail.riskOfHarmReviewed and not detail.personInvolved else None


def _reviewed_risk_with_the_person(facts: CaseFacts, review: Occurrence[ReviewCompleted]) -> bool:
    # A review that skips risk is not a risk review done well: it leaves R-KS-04 open.
    detail = review.event.detail
    return detail.riskOfHarmReviewed and detail.personInvolved


R_KS_04 = Rule(
    id="R-KS-04",
    name="Risk reviewed without the person",
    severity=Severity.LOW,
    reads=frozenset({"review.completed"}),
    find=lambda facts, policy: flawed_artefacts(facts, facts.reviews, _check_risk_review_involved,
                                                clean=_reviewed_risk_with_the_person),
    summary="Case {crn}: risk of harm was reviewed without involving the person on probation.",
    action="Discuss the changes in risk with the person and record their response.",
)


def _find_review_overdue(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    high = policy.span("R-EN-01", "high_rosh_days")
    other = policy.span("R-EN-01", "other_days")
    reviews = sorted(
        list(facts.reviews)
        + [a for a in facts.assessments if a.event.detail.kind == AssessmentKind.REVIEW]
    )
    first_assessment = facts.assessments[:1]
    resumed = [s for s in facts.suspensions if isinstance(s.event, SupervisionResumed)]
    anchors = sorted({(o.at, o.event_id) for o in (*first_assessment, *reviews, *resumed)})

    def limit(moment: datetime) -> Span:
        return high if is_high(facts.risk_at(moment).rosh) else other

    return chain(anchors, limit, reviews, suspended=facts.suspended_at)


R_EN_01 = Rule(
    id="R-EN-01",
    name="Review overdue",
    severity=Severity.MEDIUM,
    reads=frozenset({"review.completed", "assessment.completed", "risk", "supervision.suspended",
                     "supervision.resumed"}),
    find=_find_review_overdue,
    prevent="Case {crn}: a progress review is due by {due}.",
    summary="Case {crn}: progress had not been reviewed by {due}.",
    action="Complete a review of progress and risk with the person on probation.",
)


def _check_review_involved(facts: CaseFacts, review: Occurrence[ReviewCompleted]) -> Hit | None:
    return None if review.event.detail.personInvolved else ((), ())


R_EN_02 = Rule(
    id="R-EN-02",
    name="Review without the person",
    severity=Severity.LOW,
    reads=frozenset({"review.completed"}),
    find=lambda facts, policy: flawed_artefacts(facts, facts.reviews, _check_review_involved),
    summary="Case {crn}: progress was reviewed without involving the person on probation.",
    action="Review progress with the person and record their views.",
)


def _check_plan_updated(facts: CaseFacts, review: Occurrence[ReviewCompleted]) -> Hit | None:
    if review.event.detail.planUpdated:
        return None
    allocation = facts.allocation
    assert allocation is not None
    previous = latest_before(facts.reviews, review.at)
    since = previous.at if previous else allocation.at
    changes = [i for i in facts.intelligence
               if since < i.at < review.at and i.event.detail.kind in DESISTANCE_CHANGES]
    if not changes:
        return None
    kinds = sorted({c.event.detail.kind.value for c in changes})
    return tuple(c.event_id for c in changes), (("changes", ", ".join(kinds)),)


R_DS_01 = Rule(
    id="R-DS-01",
    name="Plan not updated after change",
    severity=Severity.MEDIUM,
    reads=frozenset({"review.completed", "intelligence.received"}),
    looks_back=frozenset({"intelligence.received"}),
    latest_anchor=lambda facts: latest_of(facts.reviews),
    find=lambda facts, policy: flawed_artefacts(facts, facts.reviews, _check_plan_updated),
    summary="Case {crn}: a review after {changes} did not update the plan.",
    action="Update the sentence plan to respond to the change in the person's circumstances.",
)

RULES = (R_KS_01, R_KS_02, R_KS_03, R_KS_04, R_EN_01, R_EN_02, R_DS_01)
