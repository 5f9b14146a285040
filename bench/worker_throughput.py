"""End-to-end throughput of streaming workers on a real local Kafka broker.

    ./run bench worker [--cases N] [--partitions P --workers W] [--open-cases N]

Starts a broker on free loopback ports, publishes a simulated cohort, starts one worker in
event-clock mode and times from its start until the consumer group has committed every event
(startup included; it is reported separately). In the same run it times the worker's shell
alone (parse, engine, table rows into RocksDB, at most --open-cases cases decoded) over the same
events without Kafka, as the baseline the Kafka path is compared with. By default one
partition, so one worker does all the work; with `--partitions 4 --workers 2` it measures
scale-out: the workers start together, and the rate after the group's first commit includes
any rebalance as the second one joins.
"""

import argparse
import io
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from faust.stores.rocksdb import RocksDBOptions

from bench.processes import local_broker, start_worker, stop_worker
from workers.engine.policy import Policy
from workers.runtime import tune_gc
from workers.simulate import Simulation, write_jsonl
from workers.stream.app import TABLE_OPTIONS
from workers.stream.broker import free_port
from workers.stream.lag import progress
from workers.stream.publish import publish
from workers.stream.settings import Settings
from workers.stream.watch import PartitionWatch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--open-cases", type=int, default=Settings.open_cases,
                        help="cases each partition keeps decoded (CASEWATCH_OPEN_CASES)")
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
            again = True
            while again:
                outcome = shell.on_message(line)
                for key, value in outcome.rows:
                    db.put(key, value)
                shell.tidy()
                again = outcome.again
        shell_seconds = time.perf_counter() - started
        db.close()

    with tempfile.TemporaryDirectory() as home, local_broker(
            Path(home), "bench", partitions=args.partitions,
            open_cases=args.open_cases) as settings:
        publish(settings, lines)
        _, goal = progress(settings, [settings.events_topic])
        launched = time.perf_counter()
        workers = [start_worker(replace(settings, clock="event",
                                        state_dir=Path(home) / f"state-{number}",
                                        web_port=free_port()))
                   for number in range(args.workers)]
        first = None
        try:
            while (done := progress(settings, [settings.events_topic])[0]) < goal:
                if first is None and done > 0:
                    first = (time.perf_counter(), done)
                time.sleep(0.2)
            finished = time.perf_counter()
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                stop_worker(worker)
    steady = (goal - first[1]) / (finished - first[0]) if first else float("nan")
    print(f"events: {len(lines)}; {args.workers} worker(s) on {args.partitions} partition(s)")
    print(f"worker shell without Kafka: {len(lines) / shell_seconds:,.0f} events/s")
    print(f"worker on Kafka, from start: {goal / (finished - launched):,.0f} events/s "
          f"({finished - launched:.1f}s including startup)")
    print(f"worker on Kafka, after the first commit: {steady:,.0f} events/s")


if __name__ == "__main__":
    main()
