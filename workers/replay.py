"""`casewatch replay`: JSON Lines through the engine on the embedded default, no broker."""

import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from schemas.parse import Rejection, parse_event
from workers.engine.caseload import Caseload
from workers.engine.facts import at_utc
from workers.engine.policy import Policy
from workers.progress import Progress
from workers.report import Cohort, EventTally, build_report


def replay(
    lines: Iterable[bytes],
    *,
    policy: Policy,
    as_of: datetime | None,
    cohort: Cohort,
    progress: Progress | None = None,
) -> dict[str, Any]:
    caseload = Caseload(policy)
    tally = EventTally()
    for number, line in enumerate(lines, start=1):
        if progress is not None:
            progress.advance(len(line))
        if not line.strip():
            continue
        tally.read += 1
        try:
            event = parse_event(line)
        except Rejection as rejection:
            tally.rejected.append(
                {"line": number, "eventId": rejection.event_id, "reason": rejection.reason}
            )
            continue
        if caseload.apply(event).duplicate:
            tally.duplicates += 1
        else:
            tally.applied += 1
    if progress is not None:
        progress.finish()
    _advance_to(caseload, as_of)
    return build_report(caseload, tally, cohort)


def _advance_to(caseload: Caseload, as_of: datetime | None) -> None:
    if as_of is None:
        if caseload.now is None:
            raise EmptyReplay("no valid event to set the clock from: give --as-of")
        return
    target = at_utc(as_of)
    if caseload.now is not None and target < caseload.now:
        print(f"casewatch: --as-of {as_of.isoformat()} is before the latest event "
              f"({caseload.now.isoformat()}); events cannot be unapplied, so the report is as "
              "of the latest event", file=sys.stderr)
        return
    caseload.advance(target)


class EmptyReplay(ValueError):
    pass


def read_lines(stream: IO[bytes]) -> Iterator[bytes]:
    # Physical lines only: a stray \r or \x85 inside a line must not shift the line numbers.
    yield from stream
