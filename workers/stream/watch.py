"""The cases of one input partition under watch: the worker's thin shell around the engine.

A PartitionWatch is an engine Caseload plus what the worker must do with each result: messages
to dead-letter, alert changes to publish, and case states to persist. It knows nothing of Kafka,
so the worker and its tests share it; the faust agents only move bytes in and out.
"""

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from schemas.events import CaseEvent
from schemas.parse import Rejection, parse_event
from workers.engine.alert import AlertView, Breach, wire_timestamp
from workers.engine.case import CaseState
from workers.engine.caseload import Caseload
from workers.engine.facts import Assignment
from workers.engine.policy import Policy
from workers.engine.snapshot import Row, change_row, restore_rows
from workers.engine.worklist import pending, what_is_due

log = logging.getLogger("casewatch.worker")


@dataclass
class Outcome:
    rejection: Rejection | None = None
    duplicate: bool = False
    event_type: str | None = None  # of a valid event
    occurred_at: datetime | None = None
    changes: list[AlertView] = field(default_factory=list)
    # Table rows to write (engine/snapshot.py: only what changed), after the alerts are out.
    rows: list[Row] = field(default_factory=list)
    # Cases whose pending deadlines changed, as (region, crn, record JSON): for the due-soon
    # lists `casewatch notify` puts in each team's digest.
    deadlines: list[tuple[str, str, bytes]] = field(default_factory=list)


class PartitionWatch:
    def __init__(self, policy: Policy, restored: Iterable[Row] = ()) -> None:
        self.caseload = Caseload(policy)
        self._writes: dict[str, int] = {}  # per case, the number its next table row takes
        # Per case, what its last deadlines record said (who held it, which deadlines).
        self._announced: dict[str, tuple[Assignment, tuple[tuple[str, date], ...]]] = {}
        latest: datetime | None = None
        for found in restore_rows(restored, policy):
            case, now = found.case, found.now
            self.caseload.adopt(case)
            self._writes[case.crn] = found.writes
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
                           changes=changes, rows=self._rows(changes),
                           deadlines=self._deadlines(changes))
        if applied.duplicate:
            return Outcome(duplicate=True, changes=changes, rows=self._rows(changes),
                           deadlines=self._deadlines(changes), event_type=event.eventType)
        changes += applied.changes
        return Outcome(changes=changes, rows=self._rows(changes, event),
                       deadlines=self._deadlines(changes, event.crn),
                       event_type=event.eventType, occurred_at=event.occurredAt)

    def on_tick(self, now: datetime) -> Outcome:
        """Advance the clock to `now` (never back): fire what falls due, persist what changed."""
        if self.caseload.now is not None and now <= self.caseload.now:
            return Outcome()
        changes = self.caseload.advance(now)
        return Outcome(changes=changes, rows=self._rows(changes),
                       deadlines=self._deadlines(changes))

    def announce(self) -> Outcome:
        """Every case's alerts and deadlines, as a partition is taken on: at least once."""
        return Outcome(changes=list(self.caseload.alerts()),
                       deadlines=self._deadlines([], *self.caseload.cases, again=True))

    def _rows(self, changes: list[AlertView], event: CaseEvent | None = None) -> list[Row]:
        now = self.caseload.now
        if now is None:
            return []
        alerts: dict[str, list[str]] = {}
        if event is not None:
            alerts[event.crn] = []
        for change in changes:
            alerts.setdefault(change.crn, []).append(change.alert_id)
        rows = []
        for crn, changed in alerts.items():
            write = self._writes.get(crn, 0)
            self._writes[crn] = write + 1
            rows.append(change_row(self._case(crn), now, write,
                                   event=event if event is not None and event.crn == crn
                                   else None, alerts=changed))
        return rows

    def _deadlines(self, changes: list[AlertView], *crns: str,
                   again: bool = False) -> list[tuple[str, str, bytes]]:
        now = self.caseload.now
        if now is None:
            return []
        records = []
        for crn in dict.fromkeys([*crns, *(change.crn for change in changes)]):
            case = self._case(crn)
            assignment = case.facts.assignment_at(now)
            if assignment is None:
                continue  # held until its allocation arrives: no team to tell yet
            found = sorted(pending(case, now), key=lambda b: (b.finding.due, b.alert_id))
            said = (assignment, tuple((b.alert_id, b.finding.due) for b in found
                                      if b.finding.due is not None))
            before = self._announced.get(crn)
            if before == said and not again:
                continue
            if before is not None and before[0].region != assignment.region:
                # Moved region: the old region's list must lose it.
                records.append((before[0].region, crn, deadlines_record(
                    crn, before[0], [], now)))
            self._announced[crn] = said
            records.append((assignment.region, crn, deadlines_record(crn, assignment, found, now)))
        return records

    def _case(self, crn: str) -> CaseState:
        return self.caseload.cases[crn]


def deadlines_record(crn: str, assignment: Assignment, found: list[Breach],
                     now: datetime) -> bytes:
    """A case's pending deadlines as published (key: CRN): codes and phrases only."""
    return json.dumps({
        "crn": crn, "region": assignment.region, "pdu": assignment.pdu,
        "team": assignment.team, "managerId": assignment.manager_id,
        "asOf": wire_timestamp(now),
        "deadlines": [{
            "alertId": b.alert_id, "ruleId": b.rule.id, "severity": b.rule.severity.value,
            "dueDate": b.finding.due.isoformat() if b.finding.due else None,
            "summary": what_is_due(crn, b),
        } for b in found],
    }, separators=(",", ":")).encode()
