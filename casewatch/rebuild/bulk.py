"""`casewatch rebuild` (SPEC §14): a deployment's state computed in bulk, as Flink's State
Processor API bootstraps a savepoint from a batch job, and as Kafka Streams restores a table
from its changelog rather than through its processors.

Each input partition is read in large fetches up to where it ended when the rebuild began, and
its cases computed by the batch engine (the partitioned replay, `--jobs` processes), each
partition at its own clock, as the worker that owns it keeps it. Each case is written where the
worker recovers it (its table's changelog, partition for partition, in its own row format: one
bulk row and a summary a case, engine/snapshot.py), with the rows that say the table is
complete and under which policy and rules. Then the alert states and deadline records that
differ from what the output topics hold are sent, and last the worker group's offsets are set
where the computation stopped: a worker started afterwards recovers the table and takes the
next event, with nothing re-processed and nothing missed.

Only into a deployment no worker has run in: a worker's own rows would stand beside the
rebuild's (a rebuild interrupted part way is run again and ends the same: every key it writes
it writes again). Ticks are left alone: they only move clocks forward, and a worker started
afterwards reads those kept, as one started from scratch would.
"""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic, OffsetSpec
from kafka.errors import KafkaError, NoError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from casewatch.engine.fingerprint import fingerprint
from casewatch.engine.policy import Policy
from casewatch.engine.snapshot import FORMAT_ROW, Row, fingerprint_row
from casewatch.errors import CommandError
from casewatch.kafka.admin import admin_client, create_topics, log_offsets, partitions_of
from casewatch.kafka.drain import FETCH_BYTES, messages_until, read_to_end
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings
from casewatch.rebuild.differ import Differ, Held
from casewatch.rebuild.state import Built, Sent, built
from casewatch.replay.evaluate import EmptyReplay
from casewatch.replay.partitions import MOST_PARTITIONS, summaries_in_partitions

log = logging.getLogger("casewatch.rebuild")
# The metadata of the offsets a rebuild commits: a group with others has had a worker in it.
REBUILT = "casewatch rebuild"
EVENTS_A_SHARE = 60_000  # input events a replay partition takes: about 2,000 cases' year
COORDINATOR_SECONDS = 30
T = TypeVar("T")


@dataclass
class Rebuilt:
    events: int = 0
    rejected: int = 0
    cases: int = 0
    rows: int = 0
    alerts_sent: int = 0
    withdrawn: int = 0
    deadlines_sent: int = 0

    def line(self, settings: Settings) -> str:
        return (f"rebuilt {self.cases:,} cases from {self.events:,} events "
                f"({self.rejected:,} rejected) into {changelog_topic(settings)}: "
                f"{self.rows:,} rows; sent {self.alerts_sent:,} alert states "
                f"({self.withdrawn:,} withdrawn as raised by nothing) and "
                f"{self.deadlines_sent:,} deadline records; group {settings.app_id} starts "
                "where the computation stopped")


def changelog_topic(settings: Settings) -> str:
    """Where faust recovers the worker's table from (its `{app id}-{table}-changelog`)."""
    return f"{settings.app_id}-cases-changelog"


def rebuild(settings: Settings, policy: Policy, jobs: int = 1) -> Rebuilt:
    admin = admin_client(settings, "casewatch-rebuild")
    try:
        partitions = partitions_of(admin, settings.events_topic)
        if not partitions:
            raise CommandError(f"topic {settings.events_topic} does not exist: nothing to "
                               "rebuild from")
        _require_no_worker(admin, settings, partitions)
        inputs = [TopicPartition(settings.events_topic, p) for p in partitions]
        stops = log_offsets(admin, inputs, OffsetSpec.LATEST)
        _declare_changelog(admin, settings, len(partitions))
    finally:
        admin.close()
    differ = Differ(*_held(settings))
    done = Rebuilt()
    out = Out(settings)
    try:
        changelog = changelog_topic(settings)
        marks = [FORMAT_ROW, fingerprint_row(fingerprint(policy))]
        latest: datetime | None = None
        for tp in inputs:
            for share, now in _partition(settings, tp, stops[tp], policy, jobs, done):
                out.rows(changelog, tp.partition, share.rows)
                done.rows += len(share.rows)
                done.cases += share.cases
                done.alerts_sent += out.regional(settings.alerts_topic,
                                                 differ.alerts(share.alerts))
                done.deadlines_sent += out.regional(settings.deadlines_topic,
                                                    differ.deadlines(share.deadlines))
                latest = now if latest is None or now > latest else latest
            out.rows(changelog, tp.partition, marks)  # last: every case of it is in
            done.rows += len(marks)
        if latest is not None:
            alerts, deadlines = differ.leftovers(latest)
            done.alerts_sent += out.regional(settings.alerts_topic, alerts)
            done.deadlines_sent += out.regional(settings.deadlines_topic, deadlines)
            done.withdrawn = len(alerts)
        out.flush()
    finally:
        out.close()
    _commit(settings, stops)  # only once every row and state is on the broker
    return done


class Out:
    """The one producer a rebuild sends with, and the regional topics it has made sure of."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # Large batches, uncompressed: kafka-python's gzip is level 9, a tenth of a rebuild's
        # time (profiled), for rows the worker's own writes do not compress either.
        self._producer = KafkaProducer(**kafka_python(settings), acks="all", linger_ms=20,
                                       batch_size=2**20, max_request_size=8 * 2**20,
                                       retries=5, client_id="casewatch-rebuild")
        self._regions: set[str] = set()

    def rows(self, topic: str, partition: int, rows: list[Row]) -> None:
        for key, value in rows:
            self._producer.send(topic, key=key, value=value, partition=partition)

    def regional(self, topic_of: Callable[[str], str], sends: list[Sent]) -> int:
        for region, key, value in sends:
            if region not in self._regions:
                create_topics(self._settings, [region])  # as the worker declares them
                self._regions.add(region)
            self._producer.send(topic_of(region), key=key.encode(), value=value)
        return len(sends)

    def flush(self) -> None:
        self._producer.flush()

    def close(self) -> None:
        self._producer.close()


def _require_no_worker(admin: KafkaAdminClient, settings: Settings,
                       partitions: list[int]) -> None:
    """A rebuild writes the table a worker recovers: not while one runs, nor over one a worker
    has written (its rows would stand beside the rebuild's)."""
    group = settings.app_id
    found = _coordinated(lambda: admin.describe_groups([group]).get(group, {}))
    members = len(found.get("members") or ())
    if members:
        raise CommandError(f"the worker group {group} has {members} member(s) running: stop "
                           "every worker of it before a rebuild")
    answer = _coordinated(lambda: admin.list_group_offsets(
        {group: [TopicPartition(settings.events_topic, p) for p in partitions]}))
    for tp, meta in answer.get(group, {}).items():
        if meta.offset >= 0 and meta.metadata != REBUILT:
            raise CommandError(
                f"a worker of group {group} has already taken events from {tp.topic}: "
                "rebuild into a fresh deployment (another CASEWATCH_APP_ID, an empty state "
                "directory); a policy or rules change needs no rebuild (SPEC §14)")


def _coordinated(ask: Callable[[], T]) -> T:
    """`ask` of the group's coordinator, asked again while it is not ready: a broker that has
    never had a group makes the offsets topic on the first question, and a coordinator loads
    its groups before it answers (both retriable, measured here)."""
    deadline = time.monotonic() + COORDINATOR_SECONDS
    while True:
        try:
            return ask()
        except KafkaError as error:
            if not error.retriable or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _declare_changelog(admin: KafkaAdminClient, settings: Settings, partitions: int) -> None:
    """The table's changelog as faust declares it (compacted, a partition per input
    partition), should the rebuild come first; one made otherwise is refused."""
    topic = changelog_topic(settings)
    found = partitions_of(admin, topic)
    if found and len(found) != partitions:
        raise CommandError(f"{topic} has {len(found)} partitions, the input {partitions}: "
                           "the worker's table must be partitioned as its input")
    if not found:
        with suppress(TopicAlreadyExistsError):
            admin.create_topics([NewTopic(topic, partitions, settings.replication,
                                          topic_configs={"cleanup.policy": "compact"})])


def _held(settings: Settings) -> tuple[Held, Held]:
    """What every region's alert and deadlines topics hold now: each key's last value."""
    admin = admin_client(settings, "casewatch-rebuild")
    try:
        names = [t for t in admin.list_topics()
                 if t.startswith((settings.alerts_topic_prefix, settings.deadlines_topic_prefix))]
    finally:
        admin.close()
    alerts: Held = {}
    deadlines: Held = {}
    for topic in sorted(names):
        into, prefix = ((alerts, settings.alerts_topic_prefix)
                        if topic.startswith(settings.alerts_topic_prefix)
                        else (deadlines, settings.deadlines_topic_prefix))
        region = topic.removeprefix(prefix)
        for message in read_to_end(settings, topic, "casewatch-rebuild"):
            key, value = message.key, message.value
            if key is None:
                continue
            if value is None:
                into.pop((region, key.decode()), None)  # a tombstone
            else:
                into[(region, key.decode())] = value
    return alerts, deadlines


def _partition(settings: Settings, tp: TopicPartition, stop: int, policy: Policy, jobs: int,
               done: Rebuilt) -> Iterator[tuple[Built, datetime]]:
    """One input partition's cases, computed a share at a time, with the partition's clock."""
    consumer = KafkaConsumer(**kafka_python(settings), enable_auto_commit=False,
                             fetch_max_bytes=FETCH_BYTES, max_partition_fetch_bytes=FETCH_BYTES,
                             client_id="casewatch-rebuild")
    try:
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        events = max(0, stop - consumer.position(tp))
        values = (m.value for m in messages_until(consumer, tp, stop) if m.value is not None)
        shares = max(1, min(MOST_PARTITIONS, events // EVENTS_A_SHARE + 1))
        try:
            with summaries_in_partitions(values, policy=policy, as_of=None, partitions=shares,
                                         summary=built, jobs=jobs) as (summaries, tally, now):
                consumer.close()  # read: the forked processes must not inherit its threads
                done.events += tally.read
                done.rejected += len(tally.rejected)
                for share in summaries:
                    yield share, now
        except EmptyReplay:
            log.info("partition %d holds no valid event", tp.partition)
    finally:
        consumer.close()


def _commit(settings: Settings, stops: dict[TopicPartition, int]) -> None:
    admin = admin_client(settings, "casewatch-rebuild")

    def commit() -> dict[TopicPartition, Any]:
        answer: dict[TopicPartition, Any] = admin.alter_group_offsets(settings.app_id, {
            tp: OffsetAndMetadata(stop, REBUILT, -1) for tp, stop in stops.items()})
        retriable = [error for error in answer.values() if error is not NoError
                     and error.retriable]
        if retriable:
            raise retriable[0]()  # a partition's answer: asked again as a whole
        return answer

    try:
        answer = _coordinated(commit)
    finally:
        admin.close()
    failed = {tp.partition: error.__name__ for tp, error in answer.items()
              if error is not NoError}
    if failed:
        raise CommandError(f"the worker group {settings.app_id}'s offsets were not set: "
                           f"{failed}")
