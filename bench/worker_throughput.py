"""End-to-end throughput of streaming workers on a real local Kafka broker.

    ./run bench worker [--cases N] [--partitions P --workers W] [--open-cases N]
                       [--against REV [--pairs N]]

Starts a broker on free loopback ports, publishes a simulated cohort, starts one worker in
event-clock mode and times from its start until the consumer group has committed every event
(startup included; the rate after the group's first commit is reported separately). Baselines
in the same run, over the same events: the worker's shell alone without Kafka (parse, engine,
table rows into RocksDB, at most --open-cases cases decoded); a bare aiokafka consumer reading
the topic (no group, no commits); and faust's floor (bench/faust_floor.py), the worker's faust
app with an agent that only acks, then one that also writes two table rows per event. Each
Kafka run has its own consumer group, so each reads every event. By default one partition, so
one worker does all the work; with `--partitions 4 --workers 2` it measures scale-out: the
workers start together, and the rate after the group's first commit includes any rebalance as
the second one joins. With `--against REV`, the worker is then run again, alternately from
revision REV (a git worktree) and from this checkout, `--pairs` times each on the same broker and
events: a before-and-after measured in one run.
"""

import argparse
import asyncio
import io
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from faust.stores.rocksdb import RocksDBOptions

from bench.processes import (
    PROJECT,
    cli_module,
    local_broker,
    revision,
    start_module,
    stop_worker,
)
from casewatch.engine.policy import Policy
from casewatch.kafka.broker import free_port
from casewatch.kafka.lag import progress
from casewatch.kafka.publish import publish
from casewatch.kafka.settings import Settings
from casewatch.runtime import tune_gc
from casewatch.simulate.simulation import Simulation, write_jsonl
from casewatch.worker.app import TABLE_OPTIONS
from casewatch.worker.watch import PartitionWatch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--open-cases", type=int, default=Settings.open_cases,
                        help="cases each partition keeps decoded (CASEWATCH_OPEN_CASES)")
    parser.add_argument("--against", metavar="REV",
                        help="also run the worker from this git revision, alternating with this "
                             "checkout's")
    parser.add_argument("--pairs", type=int, default=2,
                        help="how many runs of each with --against")
    args = parser.parse_args()
    buffer = io.StringIO()
    write_jsonl(Simulation(cases=args.cases, seed=9, start=date(2025, 4, 1), days=182,
                           quality=0.7, pdus=1).events(), buffer)
    lines = [line.encode() for line in buffer.getvalue().splitlines()]

    tune_gc()
    with tempfile.TemporaryDirectory() as home:
        # The shell as the worker runs it: a RocksDB table with the worker's options, rows
        # written as they are made, at most --open-cases cases decoded.
        db = RocksDBOptions(**TABLE_OPTIONS, use_rocksdict=True).open(Path(home) / "table")
        started = time.perf_counter()
        shell = PartitionWatch(Policy(), lambda key: db.items(from_key=key), args.open_cases)
        for line in lines:
            for outcome in shell.message(line):
                for key, value in outcome.rows:
                    db.put(key, value)
                shell.tidy()
        shell_seconds = time.perf_counter() - started
        db.close()

    with tempfile.TemporaryDirectory() as home, local_broker(
            Path(home), "bench", partitions=args.partitions,
            open_cases=args.open_cases) as settings:
        publish(settings, lines)
        _, goal = progress(settings, [settings.events_topic])
        bare = asyncio.run(drain(settings, goal))

        def group(name: str) -> Settings:
            # Its own consumer group, table changelog and state: each run reads every event.
            return replace(settings, app_id=f"{settings.app_id}-{name}", clock="event",
                           state_dir=Path(home) / f"state-{name}", web_port=free_port())

        floors = {rows: committed(group(f"floor{rows}"), goal, 1, "bench.faust_floor",
                                  *(["--rows"] if rows else []))
                  for rows in (False, True)}
        worker = committed(group("worker"), goal, args.workers, "casewatch", "worker")
        pairs = []
        if args.against:
            with revision(args.against) as tree:
                pairs = [(committed(group(f"before{n}"), goal, args.workers, cli_module(tree),
                                    "worker", tree=tree),
                          committed(group(f"after{n}"), goal, args.workers, "casewatch",
                                    "worker"))
                         for n in range(args.pairs)]
    print(f"events: {len(lines)}; {args.workers} worker(s) on {args.partitions} partition(s)")
    print(f"worker shell without Kafka: {len(lines) / shell_seconds:,.0f} events/s")
    print(f"bare aiokafka consumer draining the topic: {goal / bare:,.0f} events/s")
    for name, rate in [("faust, an agent that only acks", floors[False]),
                       ("faust, an agent that acks and writes two table rows", floors[True]),
                       ("worker on Kafka", worker)]:
        print(f"{name}: {rate.steady:,.0f} events/s after the first commit; "
              f"{goal / rate.seconds:,.0f} from start ({rate.seconds:.1f}s)")
    print(f"ratios: worker / shell {worker.steady * shell_seconds / len(lines):.2f}, "
          f"worker / faust floor {worker.steady / floors[False].steady:.2f}, "
          f"worker / bare consumer {worker.steady * bare / goal:.3f}")
    if pairs:
        runs = "; ".join(f"{before.steady:,.0f} / {after.steady:,.0f}" for before, after in pairs)
        ratio = sum(after.steady for _, after in pairs) / sum(b.steady for b, _ in pairs)
        print(f"worker at {args.against} / this checkout, alternating, events/s after the first "
              f"commit: {runs}; this checkout / {args.against}: {ratio:.2f}")


@dataclass(frozen=True)
class Rate:
    seconds: float  # from the processes' start until the group committed every event
    steady: float  # events/s from the group's first commit on (startup left out)


def committed(settings: Settings, goal: int, processes: int, module: str,
              *arguments: str, tree: Path = PROJECT) -> Rate:
    """Start `processes` copies of `python -m module arguments` (from the code in `tree`) in one
    consumer group and time them until the group has committed `goal` events."""
    launched = time.perf_counter()
    started = [start_module(replace(settings, web_port=free_port(),
                                    state_dir=settings.state_dir.with_name(
                                        f"{settings.state_dir.name}-{number}")),
                            module, *arguments, tree=tree)
               for number in range(processes)]
    first = None
    try:
        while (done := progress(settings, [settings.events_topic])[0]) < goal:
            if any(process.poll() is not None for process in started):
                raise SystemExit(f"bench: {module} {' '.join(arguments)} exited early")
            if first is None and done > 0:
                first = (time.perf_counter(), done)
            time.sleep(0.2)
        finished = time.perf_counter()
    finally:
        for process in started:
            process.terminate()
        for process in started:
            stop_worker(process)
    steady = (goal - first[1]) / (finished - first[0]) if first else float("nan")
    return Rate(finished - launched, steady)


async def drain(settings: Settings, goal: int) -> float:
    """Seconds for a bare consumer (no group, no commits) to read `goal` events."""
    consumer = AIOKafkaConsumer(settings.events_topic, bootstrap_servers=settings.bootstrap_servers,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        began, read = time.perf_counter(), 0
        while read < goal:
            batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            read += sum(len(batch) for batch in batches.values())
        return time.perf_counter() - began
    finally:
        await consumer.stop()


if __name__ == "__main__":
    main()
