"""`casewatch topics create`: the topics of SPEC §8, with their partitions, replication,
compaction and retention, created idempotently."""

from collections.abc import Iterable
from dataclasses import dataclass

from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import NewTopic, OffsetSpec
from kafka.errors import (
    TopicAlreadyExistsError,
    TopicAuthorizationFailedError,
    UnknownTopicOrPartitionError,
)

from casewatch.errors import CommandError
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicPlan:
    name: str
    partitions: int
    config: dict[str, str]


def plan(settings: Settings, regions: list[str]) -> list[TopicPlan]:
    compacted = {"cleanup.policy": "compact", "min.compaction.lag.ms": "0",
                 "segment.ms": str(3600 * 1000)}
    if settings.compacted_retention_days:
        compacted.update({"cleanup.policy": "compact,delete",
                          "retention.ms": str(settings.compacted_retention_days * DAY_MS)})
    return [
        TopicPlan(settings.events_topic, settings.partitions,
                  {"retention.ms": str(settings.events_retention_days * DAY_MS)}),
        # Ticks are only clock instants: hours of retention are plenty.
        TopicPlan(settings.ticks_topic, settings.partitions, {"retention.ms": str(6 * 3600000)}),
        TopicPlan(settings.dead_letter_topic, 1,
                  {"retention.ms": str(settings.dead_letter_retention_days * DAY_MS)}),
        *(TopicPlan(settings.alerts_topic(region), settings.partitions, compacted)
          for region in regions),
        *(TopicPlan(settings.deadlines_topic(region), settings.partitions, compacted)
          for region in regions),
    ]


def admin_client(settings: Settings, client_id: str = "casewatch-admin") -> KafkaAdminClient:
    """The one way casewatch makes an admin client: with the settings' security (SPEC §11)."""
    return KafkaAdminClient(**kafka_python(settings), client_id=client_id)


def committed_offsets(admin: KafkaAdminClient, group: str, topic: str,
                      partitions: list[int]) -> dict[int, int | None]:
    """The group's committed offsets (the next offset to read); None where it has none."""
    answer = admin.list_group_offsets({group: [TopicPartition(topic, p) for p in partitions]})
    found = {tp.partition: meta.offset for tp, meta in answer.get(group, {}).items()}
    return {p: found[p] if found.get(p, -1) >= 0 else None for p in partitions}


def partitions_of(admin: KafkaAdminClient, topic: str) -> list[int]:
    """The topic's partitions; none while it does not exist (it is not created by asking)."""
    (found,) = admin.describe_topics([topic])
    return sorted(partition["partition_index"] for partition in found.get("partitions") or ())


def log_offsets(admin: KafkaAdminClient, partitions: Iterable[TopicPartition],
                spec: OffsetSpec) -> dict[TopicPartition, int]:
    """Where each partition's log starts (`EARLIEST`: its first offset still kept) or ends
    (`LATEST`: the offset its next message will take)."""
    asked = list(partitions)
    if not asked:
        return {}
    answer = admin.list_partition_offsets(dict.fromkeys(asked, spec))
    return {tp: answer[tp].offset for tp in asked}


def alert_regions(settings: Settings) -> list[str]:
    """The regions that have an alert topic on the broker now."""
    admin = admin_client(settings)
    try:
        prefix = settings.alerts_topic_prefix
        return sorted(t.removeprefix(prefix) for t in admin.list_topics() if t.startswith(prefix))
    finally:
        admin.close()


def create_topics(settings: Settings, regions: list[str]) -> list[str]:
    """Create what is missing; return the names created."""
    admin = admin_client(settings)
    try:
        existing = set(admin.list_topics())
        wanted = [t for t in plan(settings, regions) if t.name not in existing]
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


LOOPBACK = ("localhost", "127.", "::1", "[::1]")


def replication_warning(settings: Settings) -> str | None:
    """A warning for topics made with one replica on a broker that is not this machine's own:
    there, one broker's loss loses case events and alerts."""
    hosts = [server.strip().rsplit(":", 1)[0] for server in settings.bootstrap_servers.split(",")]
    if settings.replication > 1 or all(host.startswith(LOOPBACK) for host in hosts):
        return None
    return (f"warning: topics on {settings.bootstrap_servers} are made with replication factor "
            f"{settings.replication}: losing one broker loses case events and alerts; set "
            "CASEWATCH_REPLICATION=3 outside a local broker")


def require_topic(settings: Settings, topic: str) -> None:
    """Fail in one line if this client may not see `topic`, or it does not exist.

    kafka-python shows a topic its principal may not read as a topic with no partitions, and a
    consumer on it just waits; the metadata answer says which it is (SPEC §11).
    """
    admin = admin_client(settings, "casewatch-access")
    try:
        (found,) = admin.describe_topics([topic])
    finally:
        admin.close()
    code = found.get("error_code", 0)
    who = settings.sasl_username or "this client"
    if code == TopicAuthorizationFailedError.errno:
        raise CommandError(f"access to topic {topic} was refused: {who} is not allowed to read it")
    if code == UnknownTopicOrPartitionError.errno:
        raise CommandError(f"topic {topic} does not exist (yet): nothing has been published "
                           "for that region")
    if code:
        raise CommandError(f"cannot describe topic {topic}: Kafka error {code}")
