"""Sustained load: one worker held at a fraction of its measured maximum rate for minutes.

    ./run bench load [--minutes 10] [--fraction 0.5] [--cases 20000]

Starts a broker on free loopback ports and one worker (event clock, one partition). First it
measures the worker's maximum rate on a burst of events; then it publishes a fresh simulated
cohort at `fraction` of that rate for `minutes`, and every 10 s samples the lag (events
published but not committed) and the worker's resident memory. Lag should stay bounded; the
worker keeps every case of its partitions in memory (until issue 10), so memory grows with the
cases it has seen, and the figures say by how much.
"""

import argparse
import io
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from kafka import KafkaProducer

from bench.processes import local_broker, resident_bytes, start_worker, stop_worker
from casewatch.kafka.broker import free_port
from casewatch.kafka.lag import progress
from casewatch.kafka.publish import crn_of
from casewatch.kafka.security import kafka_python
from casewatch.simulate.simulation import Simulation, write_jsonl


def resident_mb(pid: int) -> float:
    resident = resident_bytes(pid)
    return float("nan") if resident is None else resident / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--fraction", type=float, default=0.5)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--burst", type=int, default=20_000, help="events to measure the max")
    args = parser.parse_args()
    buffer = io.StringIO()
    write_jsonl(Simulation(cases=args.cases, seed=31, start=date(2025, 4, 1), days=182,
                           quality=0.7, pdus=1).events(), buffer)
    lines = [line.encode() for line in buffer.getvalue().splitlines()]
    print(f"simulated {len(lines):,} events for {args.cases:,} cases", flush=True)
    with tempfile.TemporaryDirectory() as home, local_broker(
            Path(home), "load", partitions=1, clock="event", state_dir=Path(home) / "state",
            web_port=free_port()) as settings:
        producer = KafkaProducer(**kafka_python(settings), acks="all", linger_ms=5)
        worker = start_worker(settings)
        try:
            burst, rest = lines[:args.burst], lines[args.burst:]
            for line in burst:
                producer.send(settings.events_topic, key=crn_of(line), value=line)
            producer.flush()
            while progress(settings, [settings.events_topic])[0] == 0:
                time.sleep(0.1)
            started = time.monotonic()
            first = progress(settings, [settings.events_topic])[0]
            while (done := progress(settings, [settings.events_topic])[0]) < len(burst):
                time.sleep(0.2)
            maximum = (done - first) / (time.monotonic() - started)
            rate = maximum * args.fraction
            print(f"maximum: {maximum:,.0f} events/s; holding {rate:,.0f} events/s "
                  f"for {args.minutes:g} min", flush=True)
            stop = threading.Event()
            sent = [len(burst)]

            def publish_steadily() -> None:
                began = time.monotonic()
                for index, line in enumerate(rest):
                    due = began + index / rate
                    while (wait := due - time.monotonic()) > 0:
                        if stop.wait(min(wait, 0.05)):
                            return
                    producer.send(settings.events_topic, key=crn_of(line), value=line)
                    sent[0] += 1
                    if stop.is_set():
                        return

            publisher = threading.Thread(target=publish_steadily, daemon=True)
            publisher.start()
            print("  minute    sent  committed   lag  worker RSS MB", flush=True)
            began = time.monotonic()
            samples = []
            while time.monotonic() - began < args.minutes * 60:
                time.sleep(10)
                producer.flush()
                done = progress(settings, [settings.events_topic])[0]
                lag = sent[0] - done
                rss = resident_mb(worker.pid)
                samples.append((time.monotonic() - began, lag, rss))
                print(f"  {(time.monotonic() - began) / 60:6.1f} {sent[0]:>8,} {done:>9,} "
                      f"{lag:>6,} {rss:>10.0f}", flush=True)
            stop.set()
            publisher.join()
            warm = [s for s in samples if s[0] >= 120]
            print(f"lag after warm-up (2 min): max {max(s[1] for s in warm):,}, "
                  f"mean {sum(s[1] for s in warm) / len(warm):,.0f} events")
            print(f"worker RSS: {warm[0][2]:.0f} MB at 2 min, {samples[-1][2]:.0f} MB at the end "
                  f"({(samples[-1][2] - warm[0][2]) / ((samples[-1][0] - warm[0][0]) / 60):.1f}"
                  " MB/min)")
        finally:
            stop_worker(worker)
            producer.close()


if __name__ == "__main__":
    main()
