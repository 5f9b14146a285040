"""Replay throughput against a parse-and-validate baseline measured in the same run.

    ./run bench [--cases N] [--days D] [--repeat R]

Generates the simulated cohort, then times, over the same bytes: (1) the baseline, parsing and
validating every line with the event schema; (2) replay, parsing, validating and applying every
event through the engine and advancing the clock; (3) the same replay with every rule finding
nothing (each still run when its topics arrive): what the engine costs besides its rules and the
breaches they find, the floor under any faster rule design. Reports events/s for each and the
ratios to the baseline, the best of R repeats each, and the ratios again at double the cohort,
which stay flat if replay grows linearly with events. These machines are noisy: read ratios, not
absolute numbers.
"""

import argparse
import dataclasses
import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from casewatch.engine import case
from casewatch.engine.caseload import Caseload
from casewatch.runtime import tune_gc
from casewatch.schemas.parse import parse_event
from casewatch.simulate.simulation import Simulation, write_jsonl


def cohort(cases: int, days: int) -> list[bytes]:
    buffer = io.StringIO()
    write_jsonl(Simulation(cases=cases, seed=7, start=date(2025, 4, 1), days=days,
                           quality=0.7).events(), buffer)
    return [line.encode() for line in buffer.getvalue().splitlines()]


def parse_only(lines: list[bytes]) -> None:
    for line in lines:
        parse_event(line)


def replay(lines: list[bytes]) -> None:
    caseload = Caseload()
    for line in lines:
        caseload.apply(parse_event(line))


@contextmanager
def nothing_found() -> Iterator[None]:
    """The engine with the catalogue's rules finding nothing: each keeps what it reads, so it
    runs on the same events, but finds no breach."""
    engine = vars(case)  # the globals `CaseState.apply` and `reach` read the catalogue from
    rules = engine["RULES"]
    engine["RULES"] = tuple(dataclasses.replace(rule, find=lambda facts, policy: ())
                            for rule in rules)
    case.reach.cache_clear()  # routes name the rules they reach
    try:
        yield
    finally:
        engine["RULES"] = rules
        case.reach.cache_clear()


def best_of(repeat: int, work: Callable[[list[bytes]], None], lines: list[bytes]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work(lines)
        timings.append(time.perf_counter() - started)
    return min(timings)


def measure(cases: int, days: int, repeat: int) -> tuple[int, float, float, float]:
    lines = cohort(cases, days)
    baseline = best_of(repeat, parse_only, lines)
    full = best_of(repeat, replay, lines)
    with nothing_found():
        floor = best_of(repeat, replay, lines)
    return len(lines), baseline, full, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=2500)
    parser.add_argument("--days", type=int, default=182)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tune_gc()  # as the replay command does, for both measurements
    print(f"{'cohort':>14} {'events':>8} {'parse ev/s':>12} {'replay ev/s':>12} {'ratio':>6} "
          f"{'no-rule ev/s':>13} {'ratio':>6}")
    for cases in (args.cases, 2 * args.cases):
        events, baseline, full, floor = measure(cases, args.days, args.repeat)
        print(f"{cases:>8} cases {events:>8} {events / baseline:>12,.0f} "
              f"{events / full:>12,.0f} {full / baseline:>6.2f} "
              f"{events / floor:>13,.0f} {floor / baseline:>6.2f}")


if __name__ == "__main__":
    main()
