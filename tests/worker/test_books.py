"""The broker's books as the worker reads them (its own admin client), on a real broker."""

import asyncio

from faust.types import TP
from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition

from casewatch.kafka.admin import admin_client, create_topics
from casewatch.kafka.publish import publish
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings
from casewatch.worker.books import Books


def test_the_books_give_each_partition_its_start_end_and_the_group_s_committed_offset(
        settings: Settings) -> None:
    create_topics(settings, ["north-east"])
    events, ticks = TP(settings.events_topic, 0), TP(settings.ticks_topic, 0)
    publish(settings, [b'{"crn": "X%06d"}' % n for n in range(12)])
    admin = admin_client(settings)
    try:  # the log's start moves past the first three
        admin.delete_records({TopicPartition(events.topic, 0): 3})
    finally:
        admin.close()
    group = KafkaConsumer(**kafka_python(settings), group_id=settings.app_id,
                          enable_auto_commit=False)
    try:
        group.commit({TopicPartition(events.topic, 0): OffsetAndMetadata(7, "", -1)})
    finally:
        group.close()
    books = Books(settings)

    async def read() -> tuple[dict[TP, int], dict[TP, int], dict[int, int | None],
                              dict[int, int | None], dict[TP, int]]:
        return (await books.ends([events, ticks]), await books.starts([events, ticks]),
                await books.committed(events.topic, [0]), await books.committed(ticks.topic, [0]),
                await books.starts([]))

    ends, starts, committed, uncommitted, nothing = asyncio.run(read())
    assert ends == {events: 12, ticks: 0}
    assert starts == {events: 3, ticks: 0}
    assert committed == {0: 7}
    assert uncommitted == {0: None}  # the group has committed no tick
    assert nothing == {}
