"""What a tick costs: it should grow with the deadlines falling due, not with the caseload.

    ./run bench ticks [--cases 10000 40000]

For each caseload size, a cohort of 10 or 1,000 cases is allocated on one day, and the rest on
days long before (their allocation deadlines already past). The clock is moved, untimed, to a
minute before the cohort's allocation deadlines (enquiries, first contact: five working days
later) fall due, and the tick across them is timed (median of 3). Pure engine, no Kafka: the
worker's tick is this call plus the sends of what it opens.
"""

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

from casewatch.engine.calendar import add_working_days, breach_time, london_date
from casewatch.engine.caseload import Caseload
from casewatch.runtime import tune_gc
from casewatch.schemas.parse import parse_event

START = datetime(2025, 7, 1, 9, tzinfo=UTC)


def allocation(number: int, at: datetime) -> bytes:
    return json.dumps({
        "eventId": f"a{number}", "eventType": "case.allocated", "version": 1,
        "crn": f"X{number:06d}", "occurredAt": at.isoformat(),
        "detail": {"region": "north-east", "pdu": "pdu-a", "team": f"team-{number % 8}",
                   "practitioner": {"id": "PR1", "grade": "PO"}, "manager": {"id": "SPO1"},
                   "sentenceType": "COMMUNITY_ORDER", "rosh": "LOW", "registrations": []},
    }).encode()


def tick_time(cases: int, cohort: int, repeats: int = 3) -> tuple[float, int]:
    """The tick that crosses the allocation deadlines of `cohort` cases allocated on one day,
    among `cases` in all (the rest allocated on days long before, their deadlines past)."""
    durations, opened = [], 0
    for _ in range(repeats):
        caseload = Caseload()
        for number in range(cases - cohort):  # spread over the 400 days before the cohort's
            day = START - timedelta(days=60 + number % 400, minutes=number % 600)
            caseload.apply(parse_event(allocation(number, day)))
        for number in range(cases - cohort, cases):
            caseload.apply(parse_event(allocation(number, START + timedelta(
                seconds=number % 3600))))
        due = breach_time(add_working_days(london_date(START), 5))
        caseload.advance(due - timedelta(minutes=1))  # everything earlier fires, untimed
        started = time.perf_counter()
        opened = len(caseload.advance(due + timedelta(minutes=1)))
        durations.append(time.perf_counter() - started)
    return statistics.median(durations), opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 40_000])
    args = parser.parse_args()
    tune_gc()
    print("   cases  cohort due  alerts opened  median tick")
    for cases in args.cases:
        for cohort in (10, 1000):
            seconds, opened = tick_time(cases, cohort)
            print(f"{cases:>8,}  {cohort:>10,}  {opened:>13,}  {seconds * 1000:9.2f} ms")


if __name__ == "__main__":
    main()
