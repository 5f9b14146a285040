"""Alert latency: from producing an event to its alert being readable on the region's topic.

    ./run bench latency [--rates 200 500] [--seconds 60] [--existing 240000 [--midnight 17000]]

Starts a broker on free loopback ports and one worker (event clock, one partition). For each
rate, fresh cases are published at that steady rate for `--seconds`: each case an allocation,
then an assessment that records neither who is at risk nor the nature of the risk, which opens
A-KS-06 at once (an immediate rule). A consumer reads the alerts topic; an alert's latency is the
time it was read minus the time its assessment was handed to the producer (the alert's first
evidence is the assessment's eventId). The first 10 s of each rate are warm-up and not counted.
With `--existing N`, a second workload follows (issue 26): N cases are allocated first (not
timed), then at each rate assessments go to existing cases drawn uniformly from the N, each
opening A-KS-06 as above, so nearly every event is for a case the worker must read from its
table (at most `CASEWATCH_OPEN_CASES` are kept decoded).
With `--midnight M` as well, a third: M more cases are allocated at one instant (not timed), so
that their first deadlines all breach at one midnight, and the same assessments on the N
existing cases are timed across it, the midnight 15 s into each rate's run (after the warm-up).
Beside each rate's line: how many of the M cases' alerts were read, and over how long, from the
first to the last. No event's alert should wait for them.

Each rate also reports the worker's CPU over its run (every thread, share of one core) and the
machine's idle share: a late worker with CPU to spare is waiting on something, not at capacity.
"""

import argparse
import json
import os
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
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


def existing_assessment(number: int, crn_number: int, moment: datetime
                        ) -> list[tuple[str, bytes, bytes]]:
    """An assessment (the `number`-th sent) for an existing case, opening A-KS-06."""
    crn = f"L{crn_number:06d}"
    _, (_, key, value) = case_events(crn_number, moment)
    event = json.loads(value)
    event.update(eventId=f"{crn}-a{number}", occurredAt=moment.isoformat())
    event["detail"]["assessmentId"] = f"AS-{crn}-{number}"
    return [(event["eventId"], key, json.dumps(event).encode())]


def allocate(settings: Settings, cases: range, start: datetime,
             then: datetime | None = None) -> None:
    """Allocations of `cases` (the first event of case_events) at `start`, published as fast
    as acks allow, the clock moved to `then` if given, and waited for until the worker has
    committed them all."""
    from casewatch.kafka.lag import caught_up
    from casewatch.worker.clock import advance

    producer = KafkaProducer(**kafka_python(settings), acks="all", linger_ms=20)
    for number in cases:
        (_, key, value), _ = case_events(number, start)
        producer.send(settings.events_topic, key=key, value=value)
    producer.flush()
    producer.close()
    if then is not None:
        advance(settings, then)
    while not caught_up(settings, [settings.events_topic, settings.ticks_topic]):
        time.sleep(1)


def first_breach(at: datetime) -> datetime:
    """When the first deadline of a case allocated at `at` (as `case_events` does) breaches."""
    from casewatch.engine.caseload import Caseload
    from casewatch.schemas.parse import parse_event

    caseload = Caseload()
    (_, key, value), _ = case_events(0, at)
    caseload.apply(parse_event(value))
    breach = caseload.cases[key.decode()].next_at
    assert breach is not None
    return breach


@dataclass
class Heard:
    """What the alerts' reader saw in one rate's run."""

    latencies: list[float] = field(default_factory=list)  # of the assessments' own alerts, s
    expected: int = 0  # assessments sent after the warm-up
    watched: dict[str, float] = field(default_factory=dict)  # CRN → its first alert's arrival


def measure(settings: Settings, rate: float, seconds: float, first_case: int,
            start: datetime, existing: int = 0, watch: range = range(0)) -> Heard:
    """The alerts of the assessments sent after the warm-up, and the first alert of each case
    numbered in `watch`."""
    sent: dict[str, float] = {}
    watched = {f"L{number:06d}" for number in watch}
    heard = Heard()
    producer = KafkaProducer(**kafka_python(settings), acks="all", linger_ms=0)
    consumer = KafkaConsumer(settings.alerts_topic("north-east"), **kafka_python(settings),
                             auto_offset_reset="latest", enable_auto_commit=False,
                             group_id=None, consumer_timeout_ms=500)
    consumer.poll(timeout_ms=1000)  # assigned and positioned at the end before publishing
    latencies = heard.latencies
    stop = threading.Event()

    def read() -> None:
        while (not stop.is_set() or len(latencies) < counted[0]
               or len(heard.watched) < len(watched)):
            for records in consumer.poll(timeout_ms=200).values():
                arrived = time.monotonic()
                for record in records:
                    alert = json.loads(record.value)
                    if alert["status"] != "OPEN":
                        continue
                    at = sent.get(alert["evidence"][0])
                    if at is not None:
                        latencies.append(arrived - at)
                    elif alert["crn"] in watched:
                        heard.watched.setdefault(alert["crn"], arrived)
            if stop.is_set() and time.monotonic() > deadline[0]:
                return

    counted = [0]
    deadline = [float("inf")]
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    began = time.monotonic()
    events = int(rate * seconds)
    rng = random.Random(first_case)
    for index in range(0, events, 1 if existing else 2):
        number = first_case + (index if existing else index // 2)
        moment = start + timedelta(seconds=2 * number)
        sends = (existing_assessment(number, rng.randrange(existing), moment) if existing
                 else case_events(number, moment))
        for offset, (event_id, key, value) in enumerate(sends, start=1 if existing else 0):
            due = began + (index + offset - (1 if existing else 0)) / rate
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
    heard.expected = counted[0]
    return heard


def run_rate(settings: Settings, pid: int, rate: float, seconds: float, first_case: int,
             start: datetime, existing: int, watch: range = range(0)) -> int:
    """One rate's line of figures; the next case number to use."""
    began, used = time.monotonic(), cpu_seconds(pid)
    idle, ticks = machine_ticks()
    heard = measure(settings, rate, seconds, first_case, start, existing, watch)
    latencies, expected = heard.latencies, heard.expected
    # Late alerts with the worker under a core and the machine idle: it is waiting on
    # something. With the worker at a core, or no idle left: it is at capacity.
    busy = (cpu_seconds(pid) - used) / (time.monotonic() - began)
    idle_after, ticks_after = machine_ticks()
    spare = (idle_after - idle) / (ticks_after - ticks)  # of the whole machine
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    print(f"{rate:>9,.0f} {len(latencies):>7,} {expected - len(latencies):>8,} "
          f"{cuts[49] * 1000:>8.0f} {cuts[98] * 1000:>8.0f} "
          f"{max(latencies, default=0) * 1000:>8.0f} {busy:>10.0%} {spare:>5.0%}"
          + (f"   midnight: {len(heard.watched):,} of {len(watch):,} cases' alerts in "
             f"{max(heard.watched.values()) - min(heard.watched.values()):.1f} s"
             if heard.watched else ""), flush=True)
    return first_case + int(rate * seconds)


def across_midnight(settings: Settings, pid: int, rate: float, seconds: float,
                    first_case: int, start: datetime, existing: int, watch: range) -> int:
    """The cases numbered in `watch` allocated at one instant after the clock, then a rate's
    run of assessments on the existing cases whose events pass their first breach 15 s in."""
    clock = start + timedelta(seconds=2 * first_case)  # where the last run left the clock
    allocated_at = clock + timedelta(hours=1)
    allocate(settings, watch, allocated_at)
    breach = first_breach(allocated_at)
    # Event k of the run is at start + 2(first_case + k) s: the breach comes at k = 15 s's.
    events_before = int(rate * 15)
    shifted = breach - timedelta(seconds=2 * (first_case + events_before))
    assert shifted + timedelta(seconds=2 * first_case) > allocated_at
    run_rate(settings, pid, rate, seconds, first_case, shifted, existing, watch)
    # The next run's allocations must come after this one's events.
    after = shifted + timedelta(seconds=2 * (first_case + int(rate * seconds)))
    return int((after - start).total_seconds() // 2) + 1


def pin(pid: int, cpus: set[int]) -> None:
    """Every thread of process `pid` on `cpus` (threads it starts later inherit it)."""
    for thread in os.listdir(f"/proc/{pid}/task"):
        os.sched_setaffinity(int(thread), cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", type=float, nargs="+", default=[200.0, 500.0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--existing", type=int, default=0,
                        help="then the same rates on this many existing cases (issue 26)")
    parser.add_argument("--midnight", type=int, default=0,
                        help="then the same across a midnight when this many more cases fall "
                             "due (with --existing)")
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
            print("fresh cases", flush=True)
            for rate in args.rates:
                first_case = run_rate(settings, worker.pid, rate, args.seconds, first_case,
                                      start, 0)
            if args.existing:
                # Every deadline of theirs falls due before the measured events: what is
                # measured first is events on existing cases, not a midnight.
                allocate(settings, range(args.existing), start, start + timedelta(days=200))
                # Case numbers set the events' times: these come after the clock's advance.
                first_case = max(first_case, args.existing) + 10_000_000
                print(f"{args.existing:,} existing cases", flush=True)
                for rate in args.rates:
                    first_case = run_rate(settings, worker.pid, rate, args.seconds, first_case,
                                          start, args.existing)
            if args.existing and args.midnight:
                print(f"{args.existing:,} existing cases, across a midnight when "
                      f"{args.midnight:,} more fall due", flush=True)
                for number, rate in enumerate(args.rates):
                    # Each rate's midnight its own new cases: one already allocated has
                    # breached, and would open nothing.
                    first = args.existing + number * args.midnight
                    first_case = across_midnight(settings, worker.pid, rate, args.seconds,
                                                 first_case, start, args.existing,
                                                 range(first, first + args.midnight))
        finally:
            stop_worker(worker)


if __name__ == "__main__":
    main()
