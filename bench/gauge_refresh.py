"""What a refresh of the caseload gauges costs: it should follow the cases that changed since the
last refresh, not the caseload.

    ./run bench gauges [--cases 10000 40000]

For each caseload size, cases are allocated over the 400 days before a start instant (their
allocation deadlines long past, so each has open alerts) and the clock moved to it. The baseline,
in the same run, is the first refresh: it counts every case, as each refresh did before the
gauges were kept case by case. Then, three times, 10 or 1,000 of the cases get a contact and the
refresh after it is timed (median of 3). Pure engine and metrics, no Kafka: the worker's refresh
is this call, every CASEWATCH_METRICS_SECONDS, in its event loop.
"""

import argparse
import random
import statistics
import time
from datetime import timedelta

from prometheus_client import CollectorRegistry

from bench.tick_cost import START, allocation
from casewatch.engine.caseload import Caseload
from casewatch.metrics.quality import QualityMetrics
from casewatch.runtime import tune_gc
from casewatch.schemas.parse import parse_event


def contact(number: int, crn_number: int, moment: str) -> bytes:
    return (f'{{"eventId":"c{number}","eventType":"contact.recorded","version":1,'
            f'"crn":"X{crn_number:06d}","occurredAt":"{moment}","detail":{{"contactId":'
            f'"c{number}","type":"OFFICE","outcome":"ATTENDED"}}}}').encode()


def refresh_times(cases: int, changed: int, rounds: int = 3) -> tuple[float, float, int]:
    """The first (full) refresh, the median refresh after `changed` cases each got a contact,
    and how many cases that refresh recounted."""
    caseload = Caseload()
    for number in range(cases):  # oldest first, so the clock only moves forward
        day = START - timedelta(days=400 - number * 400 / cases)
        caseload.apply(parse_event(allocation(number, day)))
    caseload.advance(START)
    metrics = QualityMetrics(CollectorRegistry())
    started = time.perf_counter()
    metrics.caseloads([caseload])
    full = time.perf_counter() - started
    picker = random.Random(7)
    durations, recounted = [], 0
    for round_number in range(rounds):
        moment = (START + timedelta(minutes=round_number + 1)).isoformat()
        for index, crn_number in enumerate(picker.sample(range(cases), changed)):
            caseload.apply(parse_event(contact(round_number * changed + index, crn_number,
                                               moment)))
        started = time.perf_counter()
        recounted = metrics.caseloads([caseload])
        durations.append(time.perf_counter() - started)
    return full, statistics.median(durations), recounted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 40_000])
    args = parser.parse_args()
    tune_gc()
    print("   cases  full refresh  changed  recounted  median refresh   ratio")
    for cases in args.cases:
        for changed in (10, 1000):
            full, incremental, recounted = refresh_times(cases, changed)
            print(f"{cases:>8,}  {full * 1000:9.1f} ms  {changed:>7,}  {recounted:>9,}  "
                  f"{incremental * 1000:11.2f} ms  {full / incremental:6.0f}", flush=True)


if __name__ == "__main__":
    main()
