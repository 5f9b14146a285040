"""Soak: many mid-stream rebalances, counting the stalls that happen and those detected.

    ./run bench soak [--rebalances 30] [--cases 1500]

faust-streaming#596: a rebalance while messages are in flight can leave a partition unconsumed
or uncommitted. One worker runs throughout; a second joins and leaves again and again while
the cohort is published in slices, so every rebalance happens with messages in flight. Workers
run with a short stall bound and --exit-on-stall; this script is their supervisor and restarts
any that exits. From outside, a stall *occurred* when a partition had uncommitted messages and
its committed offset did not move for the bound; it was *detected* when a worker's /health said
so (or the worker exited for it). At the end the standing alerts must equal replay's.
"""

import argparse
import io
import json
import shutil
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from casewatch.engine.policy import Policy
from casewatch.kafka.admin import admin_client, create_topics
from casewatch.kafka.broker import Broker, free_port
from casewatch.kafka.lag import caught_up
from casewatch.kafka.publish import publish
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings
from casewatch.replay.evaluate import replay
from casewatch.replay.report import Cohort
from casewatch.simulate.simulation import Simulation, write_jsonl
from casewatch.worker.clock import advance
from casewatch.worker.supervisor import SupervisedWorker

PROJECT = Path(__file__).resolve().parent.parent
STALL_SECONDS = 20


def start_worker(settings: Settings, name: str, home: Path) -> SupervisedWorker:
    return SupervisedWorker(replace(settings, state_dir=home / name), home / f"{name}.log",
                            STALL_SECONDS)


def offsets(settings: Settings, topic: str) -> dict[int, tuple[int, int]]:
    """Per partition: (committed by the worker group, end)."""
    consumer = KafkaConsumer(**kafka_python(settings))
    admin = admin_client(settings, "soak")
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        ends = consumer.end_offsets(parts)
        try:
            done = admin.list_group_offsets(settings.app_id).get(settings.app_id, {})
        except KafkaError:
            done = {}  # no coordinator yet: nothing committed
        return {tp.partition: (done[tp].offset if tp in done else 0, ends[tp]) for tp in parts}
    finally:
        consumer.close()
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebalances", type=int, default=30)
    parser.add_argument("--cases", type=int, default=1500)
    args = parser.parse_args()
    buffer = io.StringIO()
    write_jsonl(Simulation(cases=args.cases, seed=41, start=date(2025, 4, 1), days=182,
                           quality=0.7, pdus=1).events(), buffer)
    lines = [line.encode() + b"\n" for line in buffer.getvalue().splitlines()]
    report = replay(lines, policy=Policy(), as_of=None, cohort=Cohort())
    slices = [lines[i::args.rebalances] for i in range(args.rebalances)]
    occurred: set[tuple[int, int]] = set()  # (round, partition)
    detected: set[tuple[int, int]] = set()
    home = tempfile.mkdtemp(prefix="casewatch-soak-")  # kept: the workers' logs are evidence
    broker = Broker(home=Path(home) / "kafka", port=free_port(), controller_port=free_port())
    broker.start()
    settings = Settings().isolated("soak", broker.bootstrap, partitions=4, clock="event")
    create_topics(settings, ["north-east"])
    steady = start_worker(settings, "steady", Path(home))
    guest: SupervisedWorker | None = None
    try:
        for round_ in range(args.rebalances):
            publish(settings, slices[round_])
            if guest is None:
                guest = start_worker(settings, "guest", Path(home))  # joins: a rebalance
            else:
                guest.stop()  # leaves: a rebalance
                guest = None
            # Watch for a stall bound and a half: from outside, and as the workers see it.
            seen: dict[int, tuple[int, float]] = {}
            until = time.monotonic() + STALL_SECONDS * 1.5
            while time.monotonic() < until:
                now = time.monotonic()
                for partition, (done, end) in offsets(settings, settings.events_topic).items():
                    last = seen.get(partition)
                    if last is None or done != last[0] or done >= end:
                        seen[partition] = (done, now)
                    elif now - last[1] >= STALL_SECONDS:
                        occurred.add((round_, partition))
                for worker in filter(None, (steady, guest)):
                    detected.update((round_, p) for p in worker.stalled())
                    if worker.supervise():
                        detected.update((round_, p) for p in range(settings.partitions)
                                        if (round_, p) in occurred)
                time.sleep(1.0)
            print(f"round {round_ + 1:>2}: {'joined' if guest else 'left'}; stalls so far "
                  f"{len(occurred)} occurred, {len(detected)} detected", flush=True)
        deadline = time.monotonic() + 300
        while not caught_up(settings, [settings.events_topic]):
            for worker in filter(None, (steady, guest)):
                worker.supervise()
            if time.monotonic() > deadline:
                raise SystemExit("the workers never caught up")
            time.sleep(1)
        advance(settings, datetime.fromisoformat(report["asOf"]))
        time.sleep(5)
        while not caught_up(settings, [settings.events_topic, settings.ticks_topic]):
            time.sleep(1)
        time.sleep(3)
        final = alerts(settings)
    finally:
        for worker in filter(None, (steady, guest)):
            worker.stop()
        broker.stop()
    expected = {a["alertId"]: a for a in report["alerts"] if a["resolution"] != "WITHDRAWN"}
    standing = {k: a for k, a in final.items() if a["resolution"] != "WITHDRAWN"}
    print(f"rebalances: {args.rebalances}; stalls occurred: {len(occurred)}; detected: "
          f"{len(occurred & detected)} (and {len(detected - occurred)} reported that the outside "
          f"view did not see); worker restarts: {steady.exits + (guest.exits if guest else 0)}")
    logs = [(Path(home) / f"{name}.log").read_text(errors="replace")
            for name in ("steady", "guest")]
    print(f"input gaps the workers found and sought back: "
          f"{sum(log.count('seeking back') for log in logs)}; offsets absent from the log: "
          f"{sum(log.count('not in the log') for log in logs)}")
    print(f"standing alerts equal replay's: {standing == expected} "
          f"({len(standing):,} standing, {len(final):,} alerts on the topic)")
    if standing != expected:
        missing = sorted(expected.keys() - standing.keys())
        extra = sorted(standing.keys() - expected.keys())
        differ = sorted(k for k in expected.keys() & standing.keys() if expected[k] != standing[k])
        print(f"  missing {len(missing)}, extra {len(extra)}, differing {len(differ)}; "
              f"logs and state kept in {home}")
        for key in (missing[:3] + extra[:3] + differ[:3]):
            want, got = expected.get(key), final.get(key)
            fields = {f: (want.get(f) if want else None, got.get(f) if got else None)
                      for f in ("crn", "status", "resolution", "openedAt", "resolvedAt", "team")
                      if (want or {}).get(f) != (got or {}).get(f)}
            print(f"  {key} {(want or got or {}).get('crn')}: {fields}")
        raise SystemExit(1)
    shutil.rmtree(home, ignore_errors=True)


def alerts(settings: Settings) -> dict[str, Any]:
    consumer = KafkaConsumer(**kafka_python(settings), auto_offset_reset="earliest",
                             consumer_timeout_ms=5000)
    topic = settings.alerts_topic("north-east")
    consumer.assign([TopicPartition(topic, p) for p in range(settings.partitions)])
    latest: dict[str, Any] = {}
    for message in consumer:
        alert = json.loads(message.value)
        latest[alert["alertId"]] = alert
    consumer.close()
    return latest


if __name__ == "__main__":
    main()
