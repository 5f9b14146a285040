"""The worker's partition shell with cases on disk: memory, and a restart, at national size.

    ./run bench disk [--cases 24000 240000] [--days 365] [--open-cases 5000]

For each size, a child process (so its memory is its own) plays the worker's part for one
partition owning every case, without Kafka: a simulated cohort over `--days` (streamed from a
temporary file) goes through a PartitionWatch whose table is a real RocksDB database (opened
by faust's own code with the worker's options), each outcome's rows written as the worker
writes them, and the gauges refreshed every 10,000 events as the worker's timer would. Then a
restart: a new PartitionWatch on the same table, timed to its first new event applied, and then
to the end of its background read-through.

Reported: resident memory (peak while processing, from the kernel; and current, after each
phase) minus the same child's before it read any event (the interpreter and libraries); the
time to the first event after the restart; the read-through's time. With `--open-cases` at or
above the caseload, every case stays decoded: the design before this one, as a baseline.
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
from typing import cast

from faust.stores.rocksdb import RocksDBOptions
from prometheus_client import CollectorRegistry

from workers.engine.policy import Policy
from workers.engine.snapshot import Row
from workers.metrics import QualityMetrics
from workers.simulate import Simulation, write_jsonl
from workers.stream.app import TABLE_OPTIONS
from workers.stream.watch import Outcome, PartitionWatch

REFRESH_EVERY = 10_000


def rss() -> int:
    """Current resident set, bytes."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize()


def peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(cohort: Path, table_path: Path, open_cases: int) -> dict[str, float]:
    db = RocksDBOptions(**TABLE_OPTIONS, use_rocksdict=True).open(table_path)  # as the worker

    def scan(key: bytes) -> Iterable[Row]:
        return cast(Iterable[Row], db.items(from_key=key))  # raw_mode: bytes

    def settle(watch: PartitionWatch, outcome: Outcome) -> None:
        for key, value in outcome.rows:
            db.put(key, value)
        watch.written()
        metrics.baseline(outcome.restored)
        metrics.alerts(outcome.changes)

    metrics = QualityMetrics(CollectorRegistry())
    gc.collect()
    base = rss()
    watch = PartitionWatch(Policy(), scan, open_cases)
    settle(watch, watch.opening())
    began = time.perf_counter()
    events = 0
    with cohort.open("rb") as lines:
        for line in lines:
            settle(watch, watch.on_message(line))
            events += 1
            if events % REFRESH_EVERY == 0:
                metrics.caseloads([watch.caseload])
    metrics.caseloads([watch.caseload])
    processing = time.perf_counter() - began
    figures = {"events": events, "events_per_s": events / processing,
               "peak_processing": peak() - base, "after_processing": rss() - base,
               "cases": len(watch.files)}
    last = json.loads(line)
    probe = json.dumps({
        "eventId": "restart-probe", "eventType": "contact.recorded", "version": 1,
        "crn": last["crn"], "occurredAt": last["occurredAt"],
        "detail": {"contactId": "restart-probe", "type": "OFFICE", "outcome": "ATTENDED"},
    }).encode()
    del watch
    metrics = QualityMetrics(CollectorRegistry())  # a new process's figures
    gc.collect()
    before_restart = rss()
    began = time.perf_counter()
    again = PartitionWatch(Policy(), scan, open_cases)
    settle(again, again.opening())
    outcome = again.on_message(probe)
    settle(again, outcome)
    assert outcome.rejection is None and not outcome.duplicate
    figures["first_event_s"] = time.perf_counter() - began
    figures["after_first_event"] = rss() - before_restart
    began = time.perf_counter()
    while again.unread:
        settle(again, again.read_through(20))
        metrics.caseloads([again.caseload], warming={again.caseload})
    metrics.caseloads([again.caseload])
    figures["read_through_s"] = time.perf_counter() - began
    figures["after_read_through"] = rss() - before_restart
    figures["open_cases"] = again.files.open
    return figures


def measure(cases: int, days: int, open_cases: int, directory: Path) -> dict[str, float]:
    cohort = directory / "cohort.jsonl"
    with cohort.open("w") as stream:
        write_jsonl(Simulation(cases=cases, seed=11, start=date(2025, 4, 1), days=days,
                               quality=0.7, pdus=1).events(), stream)
    result = subprocess.run(
        [sys.executable, "-m", "bench.cases_on_disk", "--child", str(cohort),
         str(directory / "table"), str(open_cases)],
        check=True, capture_output=True, text=True)
    cohort.unlink()
    figures: dict[str, float] = json.loads(result.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[24_000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--open-cases", type=int, nargs="+", default=[5_000])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        cohort, table, open_cases = args.child
        print(json.dumps(child(Path(cohort), Path(table), int(open_cases))))
        return
    mib = 2**20
    print(f"{'cases':>8} {'events':>10} {'open':>7} {'ev/s':>7} {'peak MiB':>9} "
          f"{'after MiB':>9} {'restart: first event':>21} {'MiB':>5} {'read-through':>13} "
          f"{'MiB':>6}")
    for cases in args.cases:
        for open_cases in args.open_cases:
            with tempfile.TemporaryDirectory(prefix="casewatch-disk-") as name:
                f = measure(cases, args.days, open_cases, Path(name))
            print(f"{cases:>8,} {f['events']:>10,.0f} {open_cases:>7,} {f['events_per_s']:>7,.0f} "
                  f"{f['peak_processing'] / mib:>9,.0f} {f['after_processing'] / mib:>9,.0f} "
                  f"{f['first_event_s']:>20.2f}s {f['after_first_event'] / mib:>5,.0f} "
                  f"{f['read_through_s']:>12.1f}s {f['after_read_through'] / mib:>6,.0f}",
                  flush=True)


if __name__ == "__main__":
    main()
