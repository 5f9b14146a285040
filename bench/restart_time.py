"""Restart: how long a worker that owns N cases takes to process its first new event.

    ./run bench restart [--cases 2500 10000]

For each size, a broker on free loopback ports and one worker (event clock, one partition)
process a simulated cohort of N cases until the group has committed every event; the worker is
stopped, one more event is published, and the same worker (same state directory: its RocksDB
table is on disk) is started again. The figure is the time from that start until the group has
committed the new event. The baseline, in the same run, is the first start on an empty table
(the interpreter, faust, joining the group), timed the same way to the first commit.
"""

import argparse
import io
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.processes import local_broker, start_worker, stop_worker
from casewatch.kafka.broker import free_port
from casewatch.kafka.lag import progress
from casewatch.kafka.publish import publish
from casewatch.kafka.settings import Settings
from casewatch.simulate.simulation import Simulation, write_jsonl


def committed_by(settings: Settings, goal: int) -> float:
    """Seconds until the group has committed `goal` events (polling every 0.1 s)."""
    began = time.perf_counter()
    while progress(settings, [settings.events_topic])[0] < goal:
        time.sleep(0.1)
    return time.perf_counter() - began


def late_contact(lines: list[bytes]) -> bytes:
    """One more event for the last case: a contact an hour after its last event."""
    last = json.loads(lines[-1])
    return json.dumps({
        "eventId": "restart-probe", "eventType": "contact.recorded", "version": 1,
        "crn": last["crn"], "occurredAt": last["occurredAt"],
        "detail": {"contactId": "restart-probe", "type": "OFFICE", "outcome": "ATTENDED"},
    }).encode()


def measure(cases: int) -> tuple[int, float, float]:
    buffer = io.StringIO()
    write_jsonl(Simulation(cases=cases, seed=13, start=date(2025, 4, 1), days=182,
                           quality=0.7, pdus=1).events(), buffer)
    lines = [line.encode() for line in buffer.getvalue().splitlines()]
    with tempfile.TemporaryDirectory() as home, local_broker(
            Path(home), "restart", partitions=1, clock="event", state_dir=Path(home) / "state",
            web_port=free_port()) as settings:
        publish(settings, lines[:1])
        worker = start_worker(settings)
        try:
            first_start = committed_by(settings, 1)
            publish(settings, lines[1:])
            committed_by(settings, len(lines))
        finally:
            stop_worker(worker)
        publish(settings, [late_contact(lines)])
        worker = start_worker(settings)
        try:
            restart = committed_by(settings, len(lines) + 1)
        finally:
            stop_worker(worker)
    return len(lines), first_start, restart


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[2500, 10000])
    args = parser.parse_args()
    print(f"{'cases':>8} {'events':>9} {'first start':>12} {'restart':>9} {'per 1,000 cases':>16}")
    for cases in args.cases:
        events, first_start, restart = measure(cases)
        print(f"{cases:>8,} {events:>9,} {first_start:>11.1f}s {restart:>8.1f}s "
              f"{(restart - first_start) / cases * 1000:>15.2f}s", flush=True)


if __name__ == "__main__":
    main()
