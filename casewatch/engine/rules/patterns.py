"""The shapes most rules share: a deadline after an anchor, a chain of deadlines, a flawed artefact.

Occurrence lists are ordered by (time, eventId); bisecting with (t, MAX_ID) finds the first entry
strictly after t, and with (t,) the first entry at or after t.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from casewatch.engine.calendar import breach_time, due_date
from casewatch.engine.facts import CaseFacts, Occurrence
from casewatch.engine.policy import Span
from casewatch.engine.rule import Finding

MAX_ID = "\U0010ffff"
E = TypeVar("E")
Details = tuple[tuple[str, str], ...]
Stamped = Sequence[tuple[datetime, str, Any]]


def deadline(
    anchor: str,
    anchor_at: datetime,
    span: Span,
    satisfiers: Stamped,
    *,
    after: datetime | None,
    evidence: tuple[str, ...],
    details: Details = (),
) -> Finding | None:
    """A breach if no satisfier (strictly after `after`, if given) occurs before the breach time."""
    due = due_date(anchor_at, span.amount, span.unit)
    breach_at = breach_time(due)
    first = bisect_right(satisfiers, (after, MAX_ID)) if after is not None else 0
    if first < len(satisfiers) and satisfiers[first][0] < breach_at:
        return None
    satisfied = satisfiers[first] if first < len(satisfiers) else None
    return Finding(
        anchor=anchor,
        opened_at=breach_at,
        due=due,
        satisfied_at=satisfied[0] if satisfied else None,
        evidence=evidence + ((satisfied[1],) if satisfied else ()),
        details=details,
    )


def latest_of(*stamped: Stamped) -> datetime | None:
    """The latest time across time-ordered lists (a rule's latest anchor)."""
    ends = [entries[-1][0] for entries in stamped if entries]
    return max(ends) if ends else None


def after_allocation(facts: CaseFacts, span: Span, satisfiers: Stamped) -> list[Finding]:
    """A deadline counted from allocation, met by any satisfier before it breaches."""
    allocation = facts.allocation
    assert allocation is not None  # rules run only on allocated cases
    found = deadline(allocation.event_id, allocation.at, span, satisfiers, after=None,
                     evidence=(allocation.event_id,))
    return [found] if found else []


def first_after(stamped: Stamped, moment: datetime) -> tuple[datetime, str, Any] | None:
    index = bisect_right(stamped, (moment, MAX_ID))
    return stamped[index] if index < len(stamped) else None


def latest_before(stamped: Sequence[Occurrence[E]], moment: datetime) -> Occurrence[E] | None:
    index = bisect_left(stamped, (moment,))
    return stamped[index - 1] if index else None


def latest_at_or_before(stamped: Sequence[Occurrence[E]], moment: datetime) -> Occurrence[E] | None:
    index = bisect_right(stamped, (moment, MAX_ID))
    return stamped[index - 1] if index else None


Hit = tuple[tuple[str, ...], Details]  # extra evidence, details
Check = Callable[[CaseFacts, Occurrence[E]], Hit | None]


def flawed_artefacts(
    facts: CaseFacts,
    artefacts: Sequence[Occurrence[E]],
    check: Check[E],
    *,
    clean: Callable[[CaseFacts, Occurrence[E]], bool] | None = None,
    anchor_prefix: str = "",
) -> list[Finding]:
    """Immediate breaches: each artefact `check` flags, resolved by the next later clean one."""
    is_clean = clean or (lambda f, artefact: check(f, artefact) is None)
    findings: list[Finding] = []
    next_clean: Occurrence[E] | None = None
    # Walk backwards so "the next clean artefact strictly later in time" is known at each step.
    for index in range(len(artefacts) - 1, -1, -1):
        artefact = artefacts[index]
        hit = check(facts, artefact)
        if hit is not None:
            resolver = next_clean if next_clean is not None and next_clean.at > artefact.at else (
                _first_clean_later(facts, artefacts, index, is_clean)
            )
            evidence, details = hit
            findings.append(Finding(
                anchor=anchor_prefix + artefact.event_id,
                opened_at=artefact.at,
                due=None,
                satisfied_at=resolver.at if resolver else None,
                evidence=(artefact.event_id, *evidence)
                + ((resolver.event_id,) if resolver else ()),
                details=details,
            ))
        if is_clean(facts, artefact):
            next_clean = artefact
    findings.reverse()
    return findings


def _first_clean_later(
    facts: CaseFacts,
    artefacts: Sequence[Occurrence[E]],
    index: int,
    is_clean: Callable[[CaseFacts, Occurrence[E]], bool],
) -> Occurrence[E] | None:
    # Only reached when artefacts share a timestamp: skip those that are not strictly later.
    moment = artefacts[index].at
    for later in artefacts[index + 1:]:
        if later.at > moment and is_clean(facts, later):
            return later
    return None


def chain(
    anchors: Sequence[tuple[Any, ...]],
    limit: Callable[[datetime], Span | None],
    satisfiers: Stamped,
    *,
    suspended: Callable[[datetime], bool],
    details: Callable[[datetime], Details] = lambda moment: (),
) -> Iterable[Finding]:
    """Rolling deadlines: each anchor starts a clock that the next anchor supersedes.

    An anchor whose clock runs out before the next anchor breaches, unless supervision is
    suspended at the breach time; the breach is resolved by the first satisfier after the anchor.
    """
    last = len(anchors) - 1
    for position, anchor in enumerate(anchors):
        anchor_at: datetime = anchor[0]
        span = limit(anchor_at)
        if span is None:
            continue
        following = anchors[position + 1] if position < last else None
        # Any deadline N (working) days on breaches after anchor + N days: a next anchor by then
        # supersedes it without working out the calendar.
        if following is not None and following[0] <= anchor_at + span.at_least:
            continue
        anchor_id: str = anchor[1]
        due = due_date(anchor_at, span.amount, span.unit)
        breach_at = breach_time(due)
        if following is not None and following[0] < breach_at:
            continue
        if suspended(breach_at):
            continue
        satisfied = first_after(satisfiers, anchor_at)
        yield Finding(
            anchor=anchor_id,
            opened_at=breach_at,
            due=due,
            satisfied_at=satisfied[0] if satisfied else None,
            evidence=(anchor_id,) + ((satisfied[1],) if satisfied else ()),
            details=details(anchor_at),
        )
