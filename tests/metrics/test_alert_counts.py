"""The open-alert gauge counts exactly the alerts open now, from the changes alone (each carries
the state it replaces), across restarts and hand-overs."""

import json
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from casewatch.engine.caseload import Caseload
from casewatch.engine.policy import Policy
from casewatch.metrics.quality import QualityMetrics
from casewatch.schemas.codes import AlertStatus
from casewatch.worker.watch import Outcome, PartitionWatch
from tests.support.rocks import LocalTable
from tests.support.strategies import AS_OF, caseload_history

Labels = tuple[str, ...]


def gauge(registry: CollectorRegistry, name: str) -> Counter[Labels]:
    found: Counter[Labels] = Counter()
    for family in registry.collect():
        for sample in family.samples:
            if sample.name == name and sample.value:
                found[tuple(sample.labels[k] for k in ("region", "pdu", "team", "rule",
                                                       "severity"))] += int(sample.value)
    return found


def open_now(caseload: Caseload) -> Counter[Labels]:
    return Counter((v.assignment.region, v.assignment.pdu, v.assignment.team, v.rule.id,
                    v.rule.severity.value) for v in caseload.alerts()
                   if v.status == AlertStatus.OPEN)


@settings(max_examples=40, deadline=None)
@given(history=caseload_history(), data=st.data())
def test_the_open_gauge_is_what_is_open(history: list[dict[str, Any]],
                                        data: st.DataObject) -> None:
    stop = data.draw(st.integers(0, len(history)), label="restart after")
    with tempfile.TemporaryDirectory() as home:
        table = LocalTable(Path(home) / "cases")
        registry = CollectorRegistry()
        metrics = QualityMetrics(registry)

        def settle(watch: PartitionWatch, outcome: Outcome) -> None:
            table.settle(watch, outcome)
            metrics.baseline(outcome.restored, 0)
            metrics.alerts(outcome.changes, 0)

        first = PartitionWatch(Policy(), table.scan, open_cases=2)
        settle(first, first.opening())
        for item in history[:stop]:
            settle(first, first.on_message(json.dumps(item).encode()))
        assert gauge(registry, "casewatch_alerts_open") == open_now(first.caseload)
        # Handed over: nothing counted here any more; taken back in a new process: all again.
        metrics.release(0)
        assert gauge(registry, "casewatch_alerts_open") == Counter()
        registry = CollectorRegistry()
        metrics = QualityMetrics(registry)
        again = PartitionWatch(Policy(), table.scan, open_cases=2)
        settle(again, again.opening())
        for item in history[stop:]:
            settle(again, again.on_message(json.dumps(item).encode()))
        settle(again, again.on_tick(datetime.fromisoformat(AS_OF)))
        while again.unread:
            settle(again, again.read_through(3))
        assert gauge(registry, "casewatch_alerts_open") == open_now(again.caseload)
        table.close()
