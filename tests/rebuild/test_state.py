"""A table a rebuild computes in bulk is the table a worker keeps event by event: a worker that
takes it on, and the events after it, ends with every alert state and deadlines record the
worker that saw every event has, and re-derives nothing."""

import json
from datetime import datetime
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from casewatch.engine.fingerprint import fingerprint
from casewatch.engine.policy import Policy
from casewatch.engine.snapshot import FORMAT_ROW, fingerprint_row
from casewatch.rebuild.state import built
from casewatch.replay.partitions import summaries_in_partitions
from casewatch.worker.watch import PartitionWatch
from tests.support.rocks import LocalTable
from tests.support.strategies import AS_OF, caseload_history
from tests.worker.test_files import local_table, wire

END = datetime.fromisoformat(AS_OF)


def lines(history: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(item).encode() for item in history]


class Heard:
    """What subscribers hold: each alert's last state, each case's last deadlines record."""

    def __init__(self) -> None:
        self.alerts: dict[str, dict[str, Any]] = {}
        self.deadlines: dict[str, dict[str, Any]] = {}

    def alert(self, state: dict[str, Any]) -> None:
        self.alerts[state["alertId"]] = state

    def deadline(self, region: str, crn: str, record: bytes) -> None:
        found = json.loads(record)
        found.pop("asOf")  # when it was made, not what it says
        self.deadlines[f"{region}/{crn}"] = found

    def take(self, table: LocalTable, watch: PartitionWatch, raw: bytes | None) -> None:
        outcomes = watch.tick(END) if raw is None else watch.message(raw)
        for outcome in outcomes:
            table.settle(watch, outcome)
            for state in wire(outcome.restored) + wire(outcome.changes):
                self.alert(state)
            for region, crn, record in outcome.deadlines:
                self.deadline(region, crn, record)


@settings(max_examples=40, deadline=None)
@given(history=caseload_history(), data=st.data())
def test_a_worker_on_a_rebuilt_table_ends_as_the_worker_that_saw_every_event(
        history: list[dict[str, Any]], data: st.DataObject) -> None:
    stop = data.draw(st.integers(1, len(history))) if history else 0
    assume(stop)
    shares = data.draw(st.integers(1, 3))
    policy = Policy()
    with local_table() as whole, local_table() as rebuilt:
        every = Heard()
        worker = PartitionWatch(policy, whole.scan)
        whole.settle(worker, worker.opening())
        for raw in lines(history):
            every.take(whole, worker, raw)
        every.take(whole, worker, None)

        bulk = Heard()
        with summaries_in_partitions(lines(history[:stop]), policy=policy, as_of=None,
                                     partitions=shares, summary=built) as (parts, _, _):
            for part in parts:
                rebuilt.write(part.rows)
                for _, _, value in part.alerts:
                    bulk.alert(json.loads(value))
                for region, crn, record in part.deadlines:
                    bulk.deadline(region, crn, record)
        rebuilt.write([FORMAT_ROW, fingerprint_row(fingerprint(policy))])
        taken = PartitionWatch(policy, rebuilt.scan, open_cases=data.draw(st.integers(1, 8)))
        assert taken.reconsidered
        rebuilt.settle(taken, taken.opening())
        for raw in lines(history[stop:]):
            bulk.take(rebuilt, taken, raw)
        bulk.take(rebuilt, taken, None)
        while taken.unread:  # the read-through: re-announcements only
            outcome = taken.read_through(5)
            rebuilt.settle(taken, outcome)
            for state in wire(outcome.restored):
                bulk.alert(state)
        assert bulk.alerts == every.alerts
        assert bulk.deadlines == every.deadlines
