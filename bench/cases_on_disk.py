"""The worker's partition shell with cases on disk: memory and restart at national size.

    ./run bench disk [--cases 24000 240000] [--days 365] [--open-cases 2000] [--tail 0.02]

For each size, a simulated cohort over `--days` is written to a temporary file (the simulator
streams). All but its last `--tail` of events are replayed in memory and every case written to
a real RocksDB table (opened by faust's own code with the worker's options) as the worker's
rows and summaries would hold it: the partition a worker owns after a year. That build is not
timed: at 240,000 cases it needs the memory a whole-caseload replay does, which is the point.

Then a child process (so its memory is its own) plays the worker's part for that one partition,
without Kafka: it takes the partition on (a PartitionWatch over the table, at most
`--open-cases` decoded) and applies the first held-back event, timed (the restart); applies the
rest of them, each outcome's rows written as the worker writes them and the gauges refreshed
every 1,000 events, about as often as its timer would (throughput, and memory while the
partition is in use; the longest message, which is the one whose clock crossed the busiest
midnight, and the refreshes' time); and reads the partition through, as the worker does in
the background (its time, and memory after, with every case counted in the gauges). Memory
is the child's resident set, peak from the kernel and current, minus its own before it opened
the table (interpreter and libraries). With `--open-cases` at or above the caseload every case stays
decoded, as before this design.
"""

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, cast

from faust.stores.rocksdb import RocksDBOptions
from prometheus_client import CollectorRegistry

from casewatch.engine.caseload import Caseload
from casewatch.engine.policy import Policy
from casewatch.engine.snapshot import FORMAT_ROW, Row, summary_row, whole_case_rows
from casewatch.metrics.quality import QualityMetrics
from casewatch.schemas.parse import parse_event
from casewatch.simulate.simulation import Simulation, write_jsonl
from casewatch.worker.app import TABLE_OPTIONS
from casewatch.worker.watch import Outcome, PartitionWatch

REFRESH_EVERY = 1_000  # events: about a second of the worker's, whose gauges refresh each second


def rss() -> int:
    """Current resident set, bytes."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize()


def peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def open_table(path: Path) -> Any:
    return RocksDBOptions(**TABLE_OPTIONS, use_rocksdict=True).open(path)  # as the worker


def build(head: Path, table_path: Path) -> None:
    """The table a worker owning every case of `head` would have: rows and summaries."""
    caseload = Caseload()
    with head.open("rb") as lines:
        for line in lines:
            caseload.apply(parse_event(line))
    assert caseload.now is not None
    db = open_table(table_path)
    for case in caseload.cases.values():
        rows = whole_case_rows(case, caseload.now)
        for key, value in rows:
            db.put(key, value)
        db.put(*summary_row(case.crn, caseload.now, case.next_at, len(rows)))
    db.put(*FORMAT_ROW)
    db.close()


def measure(tail: Path, table_path: Path, open_cases: int) -> dict[str, float]:
    gc.collect()
    base = rss()
    db = open_table(table_path)

    def scan(key: bytes) -> Iterable[Row]:
        return cast(Iterable[Row], db.items(from_key=key))  # raw_mode: bytes

    metrics = QualityMetrics(CollectorRegistry())

    def settle(watch: PartitionWatch, outcome: Outcome) -> None:
        for key, value in outcome.rows:
            db.put(key, value)
        watch.tidy()
        metrics.baseline(outcome.restored)
        metrics.alerts(outcome.changes)

    def take(watch: PartitionWatch, line: bytes) -> None:
        for outcome in watch.message(line):
            settle(watch, outcome)

    lines = tail.read_bytes().splitlines()
    began = time.perf_counter()
    watch = PartitionWatch(Policy(), scan, open_cases)
    watch.closing.append(metrics.cases.tally_of(watch.caseload).closing)  # as the worker
    settle(watch, watch.opening())
    take(watch, lines[0])
    figures: dict[str, float] = {"first_event_s": time.perf_counter() - began,
                                 "cases": len(watch.files), "after_first_event": rss() - base}
    began = time.perf_counter()
    longest = refreshing = longest_refresh = 0.0
    for number, line in enumerate(lines[1:], 1):
        started = time.perf_counter()
        take(watch, line)
        took = time.perf_counter() - started
        longest = max(longest, took)
        if number % REFRESH_EVERY == 0:
            started = time.perf_counter()
            metrics.caseloads([watch.caseload], warming={watch.caseload})
            took = time.perf_counter() - started
            refreshing, longest_refresh = refreshing + took, max(longest_refresh, took)
    figures["events"] = len(lines)
    figures["events_per_s"] = (len(lines) - 1) / (time.perf_counter() - began)
    # The longest message is the one whose clock crossed the busiest midnight.
    figures["longest_message_s"] = longest
    figures["refresh_s"], figures["longest_refresh_s"] = refreshing, longest_refresh
    figures["reads"] = watch.files.reads
    figures["peak_processing"] = peak() - base
    began = time.perf_counter()
    while watch.unread:
        settle(watch, watch.read_through(20))
    metrics.caseloads([watch.caseload])
    figures["read_through_s"] = time.perf_counter() - began
    figures["after_read_through"] = rss() - base
    figures["peak"] = peak() - base
    figures["open"] = watch.files.open
    return figures


def run(cases: int, days: int, tail_share: float, open_cases: list[int],
        directory: Path) -> Iterable[tuple[int, dict[str, float]]]:
    cohort = directory / "cohort.jsonl"
    with cohort.open("w") as stream:
        write_jsonl(Simulation(cases=cases, seed=11, start=date(2025, 4, 1), days=days,
                               quality=0.7, pdus=1).events(), stream)
    lines = cohort.read_bytes().splitlines(keepends=True)
    cut = len(lines) - max(1, int(len(lines) * tail_share))
    head, tail = directory / "head.jsonl", directory / "tail.jsonl"
    head.write_bytes(b"".join(lines[:cut]))
    tail.write_bytes(b"".join(lines[cut:]))
    del lines
    cohort.unlink()
    for limit in open_cases:
        table = directory / f"table-{limit}"
        child(["--build", str(head), str(table)])
        yield limit, json.loads(child(["--measure", str(tail), str(table), str(limit)]))


def child(arguments: list[str]) -> str:
    return subprocess.run([sys.executable, "-m", "bench.cases_on_disk", *arguments],
                          check=True, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[24_000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--tail", type=float, default=0.02)
    parser.add_argument("--open-cases", type=int, nargs="+", default=[2_000])
    parser.add_argument("--build", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(Path(args.build[0]), Path(args.build[1]))
        return
    if args.measure:
        tail, table, limit = args.measure
        print(json.dumps(measure(Path(tail), Path(table), int(limit))))
        return
    mib = 2**20
    print(f"{'cases':>8} {'open':>7} {'first event':>12} {'tail events':>12} {'ev/s':>6} "
          f"{'longest':>8} {'peak MiB':>9} {'read-through':>13} {'after MiB':>10} "
          f"{'peak MiB':>9}")
    for cases in args.cases:
        with tempfile.TemporaryDirectory(prefix="casewatch-disk-") as name:
            for limit, f in run(cases, args.days, args.tail, args.open_cases, Path(name)):
                print(json.dumps(f), file=sys.stderr)  # every figure, for the record
                print(f"{cases:>8,} {limit:>7,} {f['first_event_s']:>11.2f}s "
                      f"{f['events']:>12,.0f} {f['events_per_s']:>6,.0f} "
                      f"{f['longest_message_s']:>7.1f}s "
                      f"{f['peak_processing'] / mib:>9,.0f} {f['read_through_s']:>12.1f}s "
                      f"{f['after_read_through'] / mib:>10,.0f} {f['peak'] / mib:>9,.0f}",
                      flush=True)


if __name__ == "__main__":
    main()
