"""The regions' alert and deadlines topics as the services that follow them read them: `notify`
(to Alertmanager) and `serve` (the live worklist). One reader, so both see the same states.

Both topics are compacted and read from the beginning on every start (a follower's state is
rebuilt, never stored). Partitions are assigned, not subscribed, so no rebalance can hand a
region's alerts to another follower half-way; a group, where given, only holds committed
offsets, so its lag shows how far behind the follower is. A record naming a region this
follower does not serve is refused and counted, never passed on.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from kafka import KafkaConsumer, TopicPartition

from casewatch.kafka.admin import require_topic
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings

log = logging.getLogger("casewatch.topics")

Kind = Literal["alert", "deadlines"]


@dataclass(frozen=True)
class Record:
    kind: Kind  # an alert's state, or a case's pending deadlines
    value: dict[str, Any]
    raw: bytes  # as the worker wrote it
    catching_up: bool  # read from the history that stood when the follower started


class AlertTopics:
    def __init__(self, settings: Settings, regions: list[str], *, client_id: str,
                 group: str | None = None,
                 refused: Callable[[str], None] = lambda topic: None) -> None:
        for region in regions:
            require_topic(settings, settings.alerts_topic(region))
        self.served = frozenset(regions)
        self.refused = refused
        self.deadlines = {settings.deadlines_topic(r) for r in regions}
        self.consumer = KafkaConsumer(**kafka_python(settings), group_id=group,
                                      enable_auto_commit=group is not None, client_id=client_id)
        try:
            partitions = [TopicPartition(topic, p)
                          for topic in [*map(settings.alerts_topic, regions),
                                        *sorted(self.deadlines)]
                          for p in sorted(self.consumer.partitions_for_topic(topic) or ())]
            self.consumer.assign(partitions)
            self.consumer.seek_to_beginning(*partitions)
            self.history = {tp: end for tp, end in self.consumer.end_offsets(partitions).items()
                            if end > 0}
        except BaseException:
            self.consumer.close()
            raise
        self.backlog = sum(self.history.values())  # states to read before the follower is live

    @property
    def catching_up(self) -> bool:
        return bool(self.history)

    def poll(self, timeout_ms: int = 1000, max_records: int = 5000) -> list[Record]:
        out = []
        for tp, messages in self.consumer.poll(timeout_ms=timeout_ms,
                                               max_records=max_records).items():
            kind: Kind = "deadlines" if tp.topic in self.deadlines else "alert"
            for message in messages:
                value = _record(message.value)
                if value is None:
                    continue
                if value.get("region") not in self.served:
                    self.refused(tp.topic)
                    log.error("%s: refused a record on %s naming another region",
                              self.consumer.config["client_id"], tp.topic)
                    continue
                out.append(Record(kind, value, message.value,
                                  message.offset < self.history.get(tp, 0)))
            if self.history.get(tp, 0) and self.consumer.position(tp) >= self.history[tp]:
                del self.history[tp]
        return out

    def close(self) -> None:
        self.consumer.close()


def _record(value: bytes | None) -> dict[str, Any] | None:
    """An alert or a case's deadlines, as the worker wrote it; None for anything else."""
    if value is None:
        return None  # a tombstone: nothing to follow
    try:
        record = json.loads(value)
    except ValueError:
        log.error("skipped a value on an alert topic that is not JSON")
        return None
    return record if isinstance(record, dict) and ("alertId" in record
                                                   or "deadlines" in record) else None
