"""`casewatch alerts follow --region R`: a regional team's view of its alerts as they change.

Delivery is at least once, so a state already shown for an alert is not shown again. The whole
state is compared, not only alertId + status: a redelivery is identical, while a transfer that
moves an open alert to another team is a change the region should see. A compacted topic read
from the beginning yields each alert's current state.
"""

import json
import sys
from collections.abc import Iterator
from typing import IO, Any

from kafka import KafkaConsumer, TopicPartition

from casewatch.kafka.admin import require_topic
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings


def follow(settings: Settings, region: str, *, from_beginning: bool, group: str | None,
           idle_exit: float | None) -> Iterator[dict[str, Any]]:
    topic = settings.alerts_topic(region)
    require_topic(settings, topic)
    consumer = KafkaConsumer(
        **kafka_python(settings),
        group_id=group,
        enable_auto_commit=group is not None,
        auto_offset_reset="earliest" if from_beginning else "latest",
        consumer_timeout_ms=int(idle_exit * 1000) if idle_exit else float("inf"),
        client_id="casewatch-follow",
    )
    try:
        if group is None:
            partitions = consumer.partitions_for_topic(topic) or set()
            assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
            consumer.assign(assigned)
            if from_beginning:
                consumer.seek_to_beginning(*assigned)
            else:
                consumer.seek_to_end(*assigned)
        else:
            consumer.subscribe([topic])
        shown: dict[str, bytes] = {}
        for message in consumer:
            if message.value is None:
                continue
            alert = json.loads(message.value)
            if shown.get(alert["alertId"]) == message.value:
                continue  # a repeat delivery of a state already shown
            shown[alert["alertId"]] = message.value
            yield alert
    finally:
        consumer.close()


def render(alert: dict[str, Any]) -> str:
    state = alert["status"] if alert["resolution"] is None else alert["resolution"]
    return (f"{alert['openedAt'][:16]}Z {state:<11} {alert['severity']:<8} {alert['ruleId']:<8} "
            f"{alert['crn']} {alert['pdu']}/{alert['team']}  {alert['summary']}")


def print_alerts(alerts: Iterator[dict[str, Any]], as_json: bool,
                 stream: IO[str] = sys.stdout) -> int:
    count = 0
    for alert in alerts:
        stream.write((json.dumps(alert) if as_json else render(alert)) + "\n")
        stream.flush()
        count += 1
    return count
