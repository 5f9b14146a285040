"""One SQS body as a domain event (SPEC §13): the SNS notification around it opened, its eventId
made, its CRN and occurredAt read as casewatch reads them.

Pure: bytes in, a `DomainEvent` or a `Refusal` out. A refusal's reason names the problem, never
a value from the body, since descriptions and other fields can hold names.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import from_json

from casewatch.schemas.events import CRN_PATTERN

CRN = re.compile(CRN_PATTERN)
# ISO 8601 with an offset and 0-9 fractional digits, as Java writes it, optionally followed by
# a bracketed zone id (ZonedDateTime), which is ignored: the offset decides.
OCCURRED_AT = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?"
                         r"(?:Z|[+-]\d{2}:\d{2}))(?:\[[A-Za-z0-9_+\-/]{1,64}\])?", re.ASCII)
# What an event type must look like to be named in a reason or a metric label.
EVENT_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}(\.[A-Za-z][A-Za-z0-9_-]{0,63}){0,7}",
                        re.ASCII)


class Refusal(Exception):
    """A body that cannot be a casewatch event: the reason, in one line, echoes no free text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DomainEvent:
    event_id: str  # hmpps: + the SNS MessageId, or hmpps:sha256: + the raw body's digest
    event_type: str
    body: dict[str, Any]  # the domain event object itself

    @property
    def additional(self) -> dict[str, Any]:
        """additionalInformation, with empty strings as absent (Delius sends "" for none)."""
        info = self.body.get("additionalInformation")
        if not isinstance(info, dict):
            return {}
        return {key: value for key, value in info.items() if value != ""}

    def crn(self) -> str:
        """The identifier of type CRN, checked against SPEC §2."""
        found = self.crn_if_any()
        if found is None:
            reference = self.body.get("personReference")
            if not isinstance(reference, dict) or not isinstance(reference.get("identifiers"),
                                                                 list):
                raise Refusal("no personReference.identifiers")
            raise Refusal("no CRN identifier in personReference")
        return found

    def crn_if_any(self) -> str | None:
        """The CRN identifier, None if the event names no CRN (an OASys event can carry its
        CRN only in its detail), refused if it names a bad one."""
        reference = self.body.get("personReference")
        identifiers = reference.get("identifiers") if isinstance(reference, dict) else None
        for identifier in identifiers if isinstance(identifiers, list) else ():
            if isinstance(identifier, dict) and identifier.get("type") == "CRN":
                value = identifier.get("value")
                if not isinstance(value, str) or not CRN.fullmatch(value):
                    raise Refusal("bad CRN in personReference")
                return value
        return None

    def occurred_at(self) -> str:
        """occurredAt as RFC 3339 with its offset: the bracketed zone id, if any, left off."""
        text = self.body.get("occurredAt")
        match = OCCURRED_AT.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise Refusal("unreadable occurredAt (ISO 8601 with an offset is needed)")
        try:
            datetime.fromisoformat(match[1].replace("Z", "+00:00"))
        except ValueError:
            raise Refusal("unreadable occurredAt (not a real date and time)") from None
        return match[1]


def open_body(body: bytes) -> DomainEvent:
    """The domain event in one SQS body: an SNS notification (its Message a JSON string), or
    with raw message delivery the domain event object itself. The inner eventType decides."""
    try:
        value = from_json(body)
    except ValueError:
        raise Refusal("not JSON") from None
    if not isinstance(value, dict):
        raise Refusal("not a JSON object")
    if value.get("Type") == "Notification":
        message_id = value.get("MessageId")
        message = value.get("Message")
        if not isinstance(message_id, str) or not 0 < len(message_id) <= 100:
            raise Refusal("notification without a MessageId")
        if not isinstance(message, str):
            raise Refusal("notification without a Message string")
        try:
            event = from_json(message)
        except ValueError:
            raise Refusal("notification Message is not JSON") from None
        event_id = f"hmpps:{message_id}"
    else:
        event = value
        event_id = f"hmpps:sha256:{hashlib.sha256(body).hexdigest()[:32]}"
    if not isinstance(event, dict) or not isinstance(event.get("eventType"), str):
        raise Refusal("not an SNS notification or an HMPPS domain event (no eventType)")
    if not EVENT_TYPE.fullmatch(event["eventType"]):
        raise Refusal("eventType is not an event type name")
    version = event.get("version")
    if isinstance(version, bool) or not (
            isinstance(version, int) or (isinstance(version, str) and version.isdigit())):
        raise Refusal("version is not a number")
    return DomainEvent(event_id, event["eventType"], event)
