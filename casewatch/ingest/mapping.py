"""Domain events to casewatch events (SPEC §13).

Registrations map without a detail fetch: the register type, level and category are on the
event. The inner eventType decides what a body is, never the SNS attribute. What a mapping
carries is §2–§3's fields only: no description, register description or other text of the
domain event is copied, since descriptions can hold names.

`probation-case.registration.added` and `.updated` become `registration.added`, `.deregistered`
and `.deleted` become `registration.removed` (docs/ingest.md has the field-by-field table).

Allocations, OASys assessments, requirements, terminations and merges need their detail
fetched; until a fetch is configured they are `NeedsDetail`, and any other type is `Unused`.
"""

import re
from dataclasses import dataclass
from typing import Any

from casewatch.ingest.envelope import DomainEvent, Refusal

REGISTRATION_ADDED = ("probation-case.registration.added", "probation-case.registration.updated")
REGISTRATION_REMOVED = ("probation-case.registration.deregistered",
                        "probation-case.registration.deleted")
# Mapped from their detail (the allocation of Manage a Workforce, OASys's summary, Delius's
# requirement and sentence), fetched from an allow-listed host.
NEEDS_DETAIL = frozenset({
    "person.community.manager.allocated",
    "assessment.summary.produced",
    "probation-case.requirement.created",
    "probation-case.requirement.terminated",
    "probation-case.sentence.terminated",
    "probation-case.merge.completed",
    "probation-case.unmerge.completed",
})
# What a register type, level or category may be: Delius's are short codes (MAPP, M3, REG30).
# Anything else is refused, so no text can reach a casewatch event in a code's place.
CODE = re.compile(r"[A-Za-z0-9_-]{1,16}", re.ASCII)


@dataclass(frozen=True)
class Unused:
    """A domain event casewatch does not use: counted by type and let go."""

    event_type: str


@dataclass(frozen=True)
class NeedsDetail:
    """A domain event casewatch maps from its detail, which this reader does not fetch."""

    event_type: str


Mapped = list[dict[str, Any]] | Unused | NeedsDetail


def map_event(event: DomainEvent) -> Mapped:
    """The casewatch events (as §2 wire objects) a domain event maps to; Refusal if it is one
    casewatch maps but cannot be read."""
    if event.event_type in REGISTRATION_ADDED or event.event_type in REGISTRATION_REMOVED:
        return [_registration(event)]
    if event.event_type in NEEDS_DETAIL:
        return NeedsDetail(event.event_type)
    return Unused(event.event_type)


def _registration(event: DomainEvent) -> dict[str, Any]:
    info = event.additional
    code = _code(info, "registerTypeCode")
    if code is None:
        raise Refusal("missing field additionalInformation.registerTypeCode")
    detail = {"code": code}
    if event.event_type in REGISTRATION_ADDED:
        for field, names in (("level", ("registrationLevelCode", "registerLevelCode")),
                             ("category", ("registrationCategoryCode", "registerCategoryCode"))):
            value = _first(info, names)
            if value is not None:
                detail[field] = value
    added = event.event_type in REGISTRATION_ADDED
    return _casewatch(event, "registration.added" if added else "registration.removed", detail)


def _first(info: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = _code(info, name)
        if value is not None:
            return value
    return None


def _code(info: dict[str, Any], name: str) -> str | None:
    """A code field of additionalInformation: None where absent, refused where not a code."""
    value = info.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not CODE.fullmatch(value):
        raise Refusal(f"invalid field additionalInformation.{name} (not a code)")
    return value


def _casewatch(event: DomainEvent, event_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {"eventId": event.event_id, "eventType": event_type, "version": 1,
            "occurredAt": event.occurred_at(), "crn": event.crn(), "detail": detail}
