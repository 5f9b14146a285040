"""One case under watch: its facts, its breaches, and the alerts published for them.

`CaseState.apply` and `CaseState.advance` are the engine's whole interface to a shell: an event
or a clock instant in, alert changes out. No I/O and no wall clock: `now` is always given.
Re-evaluation is incremental by rule: an event re-runs only the rules that read its type, except
events that change who holds the case or its risk, which re-run every rule.
"""

from dataclasses import dataclass, field
from datetime import datetime

from schemas.codes import Resolution
from schemas.events import CaseEvent
from workers.engine.alert import AlertView, Breach, alert_id, view
from workers.engine.facts import CaseFacts
from workers.engine.policy import Policy
from workers.engine.rule import Rule
from workers.engine.rules import RULES
from workers.engine.window import in_window

EVERY_RULE_TYPES = frozenset({
    "case.allocated", "case.transferred", "case.closed",
    "registration.added", "registration.removed", "assessment.completed",
})
RULES_READING: dict[str, tuple[Rule, ...]] = {}
for _rule in RULES:
    for _type in _rule.reads:
        RULES_READING[_type] = (*RULES_READING.get(_type, ()), _rule)


@dataclass
class CaseState:
    crn: str
    facts: CaseFacts = field(default_factory=CaseFacts)
    event_ids: set[str] = field(default_factory=set)
    breaches: dict[str, dict[str, Breach]] = field(default_factory=dict)  # rule id → alert id →
    published: dict[str, AlertView] = field(default_factory=dict)
    next_at: datetime | None = None  # the next instant at which a view changes with the clock

    def apply(self, event: CaseEvent, now: datetime, policy: Policy) -> list[AlertView] | None:
        """Fold in one event; None if it is a duplicate, else the alert changes it causes."""
        if event.eventId in self.event_ids:
            return None
        self.event_ids.add(event.eventId)
        self.facts.add(event)
        if self.facts.allocation is None:
            return []  # held: evaluated once the allocation arrives
        every = event.eventType in EVERY_RULE_TYPES
        rules = RULES if every else RULES_READING.get(event.eventType, ())
        changed: list[Breach] = []
        gone: list[str] = []
        for rule in rules:
            before = self.breaches.get(rule.id, {})
            after = self._evaluate(rule, policy)
            self.breaches[rule.id] = after
            changed.extend(b for key, b in after.items() if before.get(key) != b)
            gone.extend(key for key in before if key not in after)
        if every:
            changed = [b for by_id in self.breaches.values() for b in by_id.values()]
        changes = self._publish(changed, gone, now)
        self._schedule(now)
        return changes

    def advance(self, now: datetime) -> list[AlertView]:
        """Publish what the clock reaching `now` changes: breaches falling due, resolutions."""
        if self.next_at is None or self.next_at > now:
            return []
        changes = self._publish([b for by_id in self.breaches.values() for b in by_id.values()],
                                [], now)
        self._schedule(now)
        return changes

    def standing(self, now: datetime) -> list[Breach]:
        """Breaches that count as of `now`: breach time reached, not withdrawn."""
        return [b for by_id in self.breaches.values() for b in by_id.values()
                if b.opened_at <= now]

    def _evaluate(self, rule: Rule, policy: Policy) -> dict[str, Breach]:
        facts = self.facts
        closed_at = facts.closed_at
        result: dict[str, Breach] = {}
        for finding in rule.find(facts, policy):
            if not in_window(facts, finding.opened_at):
                continue
            resolution = Resolution.SATISFIED if finding.satisfied_at else None
            resolved_at = finding.satisfied_at
            if closed_at is not None and (resolved_at is None or resolved_at > closed_at):
                resolution, resolved_at = Resolution.CASE_CLOSED, closed_at
            key = alert_id(self.crn, rule.id, finding.anchor)
            result[key] = Breach(rule, key, finding, resolution, resolved_at)
        return result

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
                changes.append(current)
        for key in gone:
            previous = self.published.get(key)
            if previous is not None and previous.standing and not self._has(key, now):
                withdrawn = previous.withdrawn(now)
                self.published[key] = withdrawn
                changes.append(withdrawn)
        return changes

    def _has(self, key: str, now: datetime) -> bool:
        rule_id = key.rsplit("-", 1)[0]
        breach = self.breaches.get(rule_id, {}).get(key)
        return breach is not None and breach.opened_at <= now

    def _schedule(self, now: datetime) -> None:
        upcoming = [
            moment
            for by_id in self.breaches.values()
            for b in by_id.values()
            for moment in (b.opened_at, b.resolved_at)
            if moment is not None and moment > now
        ]
        self.next_at = min(upcoming) if upcoming else None
