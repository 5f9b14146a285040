"""Every case under watch, with one clock: what the replay shell drives.

The clock only moves forward. Deadlines fire from a heap of each case's next transition, so
advancing the clock costs in proportion to the breaches falling due, not to the caseload.
"""

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from schemas.events import CaseEvent
from workers.engine.alert import AlertView
from workers.engine.case import CaseState
from workers.engine.facts import at_utc
from workers.engine.policy import Policy


@dataclass(frozen=True)
class Applied:
    duplicate: bool
    changes: list[AlertView]


class Caseload:
    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()
        self.cases: dict[str, CaseState] = {}
        self.now: datetime | None = None
        self._due: list[tuple[datetime, str]] = []
        self._changed: set[str] | None = None  # kept once take_changed is first called

    def apply(self, event: CaseEvent) -> Applied:
        """Apply one event. The clock first moves to its time if that is later (the watermark),
        firing what falls due on the way; a duplicate changes nothing, not even the clock."""
        case = self.cases.get(event.crn)
        if case is None:
            case = self.cases[event.crn] = CaseState(event.crn)
        if event.eventId in case.event_ids:
            return Applied(True, [])
        moment = at_utc(event.occurredAt)
        changes = self.advance(moment) if self.now is None or moment > self.now else []
        assert self.now is not None
        before = case.next_at
        applied = case.apply(event, self.now, self.policy)
        if self._changed is not None:
            self._changed.add(case.crn)
        assert applied is not None
        if case.next_at is not None and case.next_at != before:
            heapq.heappush(self._due, (case.next_at, case.crn))
        return Applied(False, changes + applied)

    def advance(self, now: datetime) -> list[AlertView]:
        """Move the clock forward to `now` and publish what falls due on the way."""
        if self.now is not None and now < self.now:
            raise ValueError(f"the clock cannot go back from {self.now} to {now}")
        self.now = now
        changes: list[AlertView] = []
        while self._due and self._due[0][0] <= now:
            _, crn = heapq.heappop(self._due)
            case = self.cases[crn]
            before = case.next_at
            changes.extend(case.advance(now))
            if self._changed is not None:
                self._changed.add(crn)
            if case.next_at is not None and case.next_at != before:
                heapq.heappush(self._due, (case.next_at, crn))
        return changes

    def adopt(self, case: CaseState) -> None:
        """Take over a case restored from a snapshot, with its pending deadlines."""
        self.cases[case.crn] = case
        if self._changed is not None:
            self._changed.add(case.crn)
        if case.next_at is not None:
            heapq.heappush(self._due, (case.next_at, case.crn))

    def take_changed(self) -> set[str]:
        """The cases applied to or advanced since the last call (every case, the first time):
        for shells that keep per-case figures current without walking the caseload."""
        changed = set(self.cases) if self._changed is None else self._changed
        self._changed = set()
        return changed

    def alerts(self) -> Iterator[AlertView]:
        for case in self.cases.values():
            yield from case.published.values()
