"""Re-deriving a partition after a policy change (SPEC §14), against replaying its events from
scratch under the new policy, measured in the same run.

    ./run bench policy [--cases 5000] [--days 365] [--open-cases 2000]

A simulated cohort is replayed under the default policy and written to a real RocksDB table as
the worker's rows, summaries and fingerprint would hold it (not timed). Then a PartitionWatch
under a policy moving A-KS-01 and A-EN-01 takes the table on and re-derives every case, a slice
at a time as the ticks agent drives it, each slice's rows written (timed: cases per second, and
the longest slice, which is how long the partition's other messages wait at most). The baseline
is the same events replayed in memory under the new policy (the batch engine's rate). The end
states must agree: the re-derived standing alerts equal the replay's.
"""

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.cases_on_disk import build, open_table
from casewatch.engine.caseload import Caseload
from casewatch.engine.fingerprint import fingerprint
from casewatch.engine.policy import Policy
from casewatch.engine.snapshot import POLICY_KEY
from casewatch.runtime import tune_gc
from casewatch.schemas.parse import parse_event
from casewatch.simulate.simulation import Simulation, write_jsonl
from casewatch.worker.watch import PartitionWatch
from tests.support.rocks import LocalTable

NEW = Policy({"A-KS-01": {"working_days": 2}, "A-EN-01": {"working_days": 40}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=5_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--open-cases", type=int, default=2_000)
    parser.add_argument("--slice", type=int, default=500)
    args = parser.parse_args()
    tune_gc()  # as the worker and replay run
    with tempfile.TemporaryDirectory() as home:
        stream = Path(home) / "events.jsonl"
        with stream.open("w") as out:
            write_jsonl(Simulation(cases=args.cases, seed=26, start=date(2025, 1, 1),
                                   days=args.days, quality=0.7).events(), out)
        events = stream.read_bytes().splitlines()
        table_path = Path(home) / "cases"
        build(stream, table_path)
        db = open_table(table_path)
        db.put(POLICY_KEY, fingerprint(Policy()).encode())
        db.close()

        started = time.perf_counter()
        replayed = Caseload(NEW)
        for line in events:
            replayed.apply(parse_event(line))
        replay_seconds = time.perf_counter() - started
        assert replayed.now is not None

        table = LocalTable(table_path)
        started = time.perf_counter()
        watch = PartitionWatch(NEW, table.scan, args.open_cases, args.slice)
        table.settle(watch, watch.opening())
        cases = len(watch.reconsidering)
        heard: dict[str, dict[str, object]] = {}
        longest = 0.0
        changed = 0
        steps = watch.tick(replayed.now)
        while True:
            began = time.perf_counter()
            step = next(steps, None)
            if step is None:
                break
            table.settle(watch, step)
            longest = max(longest, time.perf_counter() - began)
            changed += len(step.changes)
            for view in [*step.restored, *step.changes]:
                heard[view.alert_id] = view.to_wire()
        seconds = time.perf_counter() - started
        assert watch.reconsidered
        table.close()
    standing = {k: a for k, a in heard.items() if a["resolution"] != "WITHDRAWN"}
    expected = {v.alert_id: v.to_wire() for v in replayed.alerts() if v.standing}
    assert standing == expected, "re-derived alerts differ from replay under the new policy"
    print(f"{len(events):,} events, {cases:,} cases; {changed:,} alert states changed")
    print(f"replay from scratch, new policy: {len(events) / replay_seconds:,.0f} events/s "
          f"({cases / replay_seconds:,.0f} cases/s)")
    print(f"re-derived from the table: {cases / seconds:,.0f} cases/s "
          f"({seconds / replay_seconds:.2f}x replay's time); longest slice settled "
          f"{longest * 1000:.0f} ms")


if __name__ == "__main__":
    main()
