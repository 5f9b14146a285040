"""faust's Prometheus sensors at a fraction of their cost per message.

faust calls its monitor about fourteen times for each event the worker takes: a message in and
out, a stream event in and out, two table writes, and four sends with their completions. Its
`PrometheusMonitor` looks up a labelled child metric on each call and, through faust's
`Monitor`, also keeps statistics in memory for faust's own web pages, which the worker does not
serve (they are on only in faust's debug mode). Profiled, that was 49 µs an event, about 5% of
the worker.

`LeanMonitor` exports the same metrics with the same meaning. On those fourteen hooks it keeps
the labelled children it has looked up, and it keeps no statistics in memory. Every other hook
(commits, offsets, rebalances, assignment) is faust's own.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar, cast

import faust
from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor, setup_prometheus_sensors
from faust.types import TP, CollectionT, EventT, Message, StreamT
from faust.types.transports import ProducerT
from faust.types.tuples import PendingMessage, RecordMetadata
from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["LeanMonitor", "sense"]

K = TypeVar("K", bound=Hashable)
C = TypeVar("C")


class Children(dict[K, C], Generic[K, C]):
    """A metric's labelled children by key, each looked up (`make`) once, on first use."""

    def __init__(self, make: Callable[[K], C]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: K) -> C:
        child = self[key] = self._make(key)
        return child


def sense(app: faust.App, registry: CollectorRegistry) -> None:
    """faust's sensors (`faust_*`) on the app's `/metrics` page beside `registry`'s own
    metrics, as faust sets them up, counted by a `LeanMonitor`."""
    setup_prometheus_sensors(app, pattern="/metrics", registry=registry, name_prefix="faust")
    app.monitor = LeanMonitor(cast(PrometheusMonitor, app.monitor)._metrics)


class LeanMonitor(PrometheusMonitor):
    """faust's `PrometheusMonitor` with the children of its per-message metrics kept."""

    def __init__(self, metrics: FaustMetrics, **kwargs: Any) -> None:
        super().__init__(metrics, **kwargs)
        self._by_topic: Children[str, Counter] = Children(
            lambda topic: metrics.messages_received_per_topics.labels(topic=topic))
        self._read_offset: Children[TP, Gauge] = Children(
            lambda tp: metrics.messages_received_per_topics_partition.labels(
                topic=tp.topic, partition=tp.partition))
        # Weak, as faust's own lookup is: an agent restarted on a rebalance gets a new stream.
        self._by_stream: weakref.WeakKeyDictionary[StreamT[Any], Counter] = (
            weakref.WeakKeyDictionary())
        self._table_sets: Children[str, Counter] = Children(
            lambda table: metrics.table_operations.labels(
                table=f"table.{table}", operation=self.KEYS_UPDATED))
        self._table_gets: Children[str, Counter] = Children(
            lambda table: metrics.table_operations.labels(
                table=f"table.{table}", operation=self.KEYS_RETRIEVED))
        self._sent_to: Children[str, Counter] = Children(
            lambda topic: metrics.topic_messages_sent.labels(topic=f"topic.{topic}"))

    def _clear_partition_related_metrics(self) -> None:
        # faust removes the per-topic and per-partition children on a rebalance: the kept ones
        # would no longer be exported.
        super()._clear_partition_related_metrics()
        self._by_topic.clear()
        self._read_offset.clear()
        self._sent_to.clear()

    def on_message_in(self, tp: TP, offset: int, message: Message) -> None:
        metrics = self._metrics
        metrics.messages_received.inc()
        metrics.active_messages.inc()
        self._by_topic[tp.topic].inc()
        self._read_offset[tp].set(offset)

    def on_stream_event_in(self, tp: TP, offset: int, stream: StreamT[Any],
                           event: EventT[Any]) -> dict[str, Any] | None:
        metrics = self._metrics
        metrics.total_events.inc()
        metrics.total_active_events.inc()
        by_stream = self._by_stream.get(stream)
        if by_stream is None:
            by_stream = self._by_stream[stream] = metrics.total_events_per_stream.labels(
                stream=f"stream.{self._stream_label(stream)}.events")
        by_stream.inc()
        return {"time_in": time.monotonic()}

    def on_stream_event_out(self, tp: TP, offset: int, stream: StreamT[Any], event: EventT[Any],
                            state: dict[str, Any] | None = None) -> None:
        self._metrics.total_active_events.dec()
        if state is not None:
            self._metrics.events_runtime_latency.observe(
                (time.monotonic() - state["time_in"]) * 1000.0)

    def on_message_out(self, tp: TP, offset: int, message: Message) -> None:
        self._metrics.active_messages.dec()

    def on_table_get(self, table: CollectionT, key: Any) -> None:
        self._table_gets[table.name].inc()

    def on_table_set(self, table: CollectionT, key: Any, value: Any) -> None:
        self._table_sets[table.name].inc()

    def on_send_initiated(self, producer: ProducerT, topic: str, message: PendingMessage,
                          keysize: int, valsize: int) -> Any:
        self._sent_to[topic].inc()
        return time.monotonic()

    def on_send_completed(self, producer: ProducerT, state: Any,
                          metadata: RecordMetadata) -> None:
        self._metrics.total_sent_messages.inc()
        self._metrics.producer_send_latency.observe((time.monotonic() - state) * 1000.0)
