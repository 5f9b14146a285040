"""Turn one wire message into a validated event, or a rejection with a reason to act on."""

import re

from pydantic import ValidationError
from pydantic_core import from_json

from casewatch.schemas.events import EVENT_TYPES, CaseEvent, case_event_adapter

# What an echoed value must look like: a short code such as an event type, never free text.
CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){0,3}", re.ASCII)


class Rejection(Exception):
    """A message that is not a valid case event: the reason names the problem and its path."""

    def __init__(self, reason: str, event_id: str | None, event_type: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.event_id = event_id
        self.event_type = event_type  # a known event type, or None: safe as a metric label


def parse_event(raw: bytes | str) -> CaseEvent:
    """Validate one JSON message; raise Rejection naming the problem and its field path."""
    try:
        return case_event_adapter.validate_json(raw)
    except ValidationError as error:
        raise Rejection(_reason(error), *_identity(raw)) from None


def _identity(raw: bytes | str) -> tuple[str | None, str | None]:
    """The eventId and (known) eventType of a rejected message, where they can be read."""
    try:
        # pydantic's own parser: bounded nesting (json.loads would raise RecursionError on a
        # deeply nested message, escaping the decoder), and the same reading as validation.
        value = from_json(raw)
    except ValueError:
        return None, None
    if not isinstance(value, dict):
        return None, None
    event_id = value.get("eventId")
    event_type = value.get("eventType")
    return (
        event_id if isinstance(event_id, str) and 0 < len(event_id) <= 128 else None,
        event_type if event_type in EVENT_TYPES else None,
    )


def _reason(error: ValidationError) -> str:
    problems = [_describe(detail) for detail in error.errors(include_url=False)]
    return "; ".join(dict.fromkeys(problems))


def _describe(detail: object) -> str:
    assert isinstance(detail, dict)
    kind: str = detail["type"]
    loc = detail["loc"]
    # A discriminated union puts the tag first in the location; the wire path starts after it.
    if loc and isinstance(loc[0], str) and "." in loc[0]:
        loc = loc[1:]
    path = ".".join(str(part) for part in loc)
    given = detail.get("input")
    if kind == "json_invalid":
        return f"invalid JSON: {detail['ctx'].get('error', detail['msg'])}"
    if kind == "union_tag_invalid":
        # An event type is a code, but a producer could put anything there, a name included:
        # echo only what looks like a code (reasons reach logs and the dead-letter header).
        tag = given.get("eventType") if isinstance(given, dict) else None
        coded = isinstance(tag, str) and len(tag) <= 40 and CODE.fullmatch(tag)
        return f"unknown eventType {tag!r}" if coded else "unknown eventType"
    if kind == "union_tag_not_found":
        return "missing field eventType"
    if kind in ("dict_type", "model_type") and not path:
        return "invalid event: not a JSON object"
    if path == "version" and kind in ("literal_error", "missing"):
        return "missing field version" if kind == "missing" else (
            f"unsupported version {given!r} (supported: 1)" if isinstance(given, int)
            else "unsupported version (supported: 1)"
        )
    if kind == "timezone_aware":
        return f"timestamp without offset at {path}"
    if path == "crn" and kind == "string_pattern_mismatch":
        # The value is not echoed: a malformed CRN field may hold a name.
        return "bad CRN (expected one capital letter and six digits)"
    if kind == "missing":
        return f"missing field {path}"
    return f"invalid field {path}: {detail['msg']}"
