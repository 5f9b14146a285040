"""HMPPS domain events for the tests, in the shapes probation's systems publish (written here
after the published fixtures in ../shared/hmpps/samples/, not copied from them)."""

import json
import random
import uuid
from typing import Any

from tests.support.mutations import FREE_TEXT, mutate


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
