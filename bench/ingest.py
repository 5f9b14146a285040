"""HMPPS domain events through the offline mapping (SPEC §13), against reading the same bodies
as JSON and nothing more, measured in the same run; and the fuzz check at scale.

    ./run bench ingest [--bodies 100000] [--seed 1] [--queue 20000]

The stream is valid registration notifications, each after one mutated as producers go wrong
(tests/support/hmpps.py `fuzzed`): every valid body must map, in order; no mutated one may
crash the mapping or have its free text echoed; every event mapped must be a valid casewatch
event. Then as many bodies of the types mapped from their detail (allocations, OASys,
requirements, merges), each after one whose event or detail page was mutated
(`fuzzed_details`), their pages served from memory through the real detail reader.

With `--queue N`, N registration notifications also go through a real SQS-compatible server
(ElasticMQ) to a local broker with `casewatch ingest`'s own receive loop, against a bare
receive-and-delete loop on the same server in the same run.
"""

import argparse
import io
import json
import random
import tempfile
import time
from collections import Counter
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

from prometheus_client import CollectorRegistry
from pydantic_core import from_json

from bench.processes import local_broker
from casewatch.cli.ingest import translate
from casewatch.ingest.service import IngestMetrics, producer, take
from casewatch.schemas.parse import parse_event
from tests.support.hmpps import (
    fuzzed,
    fuzzed_details,
    line,
    notification,
    page_sources,
    registration,
)
from tests.support.sqs import elasticmq

CHUNK = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bodies", type=int, default=100_000,
                        help="mutated bodies (as many valid ones go between them)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queue", type=int, default=0,
                        help="bodies through the queue to a broker (0: the mapping alone)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    parse_seconds = seconds = 0.0
    tally: Counter[str] = Counter()
    bodies = 0
    # In chunks: a tenth of the mutations are megabyte bodies, too many to hold at once.
    for start in range(0, args.bodies, CHUNK):
        stream, expected = fuzzed(min(CHUNK, args.bodies - start), rng)
        bodies += len(stream)
        started = time.perf_counter()
        for body in stream:
            with suppress(ValueError):
                from_json(body)
        parse_seconds += time.perf_counter() - started
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        tally += translate(io.BytesIO(b"\n".join(stream) + b"\n"), out, err)
        seconds += time.perf_counter() - started
        events = [json.loads(text) for text in out.getvalue().splitlines()]
        for event in events:
            parse_event(json.dumps(event))
        kept = [e["eventId"] for e in events if e["eventId"].startswith("hmpps:good-")]
        assert kept == expected, "a valid body was lost"
        assert "Jane" not in out.getvalue() + err.getvalue(), "free text echoed"
    print(f"bodies: {bodies:,} ({args.bodies:,} mutated); mapped {tally['mapped']:,}, "
          f"refused {tally['refused']:,}; every valid body mapped, nothing echoed")
    print(f"JSON parse only: {bodies / parse_seconds:,.0f} bodies/s")
    print(f"offline mapping: {bodies / seconds:,.0f} bodies/s "
          f"({seconds / parse_seconds:.2f}x the parse's time)")
    details(args.bodies, rng)
    if args.queue:
        through_the_queue(args.queue)


def details(count: int, rng: random.Random) -> None:
    tally: Counter[str] = Counter()
    bodies, seconds = 0, 0.0
    for start in range(0, count, CHUNK):
        stream, expected, pages = fuzzed_details(min(CHUNK, count - start), rng)
        bodies += len(stream)
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        tally += translate(io.BytesIO(b"\n".join(stream) + b"\n"), out, err,
                           page_sources(pages))
        seconds += time.perf_counter() - started
        events = [json.loads(text) for text in out.getvalue().splitlines()]
        for event in events:
            parse_event(json.dumps(event))
        kept = [e["eventId"] for e in events if e["eventId"].startswith("hmpps:good-")
                and not e["eventId"].endswith(":oversight")]
        assert kept == expected, "a valid body was lost"
        assert "Jane" not in out.getvalue() + err.getvalue(), "free text echoed"
    print(f"detail types: {bodies:,} bodies ({count:,} with a mutated event or detail); "
          f"mapped {tally['mapped']:,}, refused {tally['refused']:,}; every valid body "
          "mapped, nothing echoed")
    print(f"detail mapping (pages from memory): {bodies / seconds:,.0f} bodies/s")


def through_the_queue(count: int) -> None:
    bodies = [line(notification(registration(code="ADVP", crn=f"X{n % 100_000:06d}"), f"m-{n}"))
              for n in range(count)]
    with tempfile.TemporaryDirectory() as home, elasticmq(Path(home)) as server, \
            local_broker(Path(home), "bench-ingest") as settings:
        sqs = server.client()
        bare_queue, queue = server.queue(), server.queue()
        for url in (bare_queue, queue):
            server.send(url, bodies)
        started = time.perf_counter()
        taken = 0
        while taken < count:
            messages = sqs.receive_message(QueueUrl=bare_queue, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=1).get("Messages", [])
            if messages:
                sqs.delete_message_batch(QueueUrl=bare_queue, Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(messages)])
            taken += len(messages)
        bare = time.perf_counter() - started
        running = replace(settings, ingest_queue_url=queue, ingest_wait_seconds=1)
        kafka = producer(running)
        metrics = IngestMetrics(CollectorRegistry())
        started = time.perf_counter()
        taken = 0
        while taken < count:
            taken += take(running, sqs, kafka, metrics)
        ingest = time.perf_counter() - started
        kafka.close()
    print(f"SQS receive and delete alone: {count / bare:,.0f} bodies/s")
    print(f"SQS to the broker (map, publish acks=all, delete): {count / ingest:,.0f} bodies/s "
          f"({bare / ingest:.2f} of the bare loop's rate)")


if __name__ == "__main__":
    main()
