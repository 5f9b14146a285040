"""Hypothesis strategies: small but dense case histories that exercise every rule."""

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

BASE = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # spans the BST change and Easter
CRNS = ("A000001", "B000002", "C000003")
CODES = ("ADVP", "RCPR", "RCCO", "RCHD", "MAPP", "RHRH", "RVHR", "RLRH", "RMRH", "IIOM")
ROSH = ("LOW", "MEDIUM", "HIGH", "VERY_HIGH")
AGENCIES = ("POLICE_DOMESTIC_ABUSE", "CHILDRENS_SERVICES")
NEEDS = ("ACCOMMODATION", "FINANCE", "DRUGS", "ALCOHOL", "MENTAL_HEALTH", "ATTITUDES")

flag = st.booleans()


def detail_for(event_type: str) -> st.SearchStrategy[dict[str, Any]]:
    ids = st.sampled_from(("1", "2", "3"))
    match event_type:
        case "case.transferred":
            return st.fixed_dictionaries({
                "team": st.sampled_from(("team-b", "team-c")),
                "practitioner": st.just({"id": "PR2", "grade": "PSO"}),
            })
        case "case.closed":
            return st.just({"reason": "Order completed early by the court"})
        case "registration.added" | "registration.removed":
            return st.fixed_dictionaries({"code": st.sampled_from(CODES)})
        case "enquiry.requested":
            return st.fixed_dictionaries({
                "enquiryId": ids, "agency": st.sampled_from(AGENCIES),
                "reason": st.sampled_from(("ALLOCATION", "CURFEW", "PERIODIC")),
            })
        case "enquiry.responded":
            return st.fixed_dictionaries({
                "enquiryId": ids,
                "outcome": st.sampled_from(("CONCERNS", "NO_CONCERNS", "INSUFFICIENT_DETAIL")),
            })
        case "assessment.completed":
            return st.fixed_dictionaries({
                "assessmentId": ids, "kind": st.sampled_from(("INITIAL", "REVIEW")),
                "rosh": st.sampled_from(ROSH),
                "riskTo": st.lists(st.sampled_from(("CHILDREN", "PARTNER", "PUBLIC")),
                                   max_size=2, unique=True),
                "whoAtRiskRecorded": flag, "natureOfRiskRecorded": flag,
                "sourcesUsed": st.lists(st.sampled_from((*AGENCIES, "PREVIOUS_CONVICTIONS")),
                                        max_size=3, unique=True),
                "needs": st.lists(st.sampled_from(NEEDS), max_size=3, unique=True),
                "strengthsIdentified": flag, "personInvolved": flag, "diversityConsidered": flag,
                "countersignedBy": st.sampled_from((None, "SPO1")),
            })
        case "plan.completed":
            objective = st.fixed_dictionaries({
                "area": st.sampled_from(("RISK_OF_HARM", "DESISTANCE", "ENGAGEMENT")),
                "need": st.sampled_from((None, *NEEDS)),
            })
            return st.fixed_dictionaries({
                "planId": ids, "kind": st.just("INITIAL"),
                "objectives": st.lists(objective, max_size=3), "contingencyPlan": flag,
                "victimSafetyPlanning": flag, "personInvolved": flag,
                "contactFrequencyDays": st.sampled_from((None, 7, 10)),
                "countersignedBy": st.sampled_from((None, "SPO1")),
            })
        case "requirement.added":
            return st.fixed_dictionaries({
                "requirementId": ids,
                "type": st.sampled_from(("CURFEW", "UNPAID_WORK", "DRUG_REHABILITATION")),
            })
        case "requirement.started" | "requirement.ended":
            return st.fixed_dictionaries({"requirementId": ids})
        case "contact.recorded":
            return st.fixed_dictionaries({
                "contactId": ids, "type": st.sampled_from(("OFFICE", "HOME_VISIT", "TELEPHONE")),
                "outcome": st.sampled_from(("ATTENDED", "ATTENDED", "FAILED_TO_ATTEND",
                                            "ACCEPTABLE_ABSENCE")),
            })
        case "referral.made":
            return st.fixed_dictionaries({
                "referralId": ids,
                "service": st.sampled_from(("ACCOMMODATION", "DEPENDENCY_RECOVERY",
                                            "MENTAL_HEALTH")),
            })
        case "referral.started":
            return st.fixed_dictionaries({"referralId": ids})
        case "intelligence.received":
            return st.fixed_dictionaries({
                "intelligenceId": ids,
                "kind": st.sampled_from(("ARREST", "CONVICTION", "NEW_RELATIONSHIP",
                                         "CHILD_CONTACT_CHANGE", "DOMESTIC_INCIDENT",
                                         "ACCOMMODATION_LOSS")),
                "source": st.just("POLICE"),
            })
        case "review.completed":
            return st.fixed_dictionaries({
                "reviewId": ids, "personInvolved": flag, "riskOfHarmReviewed": flag,
                "agencyInput": st.lists(st.sampled_from(("POLICE", "HOUSING")), max_size=1),
                "planUpdated": flag,
            })
        case "oversight.recorded":
            return st.fixed_dictionaries({
                "oversightId": ids, "kind": st.just("CASE_DISCUSSION"), "managerId": st.just("M"),
            })
        case "supervision.suspended":
            return st.fixed_dictionaries({"exitPlan": flag})
        case "supervision.resumed":
            return st.just({})
    raise AssertionError(event_type)


OTHER_TYPES = (
    "case.transferred", "case.closed", "registration.added", "registration.removed",
    "enquiry.requested", "enquiry.responded", "assessment.completed", "plan.completed",
    "requirement.added", "requirement.started", "contact.recorded", "contact.recorded",
    "referral.made", "referral.started", "intelligence.received", "review.completed",
    "oversight.recorded", "supervision.suspended", "supervision.resumed",
)


@st.composite
def case_history(draw: st.DrawFn, crn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    if draw(st.integers(0, 9)) > 0:  # now and then a case whose allocation never arrives
        events.append({
            "eventType": "case.allocated",
            "occurredAt": BASE + timedelta(hours=draw(st.integers(0, 72))),
            "detail": {
                "region": "north-east", "pdu": draw(st.sampled_from(("pdu-a", "pdu-b"))),
                "team": "team-a", "practitioner": {"id": "PR1", "grade": "PO"},
                "sentenceType": "LICENCE", "rosh": draw(st.sampled_from((None, *ROSH))),
                "registrations": draw(st.lists(st.sampled_from(CODES), max_size=2, unique=True)),
            },
        })
    for _ in range(draw(st.integers(0, 24))):
        event_type = draw(st.sampled_from(OTHER_TYPES))
        events.append({
            "eventType": event_type,
            # Hours over ~6 months, so deadlines fall due, pass and get met late; about one
            # event in seven falls before the allocation (a curfew at sentence, an early
            # referral), so obligations that arise before it are exercised too (SPEC §4).
            "occurredAt": BASE + timedelta(hours=draw(st.integers(-24 * 30, 24 * 180))),
            "detail": draw(detail_for(event_type)),
        })
    return [
        {"eventId": f"{crn}-{index}", "version": 1, "crn": crn, **item,
         "occurredAt": item["occurredAt"].isoformat()}
        for index, item in enumerate(events)
    ]


@st.composite
def caseload_history(draw: st.DrawFn) -> list[dict[str, Any]]:
    cases = draw(st.integers(1, len(CRNS)))
    return [e for crn in CRNS[:cases] for e in draw(case_history(crn))]


AS_OF = (BASE + timedelta(days=400)).isoformat()
