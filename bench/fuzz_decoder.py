"""Bad input at scale: mutated events through the decoder, then interleaved into a replay.

    ./run bench fuzz [--inputs 100000] [--seed 1]

Each input is a valid simulated event mutated the ways producers go wrong
(tests/support/mutations.py: truncated JSON, wrong types, huge strings, deep nesting, invalid
UTF-8, 1 MB messages, unknown enumeration values, free text). The decoder must answer every one
with an event or a one-line Rejection, never echo the free text, and a replay of the valid stream
with every rejected input interleaved must end exactly as the valid stream alone: nothing valid is
lost.
"""

import argparse
import io
import json
import random
import time
from collections import Counter
from datetime import date

from casewatch.engine.policy import Policy
from casewatch.replay.evaluate import replay
from casewatch.replay.report import Cohort
from casewatch.schemas.parse import Rejection, parse_event
from casewatch.simulate.simulation import Simulation, write_jsonl
from tests.support.mutations import FREE_TEXT, mutate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    buffer = io.StringIO()
    write_jsonl(Simulation(cases=300, seed=args.seed, start=date(2025, 4, 1), days=120,
                           quality=0.7, pdus=1).events(), buffer)
    lines = buffer.getvalue().encode().splitlines()
    events = [json.loads(line) for line in lines]
    rng = random.Random(args.seed)
    outcomes: Counter[str] = Counter()
    crashes: list[str] = []
    leaks = 0
    rejected: list[bytes] = []
    started = time.perf_counter()
    for _ in range(args.inputs):
        raw = mutate(rng.choice(events), rng)
        try:
            parse_event(raw)
            outcomes["still valid"] += 1
        except Rejection as rejection:
            outcomes[" ".join(rejection.reason.split(":")[0].split()[:2])] += 1
            leaks += any(word in rejection.reason for word in FREE_TEXT.split()[:2])
            if len(raw) < 200_000 and b"\n" not in raw and len(rejected) < 20_000:
                rejected.append(raw)
        except Exception as error:  # counting what escapes is the point
            crashes.append(f"{type(error).__name__}: {str(error)[:80]}")
    seconds = time.perf_counter() - started
    print(f"inputs: {args.inputs:,} in {seconds:.1f}s ({args.inputs / seconds:,.0f}/s)")
    print(f"crashes (anything but an event or a Rejection): {len(crashes)}")
    for crash in Counter(crashes).most_common(5):
        print(f"  {crash}")
    print(f"reasons echoing the planted free text: {leaks}")
    print("outcomes:")
    for reason, count in outcomes.most_common():
        print(f"  {count:>7,}  {reason}")
    mixed = list(lines)
    for raw in rejected:
        mixed.insert(rng.randrange(len(mixed) + 1), raw)
    valid_only = replay([line + b"\n" for line in lines], policy=Policy(), as_of=None,
                        cohort=Cohort())
    interleaved = replay([line + b"\n" for line in mixed], policy=Policy(), as_of=None,
                         cohort=Cohort())
    same = all(valid_only[key] == interleaved[key] for key in (
        "alerts", "keyQuestions", "standards", "caseSupervisionScore", "pdus"))
    print(f"replay of {len(lines):,} valid events with {len(rejected):,} rejected inputs "
          f"interleaved: {interleaved['events']['rejected']:,} rejected (empty ones are blank "
          f"lines, skipped), outcome "
          f"{'identical to' if same else 'DIFFERENT FROM'} the valid events alone")
    if crashes or leaks or not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
