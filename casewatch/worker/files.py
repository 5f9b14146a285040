"""A partition's case files: every case is in the table, a bounded few are open in memory.

The worker's caseload keeps its cases here rather than in a dict (engine/caseload.py `Cases`).
A case not open is read from the table when the caseload asks for it: a prefix scan of its
rows, restored as of its last row (engine/snapshot.py), exactly as a restart would. Cases are
closed again, least recently used first, only when the shell says their rows are written
(`close_beyond`), so a case is never re-read from a table that lacks its latest change.

What stays in memory for every case is its CRN and row count, and in the caseload's deadline
index its next transition (about 600 bytes a case, measured). The rest is bounded by `limit`.
"""

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import takewhile

from casewatch.engine.case import CaseState
from casewatch.engine.policy import Policy
from casewatch.engine.snapshot import Row, restore_case, rows_prefix

Scan = Callable[[bytes], Iterable[Row]]  # the table's rows from a key on, in key order
# Told of each read: the case, the instant it was restored to, and whether this is the first
# read since this process took the case over.
OnRead = Callable[[CaseState, datetime, bool], None]
OnClose = Callable[[CaseState], None]  # told of each case as it closes


class CaseFiles:
    def __init__(self, scan: Scan, policy: Policy, limit: int, on_read: OnRead,
                 on_close: OnClose) -> None:
        self._scan = scan
        self._on_read = on_read
        self._on_close = on_close
        self._policy = policy
        self.limit = limit
        self.writes: dict[str, int] = {}  # every case: the number its next table row takes
        self._open: OrderedDict[str, CaseState] = OrderedDict()
        self.unread: set[str] = set()  # cases not read since this process took them over
        self.reads = 0  # table reads, for the figures
        # While a message is being processed, cases it changed must stay open until its rows
        # are written; between messages (the gauges' recount, the read-through) every change
        # is written, so a read closes what is beyond the limit at once.
        self.holding = False
        # Cases whose rows are made but not yet written (re-derived under a changed policy, in
        # a read between messages): kept open, whatever the limit, until they are written.
        self.pinned: set[str] = set()

    def get(self, crn: str, /) -> CaseState | None:
        case = self._open.get(crn)
        if case is not None:
            self._open.move_to_end(crn)
            return case
        if crn not in self.writes:
            return None
        prefix = rows_prefix(crn)
        rows = list(takewhile(lambda row: row[0].startswith(prefix), self._scan(prefix)))
        restored = restore_case(crn, rows, self._policy)
        self.reads += 1
        self.writes[crn] = restored.writes
        case = self._open[crn] = restored.case
        first = crn in self.unread
        if first:
            self.unread.discard(crn)
            if not self.unread:
                self.unread = set()  # a set keeps its largest table: 8 MiB at 240,000 cases
        self._on_read(case, restored.now, first)
        if not self.holding:
            self.close_beyond()  # a read between messages: nothing waits to be written
        return case

    def __getitem__(self, crn: str, /) -> CaseState:
        case = self.get(crn)
        if case is None:
            raise KeyError(crn)
        return case

    def __setitem__(self, crn: str, case: CaseState, /) -> None:
        self.writes.setdefault(crn, 0)
        self._open[crn] = case
        self._open.move_to_end(crn)

    def __contains__(self, crn: object) -> bool:
        return crn in self.writes

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.writes))

    def __len__(self) -> int:
        return len(self.writes)

    def values(self) -> Iterator[CaseState]:
        """Every case, each read if it is not open: for reports over a whole partition."""
        for crn in list(self.writes):
            yield self[crn]

    def kept(self, crn: str, writes: int) -> None:
        """A case in the table, not read: `writes` rows so far."""
        self.writes[crn] = writes
        self.unread.add(crn)

    @property
    def open(self) -> int:
        return len(self._open)

    def close_beyond(self) -> None:
        """Close the least recently used cases beyond the limit. Only once every change to an
        open case is written to the table: the shell writes a change's rows as soon as it is
        made, with no await between, so any moment between messages will do."""
        if not self.pinned:  # every case but during a re-derivation: the cheap way
            while len(self._open) > self.limit:
                _, case = self._open.popitem(last=False)
                self._on_close(case)
            return
        beyond = len(self._open) - self.limit
        for crn in list(self._open)[:beyond + len(self.pinned)] if beyond > 0 else ():
            if beyond <= 0:
                break
            if crn not in self.pinned:
                self._on_close(self._open.pop(crn))
                beyond -= 1
