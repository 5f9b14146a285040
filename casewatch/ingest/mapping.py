"""Domain events to casewatch events (SPEC §13).

Registrations map without a detail fetch: the register type, level and category are on the
event. The inner eventType decides what a body is, never the SNS attribute. What a mapping
carries is §2–§3's fields only: no description, register description or other text of the
domain event is copied, since descriptions can hold names.

`probation-case.registration.added` and `.updated` become `registration.added`, `.deregistered`
and `.deleted` become `registration.removed` (docs/ingest.md has the field-by-field table).

Allocations, OASys assessments, requirements, terminations and merges need their detail
fetched (`detail`); until fetches are configured they are `NeedsDetail`. Any other type is
`Unused`.
"""

from dataclasses import dataclass
from typing import Any

from casewatch.ingest.detail import HANDLERS, Sources, map_detailed
from casewatch.ingest.envelope import DomainEvent
from casewatch.ingest.fields import casewatch, code, required_code

REGISTRATION_ADDED = ("probation-case.registration.added", "probation-case.registration.updated")
REGISTRATION_REMOVED = ("probation-case.registration.deregistered",
                        "probation-case.registration.deleted")
# Mapped from their detail (the allocation of Manage a Workforce, OASys's summary, Delius's
# requirement), fetched from an allow-listed host; terminations and merges are in the same
# group (§13), so without fetches configured none of them is mapped.
NEEDS_DETAIL = frozenset(HANDLERS)
REGISTER_CODE = 16  # §3's longest registration code (Delius's are four or five letters)


@dataclass(frozen=True)
class Unused:
    """A domain event casewatch does not use: counted by type and let go."""

    event_type: str


@dataclass(frozen=True)
class NeedsDetail:
    """A domain event casewatch maps from its detail, with no detail fetches configured."""

    event_type: str


Mapped = list[dict[str, Any]] | Unused | NeedsDetail


def map_event(event: DomainEvent, sources: Sources | None = None) -> Mapped:
    """The casewatch events (as §2 wire objects) a domain event maps to; Refusal if it is one
    casewatch maps but cannot be read. `sources` fetch the details some types need; without
    them those types are `NeedsDetail`."""
    if event.event_type in REGISTRATION_ADDED or event.event_type in REGISTRATION_REMOVED:
        return [_registration(event)]
    if event.event_type in NEEDS_DETAIL:
        return NeedsDetail(event.event_type) if sources is None else map_detailed(event,
                                                                                  sources)
    return Unused(event.event_type)


def _registration(event: DomainEvent) -> dict[str, Any]:
    info = event.additional
    detail = {"code": required_code(info, "registerTypeCode", longest=REGISTER_CODE)}
    if event.event_type in REGISTRATION_ADDED:
        for field, names in (("level", ("registrationLevelCode", "registerLevelCode")),
                             ("category", ("registrationCategoryCode", "registerCategoryCode"))):
            value = _first(info, names)
            if value is not None:
                detail[field] = value
    added = event.event_type in REGISTRATION_ADDED
    return casewatch(event, "registration.added" if added else "registration.removed", detail)


def _first(info: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = code(info, name, longest=REGISTER_CODE)
        if value is not None:
            return value
    return None
