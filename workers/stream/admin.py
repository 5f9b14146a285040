"""`casewatch topics create`: the topics of SPEC §8, with their partitions, replication,
compaction and retention, created idempotently."""

from dataclasses import dataclass

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from workers.stream.settings import Settings

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicPlan:
    name: str
    partitions: int
    config: dict[str, str]


def plan(settings: Settings, regions: list[str], events_retention_days: int) -> list[TopicPlan]:
    compacted = {"cleanup.policy": "compact", "min.compaction.lag.ms": "0",
                 "segment.ms": str(3600 * 1000)}
    return [
        TopicPlan(settings.events_topic, settings.partitions,
                  {"retention.ms": str(events_retention_days * DAY_MS)}),
        # Ticks are only clock instants: hours of retention are plenty.
        TopicPlan(settings.ticks_topic, settings.partitions, {"retention.ms": str(6 * 3600000)}),
        TopicPlan(settings.dead_letter_topic, 1, {"retention.ms": str(30 * DAY_MS)}),
        *(TopicPlan(settings.alerts_topic(region), settings.partitions, compacted)
          for region in regions),
    ]


def create_topics(settings: Settings, regions: list[str], events_retention_days: int = 400,
                  ) -> list[str]:
    """Create what is missing; return the names created."""
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers,
                             security_protocol=settings.security_protocol,
                             client_id="casewatch-admin")
    try:
        existing = set(admin.list_topics())
        wanted = [t for t in plan(settings, regions, events_retention_days)
                  if t.name not in existing]
        created = []
        for topic in wanted:
            try:
                admin.create_topics([NewTopic(topic.name, topic.partitions, settings.replication,
                                              topic_configs=topic.config)])
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass  # another process got there first: that is fine
        return created
    finally:
        admin.close()
