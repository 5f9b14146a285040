"""HMPPS domain events for the tests, in the shapes probation's systems publish (written here
after the published fixtures in ../shared/hmpps/samples/, not copied from them)."""

import json
import random
import uuid
from typing import TYPE_CHECKING, Any

from tests.support.mutations import FREE_TEXT, mutate

if TYPE_CHECKING:
    from casewatch.ingest.detail import Sources


def domain_event(event_type: str, crn: str = "X123456",
                 occurred_at: str = "2025-07-01T10:30:00.123+01:00[Europe/London]",
                 version: int | str = 1, **additional: Any) -> dict[str, Any]:
    """A domain event as Delius writes one: a description (free text casewatch must never
    copy), a CRN and a NOMS number, and its additional information."""
    return {"eventType": event_type, "version": version, "occurredAt": occurred_at,
            "description": f"A registration was changed by {FREE_TEXT}",
            "personReference": {"identifiers": [{"type": "CRN", "value": crn},
                                                {"type": "NOMS", "value": "A1234BC"}]},
            "additionalInformation": additional}


def registration(event_type: str = "probation-case.registration.added", code: str = "MAPP",
                 crn: str = "X123456", **fields: Any) -> dict[str, Any]:
    info = {"registrationId": "1506296709", "registerTypeCode": code,
            "registerTypeDescription": f"Registered by {FREE_TEXT}",
            "registrationLevelCode": "", "registrationCategoryCode": "",
            "registrationDate": "Tue Jul 01 00:00:00 BST 2025", **fields}
    return domain_event(event_type, crn=crn, **info)


def notification(event: dict[str, Any], message_id: str | None = None,
                 attribute: str | None = None) -> dict[str, Any]:
    """The SNS notification SQS delivers around a domain event (its Message a JSON string);
    `attribute` is the eventType message attribute, which may differ from the inner one."""
    return {"Type": "Notification", "MessageId": message_id or str(uuid.uuid4()),
            "TopicArn": "arn:aws:sns:eu-west-2:000000000000:hmpps-domain-events",
            "Message": json.dumps(event), "Timestamp": "2025-07-01T09:30:01.000Z",
            "MessageAttributes": {"eventType": {"Type": "String",
                                                "Value": attribute or event["eventType"]}}}


def line(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def fuzzed(count: int, rng: random.Random) -> tuple[list[bytes], list[str]]:
    """`count` valid bodies, each after one mutated the ways producers go wrong (raw, or inside
    a notification's Message): the stream, and the eventIds the valid bodies must map to."""
    valid = [registration(code=rng.choice(["ADVP", "REG30", "MAPP", "RCPR"]), crn=f"X{n:06d}")
             for n in range(200)]
    stream, expected = [], []
    for number in range(count):
        event = valid[number % len(valid)]
        inner = mutate(event, rng)
        if rng.random() < 0.5:
            inner = json.dumps({"Type": "Notification", "MessageId": f"bad-{number}",
                                "Message": inner.decode("utf-8", "replace")}).encode()
        stream.append(inner.replace(b"\n", b" "))
        stream.append(line(notification(event, f"good-{number}")))
        expected.append(f"hmpps:good-{number}")
    return stream, expected


# -- the types mapped from their detail: each event, and its detail in the published shape ----

def allocation(crn: str, allocation_id: str, base: str,
               occurred_at: str = "2025-07-01T15:22:07.108917168+01:00") -> dict[str, Any]:
    """Manage a Workforce's person allocation event, its detail behind detailUrl."""
    event = domain_event("person.community.manager.allocated", crn=crn, occurred_at=occurred_at,
                         allocationId=allocation_id)
    return {**event, "description": "Person allocated event",
            "detailUrl": f"{base}/allocation/person/{allocation_id}"}


def allocation_detail(crn: str, staff: str = "N07ABC1", team: str = "N07ABC",
                      reason: str | None = None, spo: str | None = None,
                      notes: str | None = None) -> dict[str, Any]:
    """GET /allocation/person/{id}: a reallocation has an allocationReason, and may carry an
    SPO's oversight of the decision."""
    detail: dict[str, Any] = {"id": "Fe2474-Sjgjau2", "staffCode": staff, "teamCode": team,
                              "createdBy": FREE_TEXT, "createdDate": "2025-07-01T10:30:54+01:00",
                              "crn": crn}
    if reason is not None:
        detail.update(staffId=345234, eventNumber=1, allocationReason=reason,
                      allocationJustificationNotes=FREE_TEXT, sensitiveNotes=True)
    if spo is not None:
        detail.update(spoStaffCode=spo, spoOversightNotes=notes)
    return detail


def oasys(crn: str, key: int, base: str, named: bool = True,
          occurred_at: str = "2025-07-20T15:32:32+00:00") -> dict[str, Any]:
    """OASys's assessment.summary.produced (some name no person: the CRN is in the URL)."""
    event = domain_event("assessment.summary.produced", crn=crn, occurred_at=occurred_at)
    event.update(description="Assessment Summary has been produced",
                 detailUrl=f"{base}/eor/oasys/ass/asssumm/{crn}/ALLOW/{key}/COMPLETE")
    if not named:
        del event["personReference"]
    return event


def oasys_summary(crn: str, key: int, children: str | None = "High",
                  public: str | None = None, known_adult: str | None = "Medium",
                  staff: str | None = "Low", review: str = "00",
                  scores: dict[str, int] | None = None) -> dict[str, Any]:
    """ORDS /ass/asssumm/{CRN}/ALLOW/{pk}/COMPLETE, in the shape OASys publishes."""
    return {"probNumber": crn, "assessments": [{
        "assessmentPk": key, "assessmentType": "LAYER3", "assessmentStatus": "COMPLETE",
        "dateCompleted": "2025-07-20T12:22:44", "initiationDate": "2025-07-18T11:49:57",
        "reviewNum": review,
        "riskChildrenCommunity": children, "riskChildrenCustody": "Low",
        "riskPublicCommunity": public, "riskKnownAdultCommunity": known_adult,
        "riskStaffCommunity": staff, "riskPrisonersCustody": None,
        "weightedScores": scores if scores is not None else {
            "accommodationWeightedScore": 4, "eteWeightedScore": 1,
            "relationshipsWeightedScore": 2, "lifestyleWeightedScore": 0,
            "drugWeightedScore": 6, "alcoholWeightedScore": 2, "thinkingWeightedScore": 4,
            "attitudesWeightedScore": 1},
        "furtherInformation": {"assessorName": FREE_TEXT, "courtName": FREE_TEXT},
        "sentencePlan": {"objectives": [{"objectiveCodeDesc": FREE_TEXT, "objectiveSequence": 1,
                                         "criminogenicNeeds": [], "actions": []}]},
    }]}


def rosh_summary(who: str | None = FREE_TEXT, nature: str | None = FREE_TEXT) -> dict[str, Any]:
    """ORDS /ass/sectionroshsumm/ALLOW/{pk}: who is at risk and how, as free text."""
    return {"assessments": [{"whoAtRisk": who, "natureOfRisk": nature}]}


def requirement(event_type: str, crn: str, requirement_id: str, base: str,
                occurred_at: str = "2025-07-03T09:00:00+01:00") -> dict[str, Any]:
    event = domain_event(event_type, crn=crn, occurred_at=occurred_at,
                         requirementID=requirement_id, requirementMainType="Curfew",
                         requirementSubType=FREE_TEXT, eventNumber="1")
    return {**event, "detailUrl": f"{base}/requirement/{requirement_id}"}


def requirement_detail(requirement_id: str, main: str = "M") -> dict[str, Any]:
    """A Delius requirement (stand-in shape: the Community API's Requirement)."""
    return {"requirementId": int(requirement_id), "active": True,
            "requirementTypeMainCategory": {"code": main, "description": "Curfew"},
            "requirementNotes": FREE_TEXT}


def merge(source: str, target: str,
          occurred_at: str = "2025-08-01T09:49:55.560241+01:00") -> dict[str, Any]:
    return domain_event("probation-case.merge.completed", crn=target, occurred_at=occurred_at,
                        sourceCRN=source, targetCRN=target)


def ords_paths(crn: str, key: int) -> tuple[str, str]:
    """The stand-in's paths for an assessment's summary and its RoSH summary."""
    return (f"/eor/oasys/ass/asssumm/{crn}/ALLOW/{key}/COMPLETE",
            f"/eor/oasys/ass/sectionroshsumm/ALLOW/{key}")


def page_sources(pages: dict[str, bytes]) -> "Sources":
    """Sources whose fetch answers from `pages` (URL → body) as a detail host would: a body
    read by the real reader, an absent URL a 404."""
    from casewatch.ingest.detail import Place, Sources
    from casewatch.ingest.fetch import answered

    return Sources(lambda url: answered(200, pages[url]) if url in pages else answered(404, b""),
                   {"N07ABC": Place("north-east", "county-durham-and-darlington")})


def fuzzed_details(count: int, rng: random.Random, base: str = "https://detail.example"
                   ) -> tuple[list[bytes], list[str], dict[str, bytes]]:
    """`count` valid bodies of the detail types, each after one whose event or detail was
    mutated: the stream, the eventIds the valid ones must map to, and the detail pages."""
    stream, expected, pages = [], [], {}

    def case(number: int) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        crn = f"X{number % 1_000_000:06d}"
        kind = number % 4
        if kind == 0:
            return allocation(crn, f"a{number}", base), {
                f"{base}/allocation/person/a{number}": allocation_detail(
                    crn, spo="N07SPO1" if number % 8 == 0 else None, notes=FREE_TEXT,
                    reason="TRANSFER" if number % 8 == 0 else None)}
        if kind == 1:
            summary, rosh = ords_paths(crn, number)
            return oasys(crn, number, base, named=number % 2 == 1), {
                base + summary: oasys_summary(crn, number), base + rosh: rosh_summary()}
        if kind == 2:
            rid = f"{2500000000 + number}"
            return requirement("probation-case.requirement.created", crn, rid, base), {
                f"{base}/requirement/{rid}": requirement_detail(rid)}
        return merge(crn, f"Y{number % 1_000_000:06d}"), {}

    for number in range(count):
        bad, bad_pages = case(2 * number)
        good, good_pages = case(2 * number + 1)
        if not bad_pages or rng.random() < 0.5:
            inner = mutate(bad, rng)
            if rng.random() < 0.5:
                inner = json.dumps({"Type": "Notification", "MessageId": f"bad-{number}",
                                    "Message": inner.decode("utf-8", "replace")}).encode()
            stream.append(inner.replace(b"\n", b" "))
            pages.update({url: json.dumps(page).encode() for url, page in bad_pages.items()})
        else:
            stream.append(line(notification(bad, f"bad-{number}")))
            spoilt = rng.choice(sorted(bad_pages))
            pages.update({url: json.dumps(page).encode() for url, page in bad_pages.items()})
            pages[spoilt] = mutate(bad_pages[spoilt], rng)
        stream.append(line(notification(good, f"good-{number}")))
        pages.update({url: json.dumps(page).encode() for url, page in good_pages.items()})
        expected.append(f"hmpps:good-{number}")
    return stream, expected, pages
