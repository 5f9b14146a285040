"""The worker's faust sensors export what faust's `PrometheusMonitor` exports, hook for hook,
rebalances included (they remove per-topic and per-partition children)."""

from typing import Any

from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from faust.types import TP
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from casewatch.kafka.settings import Settings
from casewatch.worker.app import faust_app
from casewatch.worker.sensors import LeanMonitor, sense


class Owner:
    """A stream's task owner (faust's Monitor keeps it in a weak lookup)."""


class Stream:
    def __init__(self, label: str) -> None:
        self.shortlabel = f"Stream: {label}"
        self.task_owner = Owner()


class Message:
    time_in: float | None = None
    time_out: float | None = None
    time_total: float | None = None


class App:
    rebalancing_count = 1


class Table:
    def __init__(self, name: str) -> None:
        self.name = name


STREAMS = [Stream("casewatch.case-events"), Stream("casewatch.ticks")]
TABLES = [Table("cases"), Table("other")]
HOOKS = st.lists(st.tuples(
    st.sampled_from(["event", "get", "send", "rebalance"]),
    st.sampled_from(["casewatch.case-events", "casewatch.ticks", "casewatch.alerts"]),
    st.integers(0, 2), st.integers(0, 1)), max_size=40)


def exported(monitor_type: type[PrometheusMonitor], hooks: list[tuple[str, str, int, int]]
             ) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample the monitor's metrics export after `hooks`, but the timings' values (a
    histogram's sum and buckets): only how many were observed."""
    registry = CollectorRegistry()
    monitor = monitor_type(FaustMetrics.create(registry, "faust"))
    app: Any = App()
    for hook, topic, partition, which in hooks:
        tp, stream, table = TP(topic, partition), STREAMS[which], TABLES[which]
        if hook == "event":
            message = Message()
            monitor.on_message_in(tp, partition * 10, message)  # type: ignore[arg-type]
            state = monitor.on_stream_event_in(tp, partition * 10, stream, None)  # type: ignore[arg-type]
            monitor.on_table_set(table, b"key", b"value")  # type: ignore[arg-type]
            monitor.on_stream_event_out(tp, partition * 10, stream, None, state)  # type: ignore[arg-type]
            monitor.on_message_out(tp, partition * 10, message)  # type: ignore[arg-type]
        elif hook == "get":
            monitor.on_table_get(table, b"key")  # type: ignore[arg-type]
        elif hook == "send":
            sent = monitor.on_send_initiated(None, topic, None, 3, 5)  # type: ignore[arg-type]
            monitor.on_send_completed(None, sent, None)  # type: ignore[arg-type]
        else:
            state = monitor.on_rebalance_start(app)
            monitor.on_rebalance_return(app, state)
            monitor.on_rebalance_end(app, state)
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in registry.collect() for sample in family.samples
            if not sample.name.endswith(("_bucket", "_sum", "_created"))}


@settings(max_examples=60, deadline=None)
@given(HOOKS)
def test_the_lean_monitor_exports_what_faust_s_monitor_exports(
        hooks: list[tuple[str, str, int, int]]) -> None:
    assert exported(LeanMonitor, hooks) == exported(PrometheusMonitor, hooks)


def test_a_rebalance_leaves_no_child_exported_that_faust_would_have_removed() -> None:
    hooks = [("event", "casewatch.case-events", 1, 0), ("send", "casewatch.alerts", 0, 0),
             ("rebalance", "", 0, 0), ("event", "casewatch.ticks", 0, 1)]
    samples = exported(LeanMonitor, hooks)
    assert samples[("faust_messages_received_per_topic_total",
                    (("topic", "casewatch.ticks"),))] == 1
    assert ("faust_messages_received_per_topic_total",
            (("topic", "casewatch.case-events"),)) not in samples


def test_the_worker_s_app_counts_with_the_lean_monitor() -> None:
    app = faust_app(Settings().isolated("sensors", "127.0.0.1:1", partitions=1, clock="event"))
    sense(app, CollectorRegistry())
    assert isinstance(app.monitor, LeanMonitor)
