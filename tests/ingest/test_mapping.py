"""SPEC §13's mapping of HMPPS domain events, read exactly: the envelope, the eventId, occurredAt,
the CRN, and registrations mapped without a fetch."""

import hashlib
import json
from typing import Any

import pytest

from casewatch.ingest.envelope import Refusal, open_body
from casewatch.ingest.mapping import NeedsDetail, Unused, map_event
from casewatch.schemas.parse import parse_event
from tests.support.hmpps import domain_event, line, notification, registration
from tests.support.mutations import FREE_TEXT


def mapped(body: bytes) -> list[dict[str, Any]]:
    events = map_event(open_body(body))
    assert isinstance(events, list)
    for event in events:  # every mapped event is a valid casewatch event
        parse_event(json.dumps(event))
    return events


def refused(body: bytes) -> str:
    with pytest.raises(Refusal) as refusal:
        map_event(open_body(body))
    reason = refusal.value.reason
    assert "Jane" not in reason and "Acacia" not in reason
    return reason


def test_a_notification_s_event_id_is_its_message_id_and_the_inner_type_decides() -> None:
    event = registration(code="MAPP", registrationLevelCode="M3", registrationCategoryCode="M1")
    body = line(notification(event, "1a2345bc-de67", attribute="risk-assessment.scores.determined"))
    (out,) = mapped(body)
    assert out == {"eventId": "hmpps:1a2345bc-de67", "eventType": "registration.added",
                   "version": 1, "occurredAt": "2025-07-01T10:30:00.123+01:00",
                   "crn": "X123456", "detail": {"code": "MAPP", "level": "M3", "category": "M1"}}


def test_a_raw_body_s_event_id_is_its_digest() -> None:
    body = line(registration(code="ADVP"))
    (out,) = mapped(body)
    assert out["eventId"] == "hmpps:sha256:" + hashlib.sha256(body).hexdigest()[:32]
    assert out["detail"] == {"code": "ADVP"}  # empty strings are absent


def test_redelivery_is_the_same_event_id() -> None:
    body = line(notification(registration(), "m-1"))
    assert mapped(body)[0]["eventId"] == mapped(body)[0]["eventId"] == "hmpps:m-1"
    raw = line(registration())
    assert mapped(raw)[0]["eventId"] == mapped(raw)[0]["eventId"]


@pytest.mark.parametrize(("given", "shown"), [
    ("2023-06-19T18:35:59.442+01:00[Europe/London]", "2023-06-19T18:35:59.442+01:00"),
    ("2024-03-25T10:35:38.285Z", "2024-03-25T10:35:38.285Z"),
    ("2024-03-25T10:35:38Z", "2024-03-25T10:35:38Z"),
    ("2024-03-25T10:35:38.123456789-05:00", "2024-03-25T10:35:38.123456789-05:00"),
])
def test_occurred_at_is_the_domain_event_s_without_its_zone_id(given: str, shown: str) -> None:
    (out,) = mapped(line(domain_event("probation-case.registration.added", occurred_at=given,
                                      registerTypeCode="RCPR")))
    assert out["occurredAt"] == shown


@pytest.mark.parametrize("occurred_at", ["2024-03-25T10:35:38", "Mon Jun 19 00:00:00 BST 2023",
                                         "2024-02-30T10:00:00Z", "", None, 17])
def test_an_unreadable_occurred_at_is_refused(occurred_at: Any) -> None:
    body = registration()
    body["occurredAt"] = occurred_at
    assert refused(line(body)).startswith("unreadable occurredAt")


@pytest.mark.parametrize("version", [1, "2", 2])
def test_a_version_is_a_number_or_a_numeric_string(version: Any) -> None:
    body = registration()
    body["version"] = version
    assert mapped(line(body))[0]["version"] == 1
    body["version"] = "two"
    assert refused(line(body)) == "version is not a number"


def test_levels_and_categories_come_from_either_name() -> None:
    (out,) = mapped(line(registration(code="MAPP", registrationLevelCode="",
                                      registerLevelCode="M2", registerCategoryCode="M4")))
    assert out["detail"] == {"code": "MAPP", "level": "M2", "category": "M4"}


@pytest.mark.parametrize(("event_type", "casewatch_type"), [
    ("probation-case.registration.added", "registration.added"),
    ("probation-case.registration.updated", "registration.added"),
    ("probation-case.registration.deregistered", "registration.removed"),
    ("probation-case.registration.deleted", "registration.removed"),
])
def test_each_registration_event_maps(event_type: str, casewatch_type: str) -> None:
    body = registration(event_type, code="RCCO", registrationLevelCode="L1")
    if event_type.endswith("deregistered"):
        del body["additionalInformation"]["registrationId"]  # Delius sends none: by code
    (out,) = mapped(line(notification(body)))
    assert out["eventType"] == casewatch_type and out["detail"]["code"] == "RCCO"
    assert ("level" in out["detail"]) == (casewatch_type == "registration.added")


@pytest.mark.parametrize(("change", "reason"), [
    (lambda b: b.pop("personReference"), "no personReference.identifiers"),
    (lambda b: b["personReference"].update(identifiers=[{"type": "NOMS", "value": "A1234BC"}]),
     "no CRN identifier in personReference"),
    (lambda b: b["personReference"]["identifiers"][0].update(value="X12345"),
     "bad CRN in personReference"),
    (lambda b: b["additionalInformation"].pop("registerTypeCode"),
     "missing field additionalInformation.registerTypeCode"),
    (lambda b: b["additionalInformation"].update(registerTypeCode=FREE_TEXT),
     "invalid field additionalInformation.registerTypeCode (not a code)"),
    (lambda b: b["additionalInformation"].update(registrationLevelCode=FREE_TEXT),
     "invalid field additionalInformation.registrationLevelCode (not a code)"),
])
def test_a_mapped_type_that_cannot_be_read_is_refused_without_echoing_it(
        change: Any, reason: str) -> None:
    body = registration()
    change(body)
    assert refused(line(body)) == reason


@pytest.mark.parametrize(("body", "reason"), [
    (b"not json", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"Type": "Notification", "MessageId": "m", "Message": "{broken"}',
     "notification Message is not JSON"),
    (b'{"Type": "Notification", "Message": "{}"}', "notification without a MessageId"),
    (b'{"hello": "world"}', "not an SNS notification or an HMPPS domain event (no eventType)"),
])
def test_a_body_that_is_no_domain_event_is_refused(body: bytes, reason: str) -> None:
    assert refused(body) == reason


def test_other_types_are_unused_and_detail_types_wait_for_a_fetch() -> None:
    unused = map_event(open_body(line(domain_event("probation-case.engagement.created"))))
    assert unused == Unused("probation-case.engagement.created")
    for event_type in ("person.community.manager.allocated", "assessment.summary.produced",
                       "probation-case.requirement.created", "probation-case.merge.completed"):
        assert map_event(open_body(line(domain_event(event_type)))) == NeedsDetail(event_type)


def test_no_text_of_the_domain_event_is_copied() -> None:
    (out,) = mapped(line(notification(registration())))
    assert "Jane" not in json.dumps(out) and "description" not in json.dumps(out)
