"""A caseload's gauges (SPEC §9), kept up to date case by case rather than by walking it.

A case's answers to the key questions, whether it is active, and its oldest open alert per team
change only when the case changes (an event, an alert published) or when the clock crosses an
instant known in advance: its implementation standard coming into scope. (No event lies ahead of
the clock: a caseload moves its clock to an event's time before applying it.)
`CaseloadTally.refresh` recounts exactly those cases, so its cost follows what changed since the
last refresh, not the caseload; a case kept on disk that closes before then is counted as
it closes (`closing`), so a refresh need not read it again. Pure: the clock is the
caseload's.
"""

import heapq
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casewatch.analysis.needs import need_stages
from casewatch.analysis.profile import profiled
from casewatch.engine.calendar import breach_time, due_date
from casewatch.engine.case import CaseState
from casewatch.engine.caseload import Caseload
from casewatch.engine.policy import Policy
from casewatch.engine.ratings import answer_case
from casewatch.schemas.codes import AlertStatus

KeyQuestionKey = tuple[str, str, str, str]  # region, pdu, standard, question
ActiveKey = tuple[str, str, str, str]  # region, pdu, team, rosh
TeamSeverity = tuple[str, str, str, str]  # region, pdu, team, severity
GroupKey = tuple[str, str, str, str]  # region, pdu, dimension, group
BreachKey = tuple[str, str, str, str, str]  # region, pdu, dimension, group, measure
NeedKey = tuple[str, str, str, str, str]  # region, pdu, team, need, stage


@dataclass(frozen=True, slots=True)
class Share:
    """What one case adds to the gauges."""

    answers: tuple[tuple[KeyQuestionKey, bool], ...]  # per in-scope key question: Yes?
    active: ActiveKey | None  # while allocated and not closed
    oldest: tuple[tuple[TeamSeverity, datetime], ...]  # earliest openedAt of its open alerts
    wake: datetime | None  # the next instant at which the share changes with the clock alone
    # SPEC §12, live: the case's group in each dimension, under (region, pdu), and the
    # measures it breaches, counted under each of its groups (kept apart, not multiplied out:
    # few cases share a product, many share its factors); the stages its needs have reached,
    # under (region, pdu, team).
    groups: tuple[GroupKey, ...] = ()
    breached: tuple[str, ...] = ()
    needs: tuple[NeedKey, ...] = ()

    def breach_keys(self) -> list[BreachKey]:
        return [(*group, measure) for group in self.groups for measure in self.breached]


NOTHING = Share((), None, (), None)


def share(case: CaseState, now: datetime, policy: Policy) -> Share:
    """One case's share as of `now` (the same reading as a full recount)."""
    answered = answer_case(case, now, policy)
    if answered is None:
        return NOTHING
    region, pdu = answered.region, answered.pdu
    answers = tuple(((region, pdu, standard, question.value), yes)
                    for (standard, question), yes in answered.answers.items())
    facts = case.facts
    closed_at = facts.closed_at
    active = None
    if closed_at is None or closed_at > now:
        rosh = facts.risk_at(now).rosh
        active = (region, pdu, answered.team, rosh.value if rosh else "UNKNOWN")
    earliest: dict[TeamSeverity, datetime] = {}
    for view in case.published.values():
        if view.status == AlertStatus.OPEN:
            held = view.assignment
            key = (held.region, held.pdu, held.team, view.rule.severity.value)
            if key not in earliest or view.opened_at < earliest[key]:
                earliest[key] = view.opened_at
    allocation = facts.allocation
    assert allocation is not None  # answered
    span = policy.span("scope", "implementation_working_days")
    in_scope_at = breach_time(due_date(allocation.at, span.amount, span.unit))
    wake = in_scope_at if in_scope_at > now else None
    read = profiled(case, now)
    groups = tuple((region, pdu, d, g) for d, g in read.groups.items()) if read else ()
    breached = tuple(sorted(read.breached)) if read else ()
    needs = tuple((region, pdu, answered.team, need.value, stage)
                  for need, stage in need_stages(case, now))
    return Share(answers, active, tuple(sorted(earliest.items())), wake, groups, breached, needs)


class CaseloadTally:
    def __init__(self, caseload: Caseload) -> None:
        self.caseload = caseload
        self.scoped: Counter[KeyQuestionKey] = Counter()  # cases answering the key question
        self.yes: Counter[KeyQuestionKey] = Counter()
        self.active: Counter[ActiveKey] = Counter()
        self.groups: Counter[GroupKey] = Counter()
        self.breached: Counter[BreachKey] = Counter()
        self.needs: Counter[NeedKey] = Counter()
        self._shares: dict[str, Share] = {}
        self._wake: list[tuple[datetime, str]] = []  # heap of (instant, CRN)
        # Per team and severity, a heap of (openedAt, CRN). An entry no longer true is dropped
        # when it reaches the top, so reading the earliest costs amortised O(log n).
        self._oldest: dict[TeamSeverity, list[tuple[datetime, str]]] = {}
        self._live: Counter[TeamSeverity] = Counter()  # the true entries in each heap
        # One copy of each distinct key and tuple of keys a share holds: cases of a PDU share
        # most of them, and a share per case of the national caseload would otherwise cost
        # 5 KiB (measured), most of it these tuples repeated.
        self._common: dict[Any, Any] = {}

    def refresh(self) -> int:
        """Recount the cases that changed since the last refresh; returns how many."""
        now = self.caseload.now
        if now is None:
            return 0
        changed = self.caseload.take_changed()
        while self._wake and self._wake[0][0] <= now:
            changed.add(heapq.heappop(self._wake)[1])
        cases = self.caseload.cases
        for crn in changed:
            self._recount(cases[crn], now)
        return len(changed)

    def closing(self, case: CaseState) -> None:
        """A case kept on disk is leaving memory: if it changed since the last refresh, count
        it now rather than read it again then. Its share as of now is what a refresh would
        find, since only a change or a wake (both of which bring it back) can move it."""
        now = self.caseload.now
        if now is not None and self.caseload.counted(case.crn):
            self._recount(case, now)

    def oldest_ages(self) -> dict[TeamSeverity, float]:
        """Per team and severity, seconds on the caseload's clock since the oldest open alert
        opened."""
        now = self.caseload.now
        ages: dict[TeamSeverity, float] = {}
        if now is None:
            return ages
        for key, heap in self._oldest.items():
            if len(heap) > 2 * self._live[key] + 16:
                # Entries no longer true that never reach the top would pile up: sweep them.
                heap[:] = [entry for entry in heap if self._holds(key, entry)]
                heapq.heapify(heap)
            while heap and not self._holds(key, heap[0]):
                heapq.heappop(heap)
            if heap:
                ages[key] = (now - heap[0][0]).total_seconds()
        return ages

    def _holds(self, key: TeamSeverity, entry: tuple[datetime, str]) -> bool:
        opened_at, crn = entry
        return (key, opened_at) in self._shares[crn].oldest

    def _kept(self, found: Share) -> Share:
        """`found` as kept: every key, and every tuple of keys, the one copy of its value."""
        return Share(self._one(found.answers), self._one(found.active),
                     tuple((self._one(key), opened_at) for key, opened_at in found.oldest),
                     found.wake, self._one(found.groups), self._one(found.breached),
                     self._one(found.needs))

    def _one(self, value: Any) -> Any:
        """The one copy of `value`, a tuple built of strings, bools and such tuples, or None."""
        kept = self._common.get(value)
        if kept is not None:  # most shares repeat one already kept: no need to go inside it
            return kept
        if isinstance(value, tuple):
            value = tuple(self._one(item) for item in value)
        return self._common.setdefault(value, value)

    def _recount(self, case: CaseState, now: datetime) -> None:
        crn = case.crn
        before = self._shares.get(crn, NOTHING)
        after = share(case, now, self.caseload.policy)
        if after == before:
            return
        after = self._kept(after)
        for key, yes in before.answers:
            self.scoped[key] -= 1
            self.yes[key] -= yes
        for key, yes in after.answers:
            self.scoped[key] += 1
            self.yes[key] += yes
        self.groups.subtract(before.groups)
        self.groups.update(after.groups)
        self.breached.subtract(before.breach_keys())
        self.breached.update(after.breach_keys())
        self.needs.subtract(before.needs)
        self.needs.update(after.needs)
        if before.active is not None:
            self.active[before.active] -= 1
        if after.active is not None:
            self.active[after.active] += 1
        for key, opened_at in before.oldest:
            if (key, opened_at) not in after.oldest:
                self._live[key] -= 1
        for key, opened_at in after.oldest:
            if (key, opened_at) not in before.oldest:
                self._live[key] += 1
                heapq.heappush(self._oldest.setdefault(key, []), (opened_at, crn))
        if after.wake is not None and after.wake != before.wake:
            heapq.heappush(self._wake, (after.wake, crn))
        self._shares[crn] = after
