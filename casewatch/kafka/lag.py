"""How far the worker group is behind on a topic: committed offsets against end offsets."""

from collections.abc import Iterable

from kafka import TopicPartition
from kafka.admin import OffsetSpec
from kafka.errors import KafkaError

from casewatch.kafka.admin import admin_client, log_offsets, partitions_of
from casewatch.kafka.settings import Settings


def progress(settings: Settings, topics: Iterable[str]) -> tuple[int, int]:
    """(messages the worker group has committed, messages in the topics). Before the group's
    coordinator answers, nothing counts as committed."""
    admin = admin_client(settings, "casewatch-lag")
    try:
        partitions = [TopicPartition(topic, p) for topic in topics
                      for p in partitions_of(admin, topic)]
        ends = log_offsets(admin, partitions, OffsetSpec.LATEST)
        try:
            committed = admin.list_group_offsets(settings.app_id).get(settings.app_id, {})
        except KafkaError:
            committed = {}
        done = sum(min(committed[tp].offset, end) for tp, end in ends.items()
                   if tp in committed)
        return done, sum(ends.values())
    finally:
        admin.close()


def caught_up(settings: Settings, topics: Iterable[str]) -> bool:
    done, total = progress(settings, topics)
    return done >= total
