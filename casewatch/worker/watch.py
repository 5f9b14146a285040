"""The cases of one input partition under watch: the worker's thin shell around the engine.

A PartitionWatch is an engine Caseload plus what the worker must do with each result: messages
to dead-letter, alert changes to publish, and case states to persist. It knows nothing of Kafka,
so the worker and its tests share it; the faust agents only move bytes in and out.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice, takewhile

from casewatch.engine.alert import AlertView
from casewatch.engine.case import CaseState
from casewatch.engine.caseload import Caseload
from casewatch.engine.facts import at_utc
from casewatch.engine.fingerprint import fingerprint
from casewatch.engine.policy import Policy
from casewatch.engine.snapshot import (
    FORMAT_ROW,
    POLICY_KEY,
    SUMMARY,
    Row,
    change_row,
    fingerprint_row,
    read_summary,
    restore_rows,
    summary_row,
)
from casewatch.engine.worklist import Said, deadlines_record, said
from casewatch.schemas.events import CaseEvent
from casewatch.schemas.parse import Rejection, parse_event
from casewatch.worker.files import CaseFiles, Scan

log = logging.getLogger("casewatch.worker")


@dataclass
class Outcome:
    rejection: Rejection | None = None
    duplicate: bool = False
    event_type: str | None = None  # of a valid event
    occurred_at: datetime | None = None
    # Alert states of cases read for the first time since this process took the partition on,
    # as they were when read: announced again (at least once) before `changes`, which follow
    # from them.
    restored: list[AlertView] = field(default_factory=list)
    changes: list[AlertView] = field(default_factory=list)
    # Table rows to write (engine/snapshot.py: only what changed, and each changed case's
    # summary), at once, before anything is awaited.
    rows: list[Row] = field(default_factory=list)
    # The tick is not done: settle this, then give the same tick again. The clock moves over
    # what falls due a slice of cases at a time, so no more than a slice is held open.
    again: bool = False
    # Cases fell due that this message left for later: the ticks take them, a slice at a time,
    # with the partition's messages let through between slices (the worker sends a wake-up).
    overdue: bool = False
    # Cases whose pending deadlines changed, as (region, crn, record JSON): for the due-soon
    # lists `casewatch notify` puts in each team's digest.
    deadlines: list[tuple[str, str, bytes]] = field(default_factory=list)
    read: int = 0  # cases a read-through read


DEFAULT_OPEN_CASES = 2_000
# Cases falling due handled per outcome: deadlines fall due at midnight, so at national size
# one clock movement can reach 17,000 cases, each read from the table (about 2 ms each,
# measured at 240,000 cases) and held open until its rows are written.
SLICE_CASES = 50


class PartitionWatch:
    """`scan` reads the partition's table (rows from a key on, in key order); at most
    `open_cases` cases are kept decoded between messages."""

    def __init__(self, policy: Policy, scan: Scan | None = None,
                 open_cases: int = DEFAULT_OPEN_CASES, slice_cases: int = SLICE_CASES) -> None:
        self.slice_cases = slice_cases
        self.fingerprint = fingerprint(policy)
        # Cases whose alerts were published under another policy or rules (§14), to re-derive
        # before anything new is published for them; and those re-derived whose rows and
        # changes wait for the next outcome that may write rows.
        self.reconsidering: dict[str, None] = {}
        self._reconsidered: dict[str, tuple[list[AlertView], list[Row]]] = {}
        self._fingerprint_due = False
        self.files = CaseFiles(scan or (lambda key: ()), policy, open_cases, self._read,
                               self._closed)
        self.caseload = Caseload(policy, self.files)
        # Per open case, what its last deadlines record said (who held it, which deadlines).
        self._announced: dict[str, Said] = {}
        self._restored: dict[str, list[AlertView]] = {}  # first reads not yet announced
        # Told of each case as it closes, before it leaves memory: the gauges' tally recounts
        # one waiting for its refresh then, rather than read it again for the refresh.
        self.closing: list[Callable[[CaseState], None]] = []
        self._opening: list[Row] = []
        self.slices = 0  # of the backlog (re-derived, or overdue) done: progress, for the stall
        if scan is None:
            self._opening = [FORMAT_ROW, self._fingerprint_row]
            return
        changed = next(iter(scan(POLICY_KEY)), None) != self._fingerprint_row
        if next(iter(scan(FORMAT_ROW[0])), None) == FORMAT_ROW:
            self._take_summaries(scan, changed)
        else:
            self._take_whole(scan, changed)
        self._fingerprint_due = changed

    @property
    def _fingerprint_row(self) -> Row:
        return fingerprint_row(self.fingerprint)

    def _take_summaries(self, scan: Scan, changed: bool) -> None:
        """A format-3 table: the summaries give every case's clock and next transition, so no
        case is read until a message, a deadline or the read-through asks for it. Under a
        changed policy or rules, every case is to be re-derived, a slice per tick."""
        latest: datetime | None = None
        for row in takewhile(lambda row: row[0].startswith(SUMMARY), scan(SUMMARY)):
            summary = read_summary(row)
            self.files.kept(summary.crn, summary.writes)
            self.caseload.expect(summary.crn, summary.next_at)
            if changed:
                self.reconsidering[summary.crn] = None
            latest = summary.now if latest is None or summary.now > latest else latest
        if latest is not None:
            # The clock only: a case still due then (left for the ticks when the last owner
            # stopped) is read and fired by the wake-up the worker sends on assignment.
            self.caseload.advance(latest, most=0)

    def _take_whole(self, scan: Scan, changed: bool) -> None:
        """A table without summaries (an earlier version's, or new): every case is read now,
        as before (and re-derived, under a changed policy or rules), and its summary written
        with the opening rows."""
        latest: datetime | None = None
        restored = list(restore_rows(scan(b""), self.caseload.policy))
        if changed:
            self.reconsidering = dict.fromkeys(found.case.crn for found in restored)
        for found in restored:
            self.caseload.adopt(found.case)
            self.files.writes[found.case.crn] = found.writes
            self._read(found.case, found.now, True)
            latest = found.now if latest is None or found.now > latest else latest
        if latest is not None:
            self.caseload.advance(latest, most=0)  # as above: what is due, the ticks fire
            self._opening = [summary_row(crn, latest, self.files[crn].next_at, writes)
                             for crn, writes in self.files.writes.items()]
        self._opening.append(FORMAT_ROW)

    def opening(self) -> Outcome:
        """What taking the partition on writes and announces first: summaries a table without
        them needs, and the alerts of every case already read (all of them, for such a table).
        Inside stream processing: it may write rows."""
        rows, self._opening = self._opening, []
        return self._announce(Outcome(rows=rows))

    def read_through(self, cases: int) -> Outcome:
        """Read up to `cases` cases not yet read since this process took the partition on, and
        announce their alerts and deadlines again: a crash may have lost sends whose case state
        was written (at least once). Writes no rows, so it may run outside stream processing:
        cases still to be re-derived under a changed policy wait for the ticks."""
        # While cases are to be re-derived, every unread one is among them.
        found = [] if self.reconsidering else list(islice(self.files.unread, cases))
        for crn in found:
            self.files.get(crn)
        return self._announce(Outcome(read=len(found)), rows=False)

    def _reconsider_slice(self) -> Outcome:
        """Re-derive up to a slice of the cases still to be re-derived under a changed policy
        or rules (§14), and publish what differs. Inside stream processing: it writes rows."""
        with self._holding():
            for crn in list(islice(self.reconsidering, self.slice_cases)):
                if crn in self._reconsidered:
                    continue
                case = self.files.get(crn)  # a first read re-derives it (`_read`)
                if case is None:
                    self.reconsidering.pop(crn)
                elif crn not in self._reconsidered:  # open already: re-derived here
                    self._reconsider(case, case.facts.latest_added_at)
            return self._announce(Outcome())

    @property
    def unread(self) -> int:
        """Cases not yet announced since this process took the partition on: not read, or read
        (by a deadline, or the gauges' refresh) with their announcement still to go out."""
        return len(self.files.unread) + len(self._restored)

    @property
    def reconsidered(self) -> bool:
        """Every case's alerts are as the current policy and rules place them."""
        return not self.reconsidering and not self._fingerprint_due

    def message(self, raw: bytes, wall_now: datetime | None = None) -> Iterator[Outcome]:
        """One message's outcome, then the slices of what it left overdue, for a shell with
        nothing to let through between them (tests, benchmarks, the rebuild's checks); the
        worker's ticks agent takes those slices, with the partition's messages between."""
        outcome = self.on_message(raw, wall_now)
        yield outcome
        if outcome.overdue and self.caseload.now is not None:
            yield from self.tick(self.caseload.now)

    def tick(self, now: datetime) -> Iterator[Outcome]:
        """A tick's outcomes, a slice of what falls due at a time. Lazy: the shell settles each
        (its rows written) before asking for the next, so no more than a slice of cases is held
        open, and lets the partition's messages through between two."""
        return _slices(lambda: self.on_tick(now))

    def on_message(self, raw: bytes, wall_now: datetime | None = None) -> Outcome:
        """One case-events message. With a wall clock the clock moves to `wall_now` first.
        Of what falls due on the way, the event's own case and at most a slice of others are
        taken now (none while others are already overdue): the rest is `overdue`, for the
        ticks. A case's deadlines still fire before its own later events (a case's `apply`
        advances it first), and its alerts depend on its own events only, so the order across
        cases is free: a midnight's 17,000 cases hold no message up."""
        with self._holding():
            outcome = self._on_message(raw, wall_now)
        now = self.caseload.now
        outcome.overdue = now is not None and self.caseload.falls_due(now)
        return outcome

    def _on_message(self, raw: bytes, wall_now: datetime | None) -> Outcome:
        try:
            event = parse_event(raw)
        except Rejection as rejection:
            return Outcome(rejection=rejection)
        changes: list[AlertView] = []
        target = self._clock_for(event, wall_now)
        clock = self.caseload.now
        if target is not None and (clock is None or target > clock):
            behind = clock is not None and self.caseload.falls_due(clock)
            changes = self.caseload.advance(target, most=0 if behind else self.slice_cases)
        try:
            applied = self.caseload.apply(event)
        except Exception as error:
            log.exception("event %s could not be applied", event.eventId)
            return self._announce(Outcome(
                rejection=Rejection(f"internal error applying the event: "
                                    f"{type(error).__name__}", event.eventId),
                changes=changes, rows=self._rows(changes), deadlines=self._deadlines(changes)))
        if applied.duplicate:
            return self._announce(Outcome(duplicate=True, changes=changes,
                                          rows=self._rows(changes),
                                          deadlines=self._deadlines(changes),
                                          event_type=event.eventType))
        changes += applied.changes
        return self._announce(Outcome(changes=changes, rows=self._rows(changes, event),
                                      deadlines=self._deadlines(changes, event.crn),
                                      event_type=event.eventType,
                                      occurred_at=event.occurredAt))

    def _clock_for(self, event: CaseEvent, wall_now: datetime | None) -> datetime | None:
        """The instant the clock reaches before `event` applies: the wall clock's if later, and
        the event's if later still (a duplicate moves nothing but the wall clock)."""
        clock = self.caseload.now
        if wall_now is not None and (clock is None or wall_now > clock):
            clock = wall_now
        case = self.caseload.cases.get(event.crn)
        if case is not None and event.eventId in case.event_ids:
            return clock
        moment = at_utc(event.occurredAt)
        return moment if clock is None or moment > clock else clock

    def on_tick(self, now: datetime) -> Outcome:
        """Advance the clock to `now` (never back): fire what falls due, persist what changed.
        `again` while more falls due than a slice."""
        if self.reconsidering:
            self.slices += 1
            outcome = self._reconsider_slice()
            outcome.again = True  # the clock moves once every case is re-derived
            return outcome
        clock = self.caseload.now
        if clock is not None and (now < clock or (now == clock
                                  and not self.caseload.falls_due(now))):
            return self._announce(Outcome())
        self.slices += 1
        with self._holding():
            changes = self.caseload.advance(now, most=self.slice_cases)
            return self._announce(Outcome(again=self.caseload.falls_due(now), changes=changes,
                                          rows=self._rows(changes),
                                          deadlines=self._deadlines(changes)))

    @contextmanager
    def _holding(self) -> Iterator[None]:
        """Cases read while the block runs stay open (its rows are not written yet)."""
        self.files.holding = True
        try:
            yield
        finally:
            self.files.holding = False

    def tidy(self) -> None:
        """Close the cases beyond the limit, least recently used first. Only when every
        outcome's rows are in the table (the worker writes them as soon as they are made)."""
        self.files.close_beyond()

    def _announce(self, outcome: Outcome, rows: bool = True) -> Outcome:
        """Add the first reads since the last outcome: their alerts as read, and their
        deadlines as they stand; and, where the outcome may write rows, the cases re-derived
        under a changed policy, their changes first (the outcome's own follow from them)."""
        if rows and self._reconsidered:
            done, self._reconsidered = self._reconsidered, {}
            outcome.changes = [c for changes, _ in done.values() for c in changes] + \
                outcome.changes
            outcome.rows = [row for _, written in done.values() for row in written] + \
                outcome.rows
            for crn in done:
                self.reconsidering.pop(crn, None)
                self.files.pinned.discard(crn)
        if rows and self._fingerprint_due and not self.reconsidering:
            outcome.rows.append(self._fingerprint_row)
            self._fingerprint_due = False
        if self._restored:
            restored, self._restored = self._restored, {}
            outcome.restored = [view for views in restored.values() for view in views]
            told = {crn for _, crn, _ in outcome.deadlines}  # by a change since the read
            outcome.deadlines = self._deadlines(
                [], *(crn for crn in restored if crn not in told), again=True) + outcome.deadlines
        return outcome

    def _read(self, case: CaseState, now: datetime, first: bool) -> None:
        if first and case.crn in self.reconsidering:
            self._reconsider(case, now)
        elif first:
            self._restored[case.crn] = list(case.published.values())
            self.caseload.touch(case.crn)  # its share of the gauges is counted from now
        else:
            # Read again after closing: its last deadlines record is what it said at its last
            # change, which is the instant its last row restores it to.
            reading = said(case, now)
            if reading is not None:
                self._announced[case.crn] = reading[0]

    def _reconsider(self, case: CaseState, now: datetime) -> None:
        """A case read under a changed policy or rules: re-derived as of the partition's clock,
        its differing alert states and its rows made now (so its write numbers stay in order)
        and held for the next outcome that writes rows, the case kept open until then. Its
        unchanged alerts are announced again, as any first read's are."""
        clock = self.caseload.now if self.caseload.now is not None else now
        changes = case.reconsider(clock)
        self.caseload.expect(case.crn, case.next_at)
        self.caseload.touch(case.crn)
        moved = {change.alert_id for change in changes}
        self._restored[case.crn] = [v for v in case.published.values()
                                    if v.alert_id not in moved]
        write = self.files.writes[case.crn]
        self.files.writes[case.crn] = write + 1
        self._reconsidered[case.crn] = (changes, [
            change_row(case, clock, write, alerts=moved),
            summary_row(case.crn, clock, case.next_at, write + 1)])
        self.files.pinned.add(case.crn)

    def _closed(self, case: CaseState) -> None:
        self._announced.pop(case.crn, None)
        for hear in self.closing:
            hear(case)

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
            case = self.files[crn]
            write = self.files.writes[crn]
            self.files.writes[crn] = write + 1
            rows.append(change_row(case, now, write,
                                   event=event if event is not None and event.crn == crn
                                   else None, alerts=changed))
            rows.append(summary_row(crn, now, case.next_at, write + 1))
        return rows

    def _deadlines(self, changes: list[AlertView], *crns: str,
                   again: bool = False) -> list[tuple[str, str, bytes]]:
        now = self.caseload.now
        if now is None:
            return []
        records = []
        for crn in dict.fromkeys([*crns, *(change.crn for change in changes)]):
            reading = said(self.files[crn], now)
            if reading is None:
                continue  # held until its allocation arrives: no team to tell yet
            now_said, found = reading
            assignment = now_said[0]
            before = self._announced.get(crn)
            if before == now_said and not again:
                continue
            if before is not None and before[0].region != assignment.region:
                # Moved region: the old region's list must lose it.
                records.append((before[0].region, crn, deadlines_record(
                    crn, before[0], [], now)))
            self._announced[crn] = now_said
            records.append((assignment.region, crn, deadlines_record(crn, assignment, found, now)))
        return records


def _slices(step: Callable[[], Outcome]) -> Iterator[Outcome]:
    outcome = step()
    yield outcome
    while outcome.again:
        outcome = step()
        yield outcome
