"""A topic read up to where it ends now, in large fetches: for what a compacted topic holds
(a rebuild's starting point, a test's final states) and an input partition read in bulk."""

import time
from collections.abc import Iterator
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from casewatch.errors import CommandError
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings

FETCH_BYTES = 64 * 2**20
STALL_SECONDS = 60  # a partition read that long without a message is stuck


def read_to_end(settings: Settings, topic: str, client_id: str = "casewatch-read"
                ) -> Iterator[Any]:
    """Every message of `topic` up to where it ended when asked, in large fetches."""
    consumer = KafkaConsumer(**kafka_python(settings), enable_auto_commit=False,
                             fetch_max_bytes=FETCH_BYTES, max_partition_fetch_bytes=FETCH_BYTES,
                             client_id=client_id)
    try:
        assigned = [TopicPartition(topic, p)
                    for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        stops = consumer.end_offsets(assigned)
        for tp in assigned:
            yield from messages_until(consumer, tp, stops[tp])
    finally:
        consumer.close()


def messages_until(consumer: KafkaConsumer, tp: TopicPartition, stop: int) -> Iterator[Any]:
    """`tp`'s messages from the consumer's position up to `stop`, the others paused."""
    consumer.pause(*(other for other in consumer.assignment() if other != tp))
    consumer.resume(tp)
    idle_since = time.monotonic()
    while consumer.position(tp) < stop:
        fetched = consumer.poll(timeout_ms=1000, max_records=50_000).get(tp, [])
        if fetched:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > STALL_SECONDS:
            raise CommandError(f"reading {tp.topic} partition {tp.partition} made no progress "
                               f"for {STALL_SECONDS} s at offset {consumer.position(tp)} of "
                               f"{stop}")
        for message in fetched:
            if message.offset >= stop:
                return
            yield message
