"""Alert latency: from producing an event to its alert being readable on the region's topic.

    ./run bench latency [--rates 200 500] [--seconds 60]

Starts a broker on free loopback ports and one worker (event clock, one partition). For each
rate, fresh cases are published at that steady rate for `--seconds`: each case an allocation,
then an assessment that records neither who is at risk nor the nature of the risk, which opens
A-KS-06 at once (an immediate rule). A consumer reads the alerts topic; an alert's latency is the
time it was read minus the time its assessment was handed to the producer (the alert's first
evidence is the assessment's eventId). The first 10 s of each rate are warm-up and not counted.
Each rate also reports the worker's CPU over its run (every thread, share of one core) and the
machine's idle share: a late worker with CPU to spare is waiting on something, not at capacity.
"""

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer

from bench.processes import cpu_seconds, local_broker, machine_ticks, start_worker, stop_worker
from casewatch.kafka.broker import free_port
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings

WARM_UP = 10.0


def case_events(number: int, moment: datetime) -> list[tuple[str, bytes, bytes]]:
    """(eventId of the assessment, key, value) for one fresh case's two events."""
    crn = f"L{number:06d}"
    allocation = {
        "eventId": f"{crn}-1", "eventType": "case.allocated", "version": 1, "crn": crn,
        "occurredAt": moment.isoformat(),
        "detail": {"region": "north-east", "pdu": "pdu-a", "team": "team-1",
                   "practitioner": {"id": "PR1", "grade": "PO"}, "manager": {"id": "SPO1"},
                   "sentenceType": "COMMUNITY_ORDER", "rosh": "HIGH", "registrations": []},
    }
    assessment = {
        "eventId": f"{crn}-2", "eventType": "assessment.completed", "version": 1, "crn": crn,
        "occurredAt": (moment + timedelta(seconds=1)).isoformat(),
        "detail": {"assessmentId": f"AS-{crn}", "kind": "INITIAL", "rosh": "HIGH",
                   "riskTo": ["PUBLIC"], "sourcesUsed": ["PREVIOUS_CONVICTIONS"],
                   "strengthsIdentified": True, "personInvolved": True,
                   "diversityConsidered": True},
    }
    return [(str(event["eventId"]), crn.encode(), json.dumps(event).encode())
            for event in (allocation, assessment)]


def measure(settings: Settings, rate: float, seconds: float, first_case: int,
            start: datetime) -> tuple[list[float], int]:
    """Latencies (s) of the alerts whose assessments were sent after the warm-up, and how many
    such assessments were sent."""
    sent: dict[str, float] = {}
    producer = KafkaProducer(**kafka_python(settings), acks="all", linger_ms=0)
    consumer = KafkaConsumer(settings.alerts_topic("north-east"), **kafka_python(settings),
                             auto_offset_reset="latest", enable_auto_commit=False,
                             group_id=None, consumer_timeout_ms=500)
    consumer.poll(timeout_ms=1000)  # assigned and positioned at the end before publishing
    latencies: list[float] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set() or len(latencies) < counted[0]:
            for records in consumer.poll(timeout_ms=200).values():
                arrived = time.monotonic()
                for record in records:
                    alert = json.loads(record.value)
                    at = sent.get(alert["evidence"][0])
                    if at is not None and alert["status"] == "OPEN":
                        latencies.append(arrived - at)
            if stop.is_set() and time.monotonic() > deadline[0]:
                return

    counted = [0]
    deadline = [float("inf")]
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    began = time.monotonic()
    events = int(rate * seconds)
    for index in range(0, events, 2):
        number = first_case + index // 2
        for offset, (event_id, key, value) in enumerate(case_events(
                number, start + timedelta(seconds=2 * number))):
            due = began + (index + offset) / rate
            while (wait := due - time.monotonic()) > 0:
                time.sleep(min(wait, 0.01))
            if offset == 1 and due - began >= WARM_UP:
                sent[event_id] = time.monotonic()
                counted[0] += 1
            producer.send(settings.events_topic, key=key, value=value)
    producer.flush()
    deadline[0] = time.monotonic() + 30  # what has not arrived by then is counted as missing
    stop.set()
    reader.join()
    producer.close()
    consumer.close()
    return latencies, counted[0]


def pin(pid: int, cpus: set[int]) -> None:
    """Every thread of process `pid` on `cpus` (threads it starts later inherit it)."""
    for thread in os.listdir(f"/proc/{pid}/task"):
        os.sched_setaffinity(int(thread), cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", type=float, nargs="+", default=[200.0, 500.0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--pin", action="store_true",
                        help="the worker on CPU 1; the broker and the load generator on CPU 0")
    args = parser.parse_args()
    if args.pin:
        os.sched_setaffinity(0, {0})  # the broker, started from here, inherits it
    with tempfile.TemporaryDirectory() as home, local_broker(
            Path(home), "latency", partitions=1, clock="event", state_dir=Path(home) / "state",
            web_port=free_port()) as settings:
        worker = start_worker(settings)
        if args.pin:
            pin(worker.pid, {1})
        try:
            start = datetime(2025, 7, 1, tzinfo=UTC)
            measure(settings, 20, 20, 0, start)  # the worker joins and warms up
            print(f"{'events/s':>9} {'alerts':>7} {'missing':>8} {'p50 ms':>8} {'p99 ms':>8} "
                  f"{'max ms':>8} {'worker CPU':>10} {'idle':>5}", flush=True)
            first_case = 1000
            for rate in args.rates:
                began, used = time.monotonic(), cpu_seconds(worker.pid)
                idle, ticks = machine_ticks()
                latencies, expected = measure(settings, rate, args.seconds, first_case, start)
                # Late alerts with the worker under a core and the machine idle: it is waiting on
                # something. With the worker at a core, or no idle left: it is at capacity.
                busy = (cpu_seconds(worker.pid) - used) / (time.monotonic() - began)
                idle_after, ticks_after = machine_ticks()
                spare = (idle_after - idle) / (ticks_after - ticks)  # of the whole machine
                first_case += int(rate * args.seconds)
                cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
                print(f"{rate:>9,.0f} {len(latencies):>7,} {expected - len(latencies):>8,} "
                      f"{cuts[49] * 1000:>8.0f} {cuts[98] * 1000:>8.0f} "
                      f"{max(latencies, default=0) * 1000:>8.0f} {busy:>10.0%} {spare:>5.0%}",
                      flush=True)
        finally:
            stop_worker(worker)


if __name__ == "__main__":
    main()
