"""A replay too large to hold every case: its events split by CRN into partitions on disk, as
Kafka splits them among workers, and each partition replayed alone.

A case's alerts depend only on its own events and on the clock each arrived at: the watermark,
the greatest `occurredAt` applied so far in the whole file (SPEC §1). So a first pass reads and
validates every line, files each accepted event under its case's partition, and notes its time.
Duplicates, which do not move the clock, are then found partition by partition, and the
watermark before each event is known for the whole file. Each partition is then replayed with
its clock moved to that watermark before each of its events, and at the end to the report's
clock. The report is the one a single caseload gives (tests/replay/test_partitions.py holds it
to that), and memory follows the largest partition and a number per event, not the caseload.
`worklist` and `analyse` take the same route, keeping only their rows and counts of each partition.
"""

from __future__ import annotations

import heapq
import multiprocessing
import pickle
import tempfile
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, TypeVar

from casewatch.engine.caseload import Caseload
from casewatch.engine.facts import at_utc
from casewatch.engine.policy import Policy
from casewatch.progress import Progress
from casewatch.replay.evaluate import read_events, report_clock
from casewatch.replay.report import (
    Cohort,
    CohortRatings,
    EventTally,
    alert_order,
    assemble,
    cohort_results,
)
from casewatch.schemas.events import CaseEvent
from casewatch.schemas.parse import parse_event

# A partition for every this many bytes of input: about 2,200 simulated cases over a year, or
# 70 MiB of caseload (./run bench memory). Input of unknown size (a pipe) gets STREAM_PARTITIONS.
PARTITION_BYTES = 16 * 2**20
STREAM_PARTITIONS = 64
MOST_PARTITIONS = 256  # each an open file while the input is split

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
DUPLICATE = -(2**63)  # a duplicate's time: it does not move the clock

# A filed event: its ordinal among accepted events, CRN, eventId and the line as read.
Filed = tuple[int, str, str, bytes]
S = TypeVar("S")  # what a command keeps of a partition
T = TypeVar("T")


def partitions_for(size: int | None) -> int:
    """How many partitions a replay of `size` bytes of input takes (1: replay in memory)."""
    if size is None:
        return STREAM_PARTITIONS
    return max(1, min(MOST_PARTITIONS, -(-size // PARTITION_BYTES)))


@contextmanager
def replay_in_partitions(
    lines: Iterable[bytes],
    *,
    policy: Policy,
    as_of: datetime | None,
    cohort: Cohort,
    partitions: int,
    jobs: int = 1,
    progress: Progress | None = None,
) -> Iterator[dict[str, Any]]:
    """SPEC §7's report, as `replay` gives it, with "alerts" a one-pass iterator over files
    that exist until the context exits (write it with `write_json` inside). With `jobs` above
    1, that many processes replay partitions side by side."""
    with _filed(lines, policy, as_of, cohort, partitions, progress) as (replaying, tally):
        cases = _cases_bar(replaying.folder, partitions, progress)
        ratings = CohortRatings()
        runs = []
        for run, filed, part in _each_partition(replaying, partitions, jobs,
                                                 _replay_partition):
            runs.append(run)
            ratings.absorb(part)
            if cases is not None:
                cases.advance(filed)
        if cases is not None:
            cases.finish()
        yield assemble(replaying.now, tally, ratings, _merged(runs))


def summarise_in_partitions(
    lines: Iterable[bytes],
    *,
    policy: Policy,
    as_of: datetime | None,
    partitions: int,
    summary: Callable[[Caseload], S],
    jobs: int = 1,
    progress: Progress | None = None,
) -> tuple[list[S], EventTally, datetime]:
    """As `replay.summarise`: `summary` of each partition's caseload at the report's clock (in
    `jobs` forked processes, it must be picklable: a module's function or a partial of one),
    with the reading tally and the clock. For `worklist` and `analyse`, whose rows and counts
    are per case: a partition's add to the others'."""
    with summaries_in_partitions(lines, policy=policy, as_of=as_of, partitions=partitions,
                                 summary=summary, jobs=jobs, progress=progress) as (
            summaries, tally, now):
        return list(summaries), tally, now


@contextmanager
def summaries_in_partitions(
    lines: Iterable[bytes],
    *,
    policy: Policy,
    as_of: datetime | None,
    partitions: int,
    summary: Callable[[Caseload], S],
    jobs: int = 1,
    progress: Progress | None = None,
) -> Iterator[tuple[Iterator[S], EventTally, datetime]]:
    """As `summarise_in_partitions`, each partition's summary given as it is made (in order),
    for a caller that sends each on before the next: `rebuild`'s table rows."""
    with _filed(lines, policy, as_of, Cohort(), partitions, progress) as (replaying, tally):
        cases = _cases_bar(replaying.folder, partitions, progress)

        def summaries() -> Iterator[S]:
            for summarised, filed in _each_partition(replaying, partitions, jobs,
                                                     partial(_summarise_partition, summary)):
                yield summarised
                if cases is not None:
                    cases.advance(filed)
            if cases is not None:
                cases.finish()

        yield summaries(), tally, replaying.now


@contextmanager
def _filed(lines: Iterable[bytes], policy: Policy, as_of: datetime | None, cohort: Cohort,
           partitions: int, progress: Progress | None) -> Iterator[tuple[Replaying, EventTally]]:
    """The first pass, in a private directory removed at the end: every line read and filed
    under its partition, duplicates marked, the watermark before each event known."""
    with tempfile.TemporaryDirectory(prefix="casewatch-replay-") as directory:
        folder = Path(directory)
        tally = EventTally()
        times = _file_events(lines, folder, partitions, tally, progress)
        tally.duplicates = _mark_duplicates(folder, partitions, times)
        tally.applied = len(times) - tally.duplicates
        watermarks = _running_max(times)  # in place: one number an event is all it keeps
        latest = watermarks[-1] if watermarks and watermarks[-1] != DUPLICATE else None
        now = report_clock(None if latest is None else _moment(latest), as_of)
        yield Replaying(folder, watermarks, now, policy, cohort), tally


def _cases_bar(folder: Path, partitions: int, progress: Progress | None) -> Progress | None:
    """The second pass is most of the time: it gets a bar of its own, over the filed events."""
    if progress is None:
        return None
    return Progress(sum(_events_path(folder, n).stat().st_size for n in range(partitions)),
                    f"{progress.label}: cases", progress.stream)


def _file_events(lines: Iterable[bytes], folder: Path, partitions: int, tally: EventTally,
                 progress: Progress | None) -> array[int]:
    """Read and validate every line (SPEC §7's reading rules), filing each accepted event
    under its partition; the accepted events' times in microseconds, in file order."""
    times = array("q")
    with ExitStack() as files:
        out = [files.enter_context(_events_path(folder, n).open("wb"))
               for n in range(partitions)]
        for event, line, _ in read_events(lines, tally, progress):
            filed: Filed = (len(times), event.crn, event.eventId, line)
            out[partition_of(event.crn, partitions)].write(pickle.dumps(filed, 5))
            times.append((at_utc(event.occurredAt) - EPOCH) // MICROSECOND)
    return times


def partition_of(crn: str, partitions: int) -> int:
    return zlib.crc32(crn.encode()) % partitions


def _mark_duplicates(folder: Path, partitions: int, times: array[int]) -> int:
    """Mark each repeat of an eventId within its case (Caseload.apply's duplicate) in `times`;
    how many there were. A case's events are all in one partition, in file order."""
    duplicates = 0
    for number in range(partitions):
        seen: set[tuple[str, str]] = set()
        for ordinal, crn, event_id, _ in _read(_events_path(folder, number)):
            if (crn, event_id) in seen:
                times[ordinal] = DUPLICATE
                duplicates += 1
            else:
                seen.add((crn, event_id))
    return duplicates


def _running_max(times: array[int]) -> array[int]:
    """`times` turned into the watermark after each accepted event: the greatest time applied
    up to it."""
    watermarks = times
    highest = DUPLICATE
    for ordinal, moment in enumerate(watermarks):
        if moment > highest:
            highest = moment
        watermarks[ordinal] = highest
    return watermarks


@dataclass(frozen=True)
class Replaying:
    """What every partition's replay reads: the filed events, the whole file's watermarks (one
    number an event) and the report's clock, policy and cohort."""

    folder: Path
    watermarks: array[int]
    now: datetime
    policy: Policy
    cohort: Cohort


def _each_partition(replaying: Replaying, partitions: int, jobs: int,
                    task: Callable[[Replaying, int], T]) -> Iterator[T]:
    """`task` on each partition, in order: here, or by `jobs` forked processes, which share
    the watermarks with this one rather than each being sent a copy. A task for the processes
    must be picklable: a module's function, or a partial of one. No more processes than
    partitions are started."""
    jobs = min(jobs, partitions)
    if jobs == 1:
        for number in range(partitions):
            yield task(replaying, number)
        return
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                               initializer=_inherit, initargs=(replaying,))
    try:
        yield from pool.map(partial(_on_inherited, task), range(partitions))
    finally:  # stopped (SIGTERM, Ctrl-C): the partitions not yet begun are not begun
        pool.shutdown(cancel_futures=True)


_inherited: Replaying | None = None  # in a forked process: what it replays


def _inherit(replaying: Replaying) -> None:
    global _inherited
    _inherited = replaying


def _on_inherited(task: Callable[[Replaying, int], T], number: int) -> T:
    assert _inherited is not None
    return task(_inherited, number)


def _summarise_partition(summary: Callable[[Caseload], S], replaying: Replaying,
                         number: int) -> tuple[S, int]:
    caseload, filed = _partition_caseload(replaying, number)
    return summary(caseload), filed


def _replay_partition(replaying: Replaying, number: int) -> tuple[Path, int, CohortRatings]:
    """One partition's cases replayed: their alerts written to a sorted run, the bytes filed,
    and their answers."""
    caseload, filed = _partition_caseload(replaying, number)
    ratings, alerts = cohort_results(caseload, replaying.cohort)
    run = replaying.folder / f"alerts-{number}"
    with run.open("wb") as out:
        for view in alerts:
            out.write(pickle.dumps((alert_order(view), view.to_wire()), 5))
    return run, filed, ratings


def _partition_caseload(replaying: Replaying, number: int) -> tuple[Caseload, int]:
    """One partition's cases through a caseload of their own, each event at the whole file's
    watermark, then on to the report's clock; the bytes its file held, which is removed."""
    watermarks = replaying.watermarks
    caseload = Caseload(replaying.policy)
    clock = DUPLICATE
    events = _events_path(replaying.folder, number)
    for ordinal, _, _, line in _read(events):
        before = watermarks[ordinal - 1] if ordinal else DUPLICATE
        if before > clock:
            caseload.advance(_moment(before))
            clock = before
        event: CaseEvent = parse_event(line)  # it passed once: it passes again
        if not caseload.apply(event).duplicate:
            clock = watermarks[ordinal]
    caseload.advance(replaying.now)
    filed = events.stat().st_size
    events.unlink()
    return caseload, filed


def _merged(runs: list[Path]) -> Iterator[dict[str, Any]]:
    """The runs' alerts in the report's order (alert_order), read one at a time."""
    for _, alert in heapq.merge(*(_read(run) for run in runs), key=itemgetter(0)):
        yield alert


def _read(path: Path) -> Iterator[Any]:
    with path.open("rb") as stream:
        yield from _records(stream)


def _records(stream: IO[bytes]) -> Iterator[Any]:
    while True:
        try:
            yield pickle.load(stream)
        except EOFError:
            return


def _events_path(folder: Path, number: int) -> Path:
    return folder / f"events-{number}"


def _moment(microseconds: int) -> datetime:
    return EPOCH + microseconds * MICROSECOND
