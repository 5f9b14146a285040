"""HMPPS domain events through the offline mapping (SPEC §13), against reading the same bodies
as JSON and nothing more, measured in the same run; and the fuzz check at scale.

    ./run bench ingest [--bodies 100000] [--seed 1]

The stream is valid registration notifications, each after one mutated as producers go wrong
(tests/support/hmpps.py `fuzzed`): every valid body must map, in order; no mutated one may
crash the mapping or have its free text echoed; every event mapped must be a valid casewatch
event. The queue-to-broker figure waits for the SQS consumer.
"""

import argparse
import io
import json
import random
import time
from contextlib import suppress

from pydantic_core import from_json

from casewatch.cli.ingest import translate
from casewatch.schemas.parse import parse_event
from tests.support.hmpps import fuzzed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bodies", type=int, default=100_000,
                        help="mutated bodies (as many valid ones go between them)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    stream, expected = fuzzed(args.bodies, random.Random(args.seed))
    data = b"\n".join(stream) + b"\n"
    started = time.perf_counter()
    for body in stream:
        with suppress(ValueError):
            from_json(body)
    parse_seconds = time.perf_counter() - started
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    tally = translate(io.BytesIO(data), out, err)
    seconds = time.perf_counter() - started
    events = [json.loads(text) for text in out.getvalue().splitlines()]
    for event in events:
        parse_event(json.dumps(event))
    kept = [e["eventId"] for e in events if e["eventId"].startswith("hmpps:good-")]
    assert kept == expected, "a valid body was lost"
    assert "Jane" not in out.getvalue() + err.getvalue(), "free text echoed"
    print(f"bodies: {len(stream):,} ({args.bodies:,} mutated); mapped {tally['mapped']:,}, "
          f"refused {tally['refused']:,}; every valid body mapped, nothing echoed")
    print(f"JSON parse only: {len(stream) / parse_seconds:,.0f} bodies/s")
    print(f"offline mapping: {len(stream) / seconds:,.0f} bodies/s "
          f"({seconds / parse_seconds:.2f}x the parse's time)")


if __name__ == "__main__":
    main()
