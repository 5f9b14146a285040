"""`casewatch replay`: JSON Lines through the engine on the embedded default, no broker."""

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import IO, Any, TypeVar

from casewatch.engine.caseload import Caseload
from casewatch.engine.facts import at_utc
from casewatch.engine.policy import Policy
from casewatch.metrics.quality import QualityMetrics
from casewatch.progress import Progress
from casewatch.replay.report import Cohort, EventTally, build_report
from casewatch.schemas.events import CaseEvent
from casewatch.schemas.parse import Rejection, parse_event

S = TypeVar("S")  # what a command keeps of a caseload


def replay(
    lines: Iterable[bytes],
    *,
    policy: Policy,
    as_of: datetime | None,
    cohort: Cohort,
    progress: Progress | None = None,
    metrics: QualityMetrics | None = None,
) -> dict[str, Any]:
    caseload, tally = evaluate(lines, policy=policy, as_of=as_of, progress=progress,
                               metrics=metrics)
    return build_report(caseload, tally, cohort)


def evaluate(
    lines: Iterable[bytes],
    *,
    policy: Policy,
    as_of: datetime | None,
    progress: Progress | None = None,
    metrics: QualityMetrics | None = None,
) -> tuple[Caseload, EventTally]:
    """Every line through the engine (SPEC §7's reading rules), the clock then at `as_of`."""
    caseload = Caseload(policy)
    tally = EventTally()
    for event, _, started in read_events(lines, tally, progress, metrics):
        applied = caseload.apply(event)
        if applied.duplicate:
            tally.duplicates += 1
        else:
            tally.applied += 1
        if metrics is not None:
            metrics.event(event.eventType, "duplicate" if applied.duplicate else "applied",
                          event.occurredAt)
            metrics.alerts(applied.changes)
            metrics.processing.observe(time.perf_counter() - started)
    changes = caseload.advance(report_clock(caseload.now, as_of))
    if metrics is not None:
        metrics.alerts(changes)
        metrics.caseloads([caseload])
    return caseload, tally


def summarise(
    lines: Iterable[bytes],
    *,
    policy: Policy,
    as_of: datetime | None,
    summary: Callable[[Caseload], S],
    progress: Progress | None = None,
) -> tuple[list[S], EventTally, datetime]:
    """`summary` of the whole caseload at the report's clock, as the one item of a list (as
    `summarise_in_partitions` gives one per partition), with the reading tally and the clock."""
    caseload, tally = evaluate(lines, policy=policy, as_of=as_of, progress=progress)
    assert caseload.now is not None
    return [summary(caseload)], tally, caseload.now


def read_events(
    lines: Iterable[bytes],
    tally: EventTally,
    progress: Progress | None = None,
    metrics: QualityMetrics | None = None,
) -> Iterator[tuple[CaseEvent, bytes, float]]:
    """SPEC §7's reading rules: each valid line's event, with the line and when its reading
    began; blank lines skipped, the others counted in `tally`, bad ones with their number."""
    for number, line in enumerate(lines, start=1):
        if progress is not None:
            progress.advance(len(line))
        if not line.strip():
            continue
        tally.read += 1
        started = time.perf_counter()
        try:
            event = parse_event(line)
        except Rejection as rejection:
            tally.rejected.append(
                {"line": number, "eventId": rejection.event_id, "reason": rejection.reason}
            )
            if metrics is not None:
                metrics.event(rejection.event_type, "rejected")
            continue
        yield event, line, started
    if progress is not None:
        progress.finish()


def report_clock(latest: datetime | None, as_of: datetime | None) -> datetime:
    """SPEC §7: the clock goes on to `--as-of`, or stays at the latest event's time."""
    if as_of is None:
        if latest is None:
            raise EmptyReplay("no valid event to set the clock from: give --as-of")
        return latest
    target = at_utc(as_of)
    if latest is not None and target < latest:
        print(f"casewatch: --as-of {as_of.isoformat()} is before the latest event "
              f"({latest.isoformat()}); events cannot be unapplied, so the report is as "
              "of the latest event", file=sys.stderr)
        return latest
    return target


class EmptyReplay(ValueError):
    pass


def read_lines(stream: IO[bytes]) -> Iterator[bytes]:
    # Physical lines only: a stray \r or \x85 inside a line must not shift the line numbers.
    yield from stream
