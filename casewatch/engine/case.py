"""One case under watch: its facts, its breaches, and the alerts published for them.

`CaseState.apply` and `CaseState.advance` are the engine's whole interface to a shell: an event
or a clock instant in, alert changes out. No I/O and no wall clock: `now` is always given.
Re-evaluation is incremental by rule: an event re-runs only the rules that read its type, except
events that change who holds the case or its risk, which re-run every rule.
"""

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from casewatch.engine.alert import AlertView, Breach, alert_id, view
from casewatch.engine.facts import CaseFacts, topics
from casewatch.engine.policy import Policy
from casewatch.engine.rule import Rule
from casewatch.engine.rules import RULES
from casewatch.engine.window import place
from casewatch.schemas.codes import Resolution
from casewatch.schemas.events import CaseEvent

# Allocation and closure move the window every breach must fall in: every rule re-runs.
EVERY_RULE_TYPES = frozenset({"case.allocated", "case.closed"})
# These change who holds the case or its RoSH, which every open alert carries.
CONTEXT_TYPES = frozenset({
    "case.allocated", "case.transferred", "case.closed",
    "registration.added", "registration.removed", "assessment.completed",
})
FAR_PAST = datetime.min.replace(tzinfo=UTC)
FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Reach:
    """How an event with given topics reaches one rule (see Rule.satisfied_by and looks_back)."""

    rule: Rule
    as_satisfier: bool  # some topics it reads only satisfy the rule's deadlines
    as_past: bool  # some topics it reads only as of the rule's anchors
    otherwise: bool  # some topic it reads can anchor or breach: always re-run


@cache
def reach(event_topics: tuple[str, ...]) -> tuple[Reach, ...]:
    reached = []
    for rule in RULES:
        read = rule.reads.intersection(event_topics)
        if read:
            reached.append(Reach(
                rule,
                as_satisfier=bool(read & rule.satisfied_by),
                as_past=bool(read & rule.looks_back - rule.satisfied_by),
                otherwise=bool(read - rule.satisfied_by - rule.looks_back),
            ))
    return tuple(reached)


def _on_or_before(moment: datetime, latest: datetime | None) -> bool:
    return latest is not None and moment <= latest


class EventIds:
    """The eventIds a case has accepted, to recognise duplicates: a sorted list, since a set's
    hash table costs about 60 B per id and the engine keeps one per case for every case."""

    __slots__ = ("_ids",)

    def __init__(self) -> None:
        self._ids: list[str] = []

    def __contains__(self, event_id: str) -> bool:
        ids = self._ids
        index = bisect_left(ids, event_id)
        return index < len(ids) and ids[index] == event_id

    def add(self, event_id: str) -> None:
        ids = self._ids
        index = bisect_left(ids, event_id)
        if index == len(ids) or ids[index] != event_id:
            ids.insert(index, event_id)

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventIds) and self._ids == other._ids

    __hash__ = None  # type: ignore[assignment]  # mutable


@dataclass
class CaseState:
    crn: str
    facts: CaseFacts = field(default_factory=CaseFacts)
    event_ids: EventIds = field(default_factory=EventIds)
    # rule id → the finding's anchor → breach. Keyed by anchor, not alert id, so a re-run finds
    # the previous breach, and its id, without hashing again or keeping an id cache per case.
    breaches: dict[str, dict[str, Breach]] = field(default_factory=dict)
    published: dict[str, AlertView] = field(default_factory=dict)  # alert id →
    next_at: datetime | None = None  # the next instant at which a view changes with the clock
    _next_by_rule: dict[str, datetime] = field(default_factory=dict)
    # Per rule: the latest resolution among its findings (FAR_FUTURE while one is unsatisfied,
    # FAR_PAST with none). A satisfier-only event after it cannot change the rule; one at that
    # very instant can (a lower eventId becomes the evidence), so it re-runs.
    _settled_from: dict[str, datetime] = field(default_factory=dict)

    def apply(self, event: CaseEvent, now: datetime, policy: Policy) -> list[AlertView] | None:
        """Fold in one event; None if it is a duplicate, else the alert changes it causes."""
        if event.eventId in self.event_ids:
            return None
        # The clock reaches `now` before the event applies: what fell due on the way is published
        # first, as the live worker would have published it before the event arrived.
        published = self.advance(now)
        self.event_ids.add(event.eventId)
        self.facts.add(event)
        if self.facts.allocation is None:
            return published  # held: evaluated once the allocation arrives
        changed: list[Breach] = []
        gone: list[str] = []
        evaluated = False
        if event.eventType in EVERY_RULE_TYPES:
            evaluated = True
            # An allocation that is the case's first event can only anchor the rules it reaches;
            # with events held before it, the window opens on them too and every rule re-runs.
            first = len(self.event_ids) == 1
            rules = [r.rule for r in reach(topics(event, self.facts))] if first else RULES
            for rule in rules:
                self._evaluate(rule, policy, now, changed, gone)
        else:
            moment = self.facts.latest_added_at
            for route in reach(topics(event, self.facts)):
                rule = route.rule
                if not route.otherwise and not (
                    route.as_satisfier and moment <= self._settled_from.get(rule.id, FAR_PAST)
                ) and not (route.as_past and _on_or_before(moment, rule.latest_anchor(self.facts))):
                    continue  # provably changes nothing for this rule
                evaluated = True
                self._evaluate(rule, policy, now, changed, gone)
        if event.eventType in CONTEXT_TYPES:
            changed = [b for by_id in self.breaches.values() for b in by_id.values()]
        if not (changed or gone):
            if evaluated:
                self._schedule(now)
            return published
        changes = self._publish(changed, gone, now)
        self._schedule(now)
        return published + changes

    def advance(self, now: datetime) -> list[AlertView]:
        """Publish what the clock reaching `now` changes: breaches falling due, resolutions."""
        if self.next_at is None or self.next_at > now:
            return []
        since = self.next_at  # nothing changes with the clock before the scheduled instant
        due = [b for by_id in self.breaches.values() for b in by_id.values()
               if since <= b.opened_at <= now
               or (b.resolved_at is not None and since <= b.resolved_at <= now)]
        changes = self._publish(due, [], now)
        self._schedule(now)
        return changes

    def reconsider(self, now: datetime) -> list[AlertView]:
        """The alert changes a policy or rule change makes (SPEC §14): the case's breaches
        re-derived under the new policy and rules (as a restore does), against the alerts
        published under the old. A breach the new rules place opens or moves; an alert with no
        breach behind it any more is withdrawn; one unchanged is not re-sent."""
        current = [b for by_id in self.breaches.values() for b in by_id.values()]
        kept = {b.alert_id for b in current}
        gone = [key for key in self.published if key not in kept]
        changes = self._publish(current, gone, now)
        self._schedule(now)
        return changes

    def standing(self, now: datetime) -> list[Breach]:
        """Breaches that count as of `now`: breach time reached, not withdrawn."""
        return [b for by_id in self.breaches.values() for b in by_id.values()
                if b.opened_at <= now]

    def _evaluate(self, rule: Rule, policy: Policy, now: datetime, changed: list[Breach],
                  gone: list[str]) -> None:
        """Re-run one rule; collect breaches that are new or differ, and ids that disappeared."""
        facts = self.facts
        closed_at = facts.closed_at
        allocation = facts.allocation
        assert allocation is not None
        opens_at = allocation.at
        before = self.breaches.get(rule.id, {})
        after: dict[str, Breach] = {}
        upcoming: datetime | None = None
        settled_from = FAR_PAST
        for found in rule.find(facts, policy):
            finding = place(found, opens_at, closed_at)
            if finding is None:
                continue
            opened_at = finding.opened_at
            resolution = Resolution.SATISFIED if finding.satisfied_at else None
            resolved_at = finding.satisfied_at
            if closed_at is not None and (resolved_at is None or resolved_at > closed_at):
                resolution, resolved_at = Resolution.CASE_CLOSED, closed_at
            anchor = finding.anchor
            previous = before.get(anchor)
            if previous is None:
                breach = Breach(rule, alert_id(self.crn, rule.id, anchor), finding, resolution,
                                resolved_at)
                changed.append(breach)
            elif (previous.finding == finding and previous.resolved_at == resolved_at
                    and previous.resolution == resolution):
                breach = previous
            else:
                breach = Breach(rule, previous.alert_id, finding, resolution, resolved_at)
                changed.append(breach)
            after[anchor] = breach
            satisfied_at = finding.satisfied_at or FAR_FUTURE
            if satisfied_at > settled_from:
                settled_from = satisfied_at
            if opened_at > now:
                if upcoming is None or opened_at < upcoming:
                    upcoming = opened_at
            elif resolved_at is not None and resolved_at > now and (
                upcoming is None or resolved_at < upcoming
            ):
                upcoming = resolved_at
        if len(after) != len(before) or any(anchor not in after for anchor in before):
            gone.extend(b.alert_id for anchor, b in before.items() if anchor not in after)
        # Most rules find nothing on most cases: no entry rather than an empty one per rule.
        if after:
            self.breaches[rule.id] = after
        else:
            self.breaches.pop(rule.id, None)
        if settled_from is FAR_PAST:
            self._settled_from.pop(rule.id, None)
        else:
            self._settled_from[rule.id] = settled_from
        if upcoming is None:
            self._next_by_rule.pop(rule.id, None)
        else:
            self._next_by_rule[rule.id] = upcoming

    def _publish(self, candidates: list[Breach], gone: list[str], now: datetime) -> (
        list[AlertView]
    ):
        changes: list[AlertView] = []
        for breach in candidates:
            current = view(self.crn, breach, self.facts, now)
            previous = self.published.get(breach.alert_id)
            if current is None:
                if previous is not None and previous.standing:
                    gone.append(breach.alert_id)  # its breach time moved past now: never was
                continue
            if current != previous:
                self.published[breach.alert_id] = current
                changes.append(current.after(previous))
        for key in gone:
            previous = self.published.get(key)
            if previous is not None and previous.standing and not self._has(key, now):
                withdrawn = previous.withdrawn(now)
                self.published[key] = withdrawn
                changes.append(withdrawn.after(previous))
        return changes

    def _has(self, key: str, now: datetime) -> bool:
        rule_id = key.rsplit("-", 1)[0]
        return any(b.alert_id == key and b.opened_at <= now
                   for b in self.breaches.get(rule_id, {}).values())

    def _schedule(self, now: datetime) -> None:
        soonest = min(self._next_by_rule.values()) if self._next_by_rule else None
        if soonest is not None and soonest <= now:
            self._next_by_rule = {}
            for rule_id, by_id in self.breaches.items():
                upcoming = [m for b in by_id.values() for m in (b.opened_at, b.resolved_at)
                            if m is not None and m > now]
                if upcoming:
                    self._next_by_rule[rule_id] = min(upcoming)
            soonest = min(self._next_by_rule.values()) if self._next_by_rule else None
        self.next_at = soonest
