"""End-to-end throughput of one streaming worker on a real local Kafka broker.

    ./run bench worker [--cases N]

Starts a broker on free loopback ports, publishes a simulated cohort, starts one worker in
event-clock mode and times from its start until the consumer group has committed every event
(startup included; it is reported separately). In the same run it times the worker's shell
alone (parse, engine, snapshot) over the same events without Kafka, as the baseline the Kafka
path is compared with. Single partition, so one worker does all the work.
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from workers.engine.policy import Policy
from workers.runtime import tune_gc
from workers.simulate import Simulation, write_jsonl
from workers.stream.admin import create_topics
from workers.stream.broker import Broker, free_port
from workers.stream.lag import progress
from workers.stream.publish import publish
from workers.stream.settings import Settings
from workers.stream.watch import PartitionWatch

PROJECT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=500)
    args = parser.parse_args()
    buffer = io.StringIO()
    write_jsonl(Simulation(cases=args.cases, seed=9, start=date(2025, 4, 1), days=182,
                           quality=0.7, pdus=1).events(), buffer)
    lines = [line.encode() for line in buffer.getvalue().splitlines()]

    tune_gc()
    started = time.perf_counter()
    shell = PartitionWatch(Policy())
    for line in lines:
        shell.on_message(line)
    shell_seconds = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as home:
        broker = Broker(home=Path(home) / "kafka", port=free_port(), controller_port=free_port())
        broker.start()
        try:
            settings = Settings().isolated("bench", broker.bootstrap, partitions=1)
            create_topics(settings, ["north-east"])
            publish(settings, lines)
            _, goal = progress(settings, [settings.events_topic])
            running = replace(settings, clock="event", state_dir=Path(home) / "state",
                              web_port=free_port())
            launched = time.perf_counter()
            worker = subprocess.Popen(
                [sys.executable, "-m", "workers.cli", "worker"], cwd=PROJECT,
                env={**os.environ, **running.environment()},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            first = None
            try:
                while (done := progress(settings, [settings.events_topic])[0]) < goal:
                    if first is None and done > 0:
                        first = (time.perf_counter(), done)
                    time.sleep(0.2)
                finished = time.perf_counter()
            finally:
                worker.terminate()
                worker.wait(30)
        finally:
            broker.stop()
    steady = (goal - first[1]) / (finished - first[0]) if first else float("nan")
    print(f"events: {len(lines)}")
    print(f"worker shell without Kafka: {len(lines) / shell_seconds:,.0f} events/s")
    print(f"worker on Kafka, from start: {goal / (finished - launched):,.0f} events/s "
          f"({finished - launched:.1f}s including startup)")
    print(f"worker on Kafka, after the first commit: {steady:,.0f} events/s")


if __name__ == "__main__":
    main()
