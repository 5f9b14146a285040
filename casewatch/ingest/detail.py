"""Domain events mapped from their detail (SPEC §13): allocations, OASys assessments,
requirements, terminations and CRN merges.

Pure, given a `Fetch` (a detail URL to its JSON object, which refuses a host off the allow-list
and raises `Unreachable` for what may succeed later) and the team directory (a Delius team code
to casewatch's region and PDU, which no allocation detail carries). docs/ingest.md has the
field-by-field table, and which §3 facts no public source carries: those keep their defaults.

Nothing free-text is copied: an OASys RoSH summary's who-is-at-risk and nature-of-risk become
`whoAtRiskRecorded` and `natureOfRiskRecorded` (whether they were written), an SPO's oversight
notes become `actionsRecorded`, and a closure's reason is casewatch's own words.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from casewatch.ingest.envelope import DomainEvent, Refusal
from casewatch.ingest.fields import casewatch, code, crn, required_code

ALLOCATED = "person.community.manager.allocated"
ASSESSED = "assessment.summary.produced"
REQUIREMENT_CREATED = "probation-case.requirement.created"
REQUIREMENT_TERMINATED = "probation-case.requirement.terminated"
SENTENCE_TERMINATED = "probation-case.sentence.terminated"
DELETED = "probation-case.deleted.gdpr"
MERGED = "probation-case.merge.completed"
UNMERGED = "probation-case.unmerge.completed"

# No allocation detail carries the practitioner's grade or the sentence type, both required by
# §3 and read by no rule: these stand in, and docs/ingest.md says so.
GRADE = "PO"
SENTENCE_TYPE = "COMMUNITY_ORDER"
# OASys's community RoSH levels, by who is at risk (OASys has no partner group: a partner is
# a known adult). Custody levels are for prisons, which casewatch does not watch.
RISK_GROUPS = (("CHILDREN", "riskChildrenCommunity"), ("PUBLIC", "riskPublicCommunity"),
               ("KNOWN_ADULT", "riskKnownAdultCommunity"), ("STAFF", "riskStaffCommunity"))
LEVELS = {"LOW": "LOW", "MEDIUM": "MEDIUM", "HIGH": "HIGH", "VERY HIGH": "VERY_HIGH",
          "VERY_HIGH": "VERY_HIGH"}
ORDER = ("LOW", "MEDIUM", "HIGH", "VERY_HIGH")
# A criminogenic need is identified when its OASys section's weighted score reaches the
# section's threshold (casewatch's reading of OASys; finance, emotional wellbeing and mental
# health have no weighted score in the summary).
NEED_THRESHOLDS = (("ACCOMMODATION", "accommodationWeightedScore", 2),
                   ("EDUCATION_TRAINING_EMPLOYMENT", "eteWeightedScore", 3),
                   ("RELATIONSHIPS", "relationshipsWeightedScore", 2),
                   ("LIFESTYLE", "lifestyleWeightedScore", 2),
                   ("DRUGS", "drugWeightedScore", 3), ("ALCOHOL", "alcoholWeightedScore", 4),
                   ("THINKING_BEHAVIOUR", "thinkingWeightedScore", 4),
                   ("ATTITUDES", "attitudesWeightedScore", 2))
# Delius requirement main categories (the codes of its reference data) to §3's types.
MAIN_CATEGORIES = {"M": "CURFEW", "W": "UNPAID_WORK", "F": "REHABILITATION_ACTIVITY",
                   "RM38": "ACCREDITED_PROGRAMME", "H": "ALCOHOL_TREATMENT",
                   "P": "MENTAL_HEALTH_TREATMENT"}
SUMMARY_PATH = "/ass/asssumm/"

Fetch = Callable[[str], dict[str, Any]]


class Unreachable(Exception):
    """A detail fetch that may succeed later (the host or the token endpoint is away): the
    message stays on the queue. The reason names the kind of failure, never a body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Place:
    region: str
    pdu: str


@dataclass(frozen=True)
class Sources:
    fetch: Fetch
    teams: Mapping[str, Place]


def map_detailed(event: DomainEvent, sources: Sources) -> list[dict[str, Any]]:
    return HANDLERS[event.event_type](event, sources)


def _allocation(event: DomainEvent, sources: Sources) -> list[dict[str, Any]]:
    """An allocation detail of Manage a Workforce: a first allocation (no allocationReason)
    starts the case, a reallocation transfers it, and an SPO's oversight of the decision is
    oversight recorded."""
    where = "allocation detail"
    body = sources.fetch(_detail_url(event))
    case = event.crn()
    if body.get("crn") not in (None, case):
        raise Refusal("allocation detail is for another CRN")
    staff = required_code(body, "staffCode", where)
    team = required_code(body, "teamCode", where)
    place = sources.teams.get(team)
    if place is None:
        raise Refusal("allocation detail's teamCode is not in CASEWATCH_INGEST_TEAMS")
    spo = code(body, "spoStaffCode", where)
    held: dict[str, Any] = {"region": place.region, "pdu": place.pdu, "team": team,
                            "practitioner": {"id": staff, "grade": GRADE}}
    if spo is not None:
        held["manager"] = {"id": spo}
    if body.get("allocationReason") in (None, ""):
        events = [casewatch(event, "case.allocated", {**held, "sentenceType": SENTENCE_TYPE})]
    else:
        events = [casewatch(event, "case.transferred", held)]
    if spo is not None:
        notes = body.get("spoOversightNotes")
        events.append(casewatch(event, "oversight.recorded", {
            "oversightId": f"{event.event_id}:oversight", "kind": "CASE_DISCUSSION",
            "managerId": spo, "actionsRecorded": isinstance(notes, str) and bool(notes.strip())},
            part=":oversight"))
    return events


def _assessment(event: DomainEvent, sources: Sources) -> list[dict[str, Any]]:
    """OASys's assessment summary, then its RoSH summary (the same host's ORDS)."""
    url = _detail_url(event)
    if SUMMARY_PATH not in url:
        raise Refusal("detailUrl is not an OASys assessment summary")
    summary = sources.fetch(url)
    case = crn(summary, "probNumber", "OASys summary")
    if event.crn_if_any() not in (None, case):
        raise Refusal("OASys summary is for another CRN")
    found = summary.get("assessments")
    if not isinstance(found, list) or not found or not isinstance(found[0], dict):
        raise Refusal("OASys summary without an assessment")
    assessment = found[0]
    key = assessment.get("assessmentPk")
    if not isinstance(key, int) or isinstance(key, bool) or key < 0:
        raise Refusal("OASys summary without an assessmentPk")
    levels = {group: _level(assessment, field) for group, field in RISK_GROUPS}
    rated = [level for level in levels.values() if level is not None]
    if not rated:
        raise Refusal("OASys summary without a community RoSH level")
    rosh = max(rated, key=ORDER.index)
    roshes = sources.fetch(f"{url.split(SUMMARY_PATH)[0]}/ass/sectionroshsumm/ALLOW/{key}")
    entries = roshes.get("assessments")
    section = entries[0] if isinstance(entries, list) and entries and isinstance(
        entries[0], dict) else {}
    scores = assessment.get("weightedScores")
    scores = scores if isinstance(scores, dict) else {}
    detail = {
        "assessmentId": f"oasys:{key}", "kind": "INITIAL" if _initial(assessment) else "REVIEW",
        "rosh": rosh,
        "riskTo": [group for group, level in levels.items()
                   if level is not None and ORDER.index(level) >= ORDER.index("MEDIUM")],
        "whoAtRiskRecorded": _written(section, "whoAtRisk"),
        "natureOfRiskRecorded": _written(section, "natureOfRisk"),
        "needs": [need for need, field, threshold in NEED_THRESHOLDS
                  if _score(scores, field) >= threshold],
    }
    return [casewatch(event, "assessment.completed", detail, case=case)]


def _requirement_created(event: DomainEvent, sources: Sources) -> list[dict[str, Any]]:
    """The requirement's main category, from its Delius detail (`M` is curfew)."""
    requirement = _requirement_id(event)
    body = sources.fetch(_detail_url(event))
    if code(body, "requirementId", "requirement detail") not in (None, requirement):
        raise Refusal("requirement detail is for another requirement")
    category = body.get("requirementTypeMainCategory")
    main = required_code(category if isinstance(category, dict) else {}, "code",
                         "requirement detail.requirementTypeMainCategory")
    return [casewatch(event, "requirement.added", {
        "requirementId": requirement, "type": MAIN_CATEGORIES.get(main, "OTHER")})]


def _requirement_terminated(event: DomainEvent, sources: Sources) -> list[dict[str, Any]]:
    return [casewatch(event, "requirement.ended", {"requirementId": _requirement_id(event)})]


def _closed(reason: str) -> Callable[[DomainEvent, Sources], list[dict[str, Any]]]:
    def close(event: DomainEvent, sources: Sources) -> list[dict[str, Any]]:
        return [casewatch(event, "case.closed", {"reason": reason})]
    return close


def _merged(event: DomainEvent, sources: Sources) -> list[dict[str, Any]]:
    """The source CRN no longer exists in Delius: its case closes, its open alerts resolved as
    CASE_CLOSED, and the reason names the CRN that carries the person on (docs/ingest.md)."""
    source = crn(event.additional, "sourceCRN")
    target = crn(event.additional, "targetCRN")
    if source == target:
        raise Refusal("merge of a CRN into itself")
    return [casewatch(event, "case.closed", {"reason": f"merged into {target}"}, case=source)]


def _unmerged(event: DomainEvent, sources: Sources) -> list[dict[str, Any]]:
    """A closed case cannot be reopened (§2): the reactivated CRN's next case.allocated under
    casewatch's own contract is what watches it again (docs/ingest.md)."""
    crn(event.additional, "reactivatedCRN")
    crn(event.additional, "unmergedCRN")
    return []


def _detail_url(event: DomainEvent) -> str:
    url = event.body.get("detailUrl")
    if not isinstance(url, str) or not url:
        raise Refusal("missing field detailUrl")
    return url


def _requirement_id(event: DomainEvent) -> str:
    found = code(event.additional, "requirementID") or code(event.additional, "requirementId")
    if found is None:
        raise Refusal("missing field additionalInformation.requirementID")
    return found


def _level(assessment: dict[str, Any], field: str) -> str | None:
    value = assessment.get(field)
    if value is None or value == "":
        return None
    level = LEVELS.get(value.strip().upper()) if isinstance(value, str) else None
    if level is None:
        raise Refusal(f"invalid field OASys summary.{field} (not a RoSH level)")
    return level


def _initial(assessment: dict[str, Any]) -> bool:
    """OASys numbers an assessment's reviews: none, or review 00, is the initial one."""
    number = assessment.get("reviewNum")
    return number in (None, "") or (isinstance(number, str) and number.strip("0") == "")


def _written(section: dict[str, Any], field: str) -> bool:
    value = section.get(field)
    return isinstance(value, str) and bool(value.strip())


def _score(scores: dict[str, Any], field: str) -> int:
    value = scores.get(field)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


HANDLERS: dict[str, Callable[[DomainEvent, Sources], list[dict[str, Any]]]] = {
    ALLOCATED: _allocation,
    ASSESSED: _assessment,
    REQUIREMENT_CREATED: _requirement_created,
    REQUIREMENT_TERMINATED: _requirement_terminated,
    SENTENCE_TERMINATED: _closed("sentence terminated"),
    DELETED: _closed("deleted from Delius"),
    MERGED: _merged,
    UNMERGED: _unmerged,
}
