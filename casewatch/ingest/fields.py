"""Reading a domain event's fields, and writing a casewatch event from them (SPEC §13).

Codes are short tokens (MAPP, M3, N02ABS1, 2500812305): anything else is refused, so no text
can reach a casewatch event in a code's place. A refusal names the field, never its value.
"""

import re
from typing import Any

from casewatch.ingest.envelope import CRN, DomainEvent, Refusal

CODE = re.compile(r"[A-Za-z0-9_-]{1,32}", re.ASCII)


def code(source: dict[str, Any], name: str, where: str = "additionalInformation",
         longest: int = 32) -> str | None:
    """A code field: None where absent or empty, refused where not a code of at most `longest`
    characters. Delius writes some ids as numbers, so an integer is read as its digits."""
    value = source.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str) or len(value) > longest or not CODE.fullmatch(value):
        raise Refusal(f"invalid field {where}.{name} (not a code)")
    return value


def required_code(source: dict[str, Any], name: str, where: str = "additionalInformation",
                  longest: int = 32) -> str:
    value = code(source, name, where, longest)
    if value is None:
        raise Refusal(f"missing field {where}.{name}")
    return value


def crn(source: dict[str, Any], name: str, where: str = "additionalInformation") -> str:
    """A CRN field (a merge's sourceCRN, an OASys summary's probNumber), checked against §2."""
    value = source.get(name)
    if value is None or value == "":
        raise Refusal(f"missing field {where}.{name}")
    if not isinstance(value, str) or not CRN.fullmatch(value):
        raise Refusal(f"bad CRN in {where}.{name}")
    return value


def casewatch(event: DomainEvent, event_type: str, detail: dict[str, Any],
              case: str | None = None, part: str = "") -> dict[str, Any]:
    """A casewatch event (§2) from a domain event: its eventId (with `part` where one body
    becomes several), its occurredAt, and the CRN (`case`, or the event's own)."""
    return {"eventId": event.event_id + part, "eventType": event_type, "version": 1,
            "occurredAt": event.occurred_at(), "crn": case or event.crn(), "detail": detail}
