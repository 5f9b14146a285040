"""`casewatch clock advance T`: move every partition's clock to T (event-clock mode, backfills).

A tick goes to each partition of the ticks topic, so each worker advances the partitions it
owns. Clocks never go back: a tick earlier than a partition's clock changes nothing.
"""

import json
from datetime import datetime

from kafka import KafkaProducer

from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings


def advance(settings: Settings, now: datetime) -> int:
    producer = KafkaProducer(**kafka_python(settings), acks="all", client_id="casewatch-clock")
    try:
        partitions = producer.partitions_for(settings.ticks_topic)
        body = json.dumps({"now": now.isoformat()}).encode()
        for partition in sorted(partitions):
            producer.send(settings.ticks_topic, value=body, partition=partition)
        producer.flush()
        return len(partitions)
    finally:
        producer.close()
