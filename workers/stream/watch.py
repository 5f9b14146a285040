"""The cases of one input partition under watch: the worker's thin shell around the engine.

A PartitionWatch is an engine Caseload plus what the worker must do with each result: messages
to dead-letter, alert changes to publish, and case states to persist. It knows nothing of Kafka,
so the worker and its tests share it; the faust agents only move bytes in and out.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from schemas.parse import Rejection, parse_event
from workers.engine.alert import AlertView
from workers.engine.case import CaseState
from workers.engine.caseload import Caseload
from workers.engine.policy import Policy
from workers.engine.snapshot import restore, snapshot

log = logging.getLogger("casewatch.worker")


@dataclass
class Outcome:
    rejection: Rejection | None = None
    duplicate: bool = False
    event_type: str | None = None  # of a valid event
    occurred_at: datetime | None = None
    changes: list[AlertView] = field(default_factory=list)
    # Case states to persist, as (crn, snapshot bytes): after the alerts are delivered.
    states: list[tuple[str, bytes]] = field(default_factory=list)


class PartitionWatch:
    def __init__(self, policy: Policy, restored: Iterable[bytes] = ()) -> None:
        self.caseload = Caseload(policy)
        latest: datetime | None = None
        for data in restored:
            case, now = restore(data, policy)
            self.caseload.adopt(case)
            latest = now if latest is None or now > latest else latest
        if latest is not None:
            # Already published transitions up to the latest snapshot are re-derived as equal
            # views, so this publishes nothing twice.
            self.caseload.advance(latest)

    def on_message(self, raw: bytes, wall_now: datetime | None = None) -> Outcome:
        """One case-events message. With a wall clock the clock moves to `wall_now` first."""
        try:
            event = parse_event(raw)
        except Rejection as rejection:
            return Outcome(rejection=rejection)
        changes: list[AlertView] = []
        if wall_now is not None and (self.caseload.now is None or wall_now > self.caseload.now):
            changes = self.caseload.advance(wall_now)
        try:
            applied = self.caseload.apply(event)
        except Exception as error:
            log.exception("event %s could not be applied", event.eventId)
            return Outcome(rejection=Rejection(f"internal error applying the event: "
                                               f"{type(error).__name__}", event.eventId),
                           changes=changes, states=self._states(changes))
        if applied.duplicate:
            return Outcome(duplicate=True, changes=changes, states=self._states(changes),
                           event_type=event.eventType)
        changes += applied.changes
        return Outcome(changes=changes, states=self._states(changes, event.crn),
                       event_type=event.eventType, occurred_at=event.occurredAt)

    def on_tick(self, now: datetime) -> Outcome:
        """Advance the clock to `now` (never back): fire what falls due, persist what changed."""
        if self.caseload.now is not None and now <= self.caseload.now:
            return Outcome()
        changes = self.caseload.advance(now)
        return Outcome(changes=changes, states=self._states(changes))

    def _states(self, changes: list[AlertView], *crns: str) -> list[tuple[str, bytes]]:
        now = self.caseload.now
        if now is None:
            return []
        touched = dict.fromkeys([*crns, *(change.crn for change in changes)])
        return [(crn, snapshot(self._case(crn), now)) for crn in touched]

    def _case(self, crn: str) -> CaseState:
        return self.caseload.cases[crn]
