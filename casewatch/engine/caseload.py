"""Every case under watch, with one clock: what the replay shell drives.

The clock only moves forward. Deadlines fire from a heap of each case's next transition, so
advancing the clock costs in proportion to the breaches falling due, not to the caseload.
"""

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from casewatch.engine.alert import AlertView
from casewatch.engine.case import CaseState
from casewatch.engine.facts import at_utc
from casewatch.engine.policy import Policy
from casewatch.schemas.events import CaseEvent


@dataclass(frozen=True)
class Applied:
    duplicate: bool
    changes: list[AlertView]


class Cases(Protocol):
    """Where a caseload keeps its cases: a dict, or a shell's store that reads them on demand."""

    def get(self, crn: str, /) -> CaseState | None: ...
    def __getitem__(self, crn: str, /) -> CaseState: ...
    def __setitem__(self, crn: str, case: CaseState, /) -> None: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...
    def values(self) -> Iterable[CaseState]: ...


class Caseload:
    def __init__(self, policy: Policy | None = None, cases: Cases | None = None) -> None:
        self.policy = policy or Policy()
        self.cases: Cases = {} if cases is None else cases
        self.now: datetime | None = None
        # The deadline index: each case's next transition, and a heap of them. A case whose next
        # transition moves leaves its old heap entry behind; popped, it no longer matches the
        # index and is skipped, so a case kept on disk is not read for nothing.
        self._next: dict[str, datetime] = {}
        self._due: list[tuple[datetime, str]] = []
        self._changed: set[str] = set()  # since take_changed was last called

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
        applied = case.apply(event, self.now, self.policy)
        self._changed.add(case.crn)
        assert applied is not None
        self.expect(case.crn, case.next_at)
        return Applied(False, changes + applied)

    def advance(self, now: datetime, most: int | None = None) -> list[AlertView]:
        """Move the clock forward to `now` and publish what falls due on the way: for at most
        `most` cases, if given, the rest waiting for the next call (see `falls_due`)."""
        if self.now is not None and now < self.now:
            raise ValueError(f"the clock cannot go back from {self.now} to {now}")
        self.now = now
        changes: list[AlertView] = []
        while self._due and self._due[0][0] <= now:
            if most is not None and most <= 0:
                break
            at, crn = heapq.heappop(self._due)
            if self._next.get(crn) != at:
                continue  # moved since: its current entry is elsewhere in the heap
            del self._next[crn]
            if most is not None:
                most -= 1
            case = self.cases[crn]
            changes.extend(case.advance(now))
            self._changed.add(crn)
            self.expect(crn, case.next_at)
        return changes

    def falls_due(self, now: datetime) -> bool:
        """Whether advancing to `now` has something to do."""
        due = self._due
        while due and self._next.get(due[0][1]) != due[0][0]:
            heapq.heappop(due)  # moved since: dropped here, so that it answers no
        return bool(due) and due[0][0] <= now

    def adopt(self, case: CaseState) -> None:
        """Take over a case restored from a snapshot, with its pending deadlines."""
        self.cases[case.crn] = case
        self.expect(case.crn, case.next_at)
        self.touch(case.crn)

    def expect(self, crn: str, next_at: datetime | None) -> None:
        """The case's next transition is `next_at` (None: none). For a case kept in `cases`
        but not read, it is not counted as changed until `touch`ed: shells keeping per-case
        figures read it then."""
        if next_at is None:
            self._next.pop(crn, None)
        elif self._next.get(crn) != next_at:
            self._next[crn] = next_at
            heapq.heappush(self._due, (next_at, crn))

    def touch(self, crn: str) -> None:
        """Count the case as changed (first read by a shell that keeps cases on disk)."""
        self._changed.add(crn)

    def counted(self, crn: str) -> bool:
        """Take the case off the changed ones (a shell has just counted it); whether it was."""
        if crn in self._changed:
            self._changed.discard(crn)
            return True
        return False

    def take_changed(self) -> set[str]:
        """The cases adopted, applied to, advanced or touched since the last call: for shells
        that keep per-case figures current without walking the caseload."""
        changed, self._changed = self._changed, set()
        return changed

    def alerts(self) -> Iterator[AlertView]:
        for case in self.cases.values():
            yield from case.published.values()
