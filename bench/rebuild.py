"""`casewatch rebuild` (SPEC §14) against one worker from scratch, in the same run.

    ./run bench rebuild [--cases 24000] [--days 365] [--partitions 4] [--jobs 2]
                        [--worker-share 10]

Starts a broker on free loopback ports and publishes a simulated cohort (not timed; the
national stream is --cases 240000). Then, timed:

- the rebuild of a fresh deployment from every event: from the command's start until the
  group's offsets are set (`casewatch rebuild`, as an operator runs it);
- a worker started on the rebuilt table: until it has recovered the table and committed one
  more event published after the rebuild (how long a rebuilt deployment takes to go live);
- the baseline: one worker from scratch (its own group and changelog) over the first
  1/--worker-share of the events, until its group has committed them all. Its time for the
  whole stream is that times --worker-share: an extrapolation, stated as one.

The rebuild's events/s over the worker's is the ratio reported. Checked as it goes: the rebuild
computed every case, and the worker after it applied only the one new event.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from bench.processes import PROJECT, cpu_seconds, local_broker, start_module, stop_worker
from bench.worker_throughput import committed
from casewatch.kafka.admin import create_topics
from casewatch.kafka.broker import free_port
from casewatch.kafka.lag import progress
from casewatch.kafka.publish import publish
from casewatch.kafka.settings import Settings
from casewatch.simulate.simulation import Simulation, write_jsonl
from tests.support.live import wait_for_group


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=24_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--worker-share", type=int, default=10,
                        help="the worker from scratch takes the first 1/N of the events")
    args = parser.parse_args()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as home, local_broker(
            Path(home), "bench", partitions=args.partitions) as settings:
        stream = Path(home) / "events.jsonl"
        with stream.open("w") as text:
            write_jsonl(Simulation(cases=args.cases, seed=27, start=date(2025, 1, 1),
                                   days=args.days, quality=0.7).events(), text)
        with stream.open("rb") as lines:
            events = publish(settings, lines)
        print(f"{args.cases:,} cases, {events:,} events ({stream.stat().st_size / 2**20:,.0f} "
              f"MiB) on {args.partitions} partitions, published in "
              f"{time.perf_counter() - began:,.0f} s (not timed)", flush=True)

        def deployment(name: str) -> Settings:
            return replace(settings, app_id=f"{settings.app_id}-{name}", clock="event",
                           state_dir=Path(home) / f"state-{name}", web_port=free_port())

        rebuilt = deployment("rebuilt")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "casewatch", "rebuild", "--jobs",
                               str(args.jobs)], cwd=PROJECT, capture_output=True,
                              env={**os.environ, **rebuilt.environment()}, check=False)
        rebuild_seconds = time.perf_counter() - started
        if done.returncode:
            raise SystemExit(f"bench: rebuild failed: {done.stderr.decode()[-2000:]}")
        line = done.stdout.decode().strip().splitlines()[-1]
        found = re.search(r"rebuilt ([\d,]+) cases", line)
        assert found is not None and int(found[1].replace(",", "")) == args.cases, line
        print(f"rebuild: {rebuild_seconds:,.1f} s, {events / rebuild_seconds:,.0f} events/s "
              f"({line})", flush=True)

        live = live_after(rebuilt, stream)
        print(f"worker on the rebuilt table: live (recovered, one new event committed) in "
              f"{live:,.1f} s", flush=True)

        share = Path(home) / "share.jsonl"
        with stream.open("rb") as source, share.open("wb") as out:
            for number, raw in enumerate(source):
                if number >= events // args.worker_share:
                    break
                out.write(raw)
        scratch = deployment("scratch")
        scratch = replace(scratch, events_topic=f"{settings.events_topic}-share")
        create_topics(scratch, ["north-east"])
        with share.open("rb") as lines:
            taken = publish(scratch, lines)
        worker = committed(scratch, taken, 1, "casewatch", "worker")
        whole = worker.seconds * events / taken
    print(f"worker from scratch on 1/{args.worker_share} ({taken:,} events): "
          f"{worker.seconds:,.1f} s, {taken / worker.seconds:,.0f} events/s from start "
          f"({worker.steady:,.0f} after its first commit); the whole stream extrapolated: "
          f"{whole / 60:,.1f} min")
    print(f"ratio: rebuild / worker from scratch {whole / rebuild_seconds:.1f}x "
          f"(rebuild {rebuild_seconds / 60:,.1f} min for what one worker would take "
          f"{whole / 60:,.1f} min over)")


def live_after(settings: Settings, stream: Path) -> float:
    """Seconds from starting a worker on the rebuilt table until it has committed one new
    event (a day after the last)."""
    with stream.open("rb") as source:
        source.seek(max(0, stream.stat().st_size - 2**16))
        last = json.loads(source.read().splitlines()[-1])
    later = (date.fromisoformat(last["occurredAt"][:10]) + timedelta(days=1)).isoformat()
    event = {**last, "eventId": f"{last['eventId']}-after-rebuild",
             "occurredAt": f"{later}T10:00:00+00:00"}
    _, before = progress(settings, [settings.events_topic])
    started = time.perf_counter()
    process = start_module(settings, "casewatch", "worker")
    try:
        wait_for_group(settings, members=1, timeout=1800)  # its partitions held (see the tests)
        publish(settings, [json.dumps(event).encode()])
        while progress(settings, [settings.events_topic])[0] < before + 1:
            if process.poll() is not None:
                raise SystemExit("bench: the worker on the rebuilt table exited")
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        print(f"  (its CPU until then: {cpu_seconds(process.pid):,.1f} s)", flush=True)
        return seconds
    finally:
        process.terminate()
        stop_worker(process)


if __name__ == "__main__":
    main()
