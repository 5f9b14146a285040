"""The casewatch streaming worker: faust agents around the engine (SPEC §8).

- `casewatch.case-events` (key = CRN) is consumed as raw bytes and validated inside the agent,
  so bad input goes to `casewatch.dead-letter`, unchanged, with the reason in a header, and
  never stops the worker.
- Each case's state lives in a RocksDB-backed table (rocksdict) with a changelog topic, so a
  restarted worker recovers from local state plus changelog.
- Alerts go to `casewatch.alerts.<region>`, compacted, key = alertId.
- Deadlines fire from `casewatch.ticks`, partitioned like the input: a tick on partition p
  advances the clock of p's cases only, so each partition's deadlines are fired, and its table
  written, by the worker that owns it, at a cost that grows with what falls due. A message
  whose time passes more than a slice of deadlines fires its own case's and a slice, and wakes
  the ticks agent for the rest, which lets the events through between its slices.
- At least once, agent concurrency 1: faust flushes the producer before committing a message's
  offset, so its alerts and dead letters are delivered before it counts as done; and a worker
  that loads a partition's cases re-announces their alerts' current states, so an alert whose
  send a crash lost after its case state was written is sent again. Consumers de-duplicate.
"""

import asyncio
import contextlib
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import faust
from faust.exceptions import ConsumerNotStarted
from faust.types import TP, TableT, TransportT
from prometheus_client import CollectorRegistry

from casewatch.engine.policy import Policy
from casewatch.kafka.security import faust_credentials
from casewatch.kafka.settings import Settings
from casewatch.metrics.quality import QualityMetrics
from casewatch.worker.books import Books
from casewatch.worker.consumer import PromptTransport
from casewatch.worker.liveness import watch_liveness
from casewatch.worker.logs import collapse_repeats
from casewatch.worker.precedence import EventsFirst
from casewatch.worker.sensors import sense
from casewatch.worker.sequence import InputSequence
from casewatch.worker.topic import PromptTopic
from casewatch.worker.watch import Outcome, PartitionWatch

log = logging.getLogger("casewatch.worker")
REASON_HEADER = "casewatch-reason"
# faust's RocksDB defaults give each partition's table a 2 GiB block cache and three 64 MiB
# write buffers: memory that follows the caseload up to those bounds. These hold a partition's
# table to about 32 MiB; the kernel's page cache serves the rest of a case's rows.
TABLE_OPTIONS = {"block_cache_size": 16 * 2**20, "write_buffer_size": 8 * 2**20,
                 "max_write_buffer_number": 2}
READ_THROUGH_SECONDS = 0.1  # half of each interval goes to reading cases not yet read
READ_THROUGH_SLICE = 20  # cases read between two awaits
WAKE = b'{"wake":true}'  # a tick that only opens its partition (see `wake`)


# Every value is bytes we validate or produce ourselves: no faust codecs anywhere.
RAW: dict[str, Any] = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw",
                       "value_serializer": "raw"}


class WorkerApp(faust.App):
    def _new_transport(self) -> TransportT:
        return PromptTransport(self.conf.broker_consumer, self)  # see consumer.py


def faust_app(settings: Settings) -> faust.App:
    """The worker's faust app, no agents yet (the benchmarks' faust floor shares it)."""
    return WorkerApp(
        settings.app_id,
        broker=f"kafka://{settings.bootstrap_servers}",
        broker_credentials=faust_credentials(settings),
        store="rocksdb://",
        datadir=str(settings.state_dir),
        web_port=settings.web_port,
        web_host=settings.web_host,
        # faust serves every table's rows over HTTP by default (`/table/cases/{key}/`), with no
        # authentication, and where each key lives (`/router/`): case state is criminal-offence
        # data, and the worker's web server is for /metrics and /health only.
        web_tables_enabled=False,
        web_router_enabled=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication,
        processing_guarantee="at_least_once",
        consumer_auto_offset_reset="earliest",
        table_standby_replicas=0,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.session_timeout / 5,
        broker_commit_every=500,
        broker_commit_interval=1.0,
        # Alerts, deadlines and table rows leave in batches of up to 5 ms rather than one
        # produce request per message: the sends were 15% of the worker's time, most of it
        # socket writes. faust flushes before every commit, so nothing waits longer than that.
        producer_linger=0.005,
        key_serializer="raw",
        value_serializer="raw",
        Topic=PromptTopic,  # every topic, the table's changelog too
    )


def case_table(app: faust.App, settings: Settings) -> TableT[bytes, bytes]:
    return app.Table("cases", partitions=settings.partitions,
                     options={"driver": "rocksdict", **TABLE_OPTIONS},
                     key_type=bytes, value_type=bytes)


def build_app(settings: Settings, policy: Policy) -> faust.App:
    app = faust_app(settings)
    # Declared as `casewatch topics create` makes them (kafka/admin.py), should the worker be
    # the first to start: a broker's default retention (7 days) would lose case events.
    events = app.topic(settings.events_topic, partitions=settings.partitions,
                       retention=timedelta(days=settings.events_retention_days), **RAW)
    ticks = app.topic(settings.ticks_topic, partitions=settings.partitions,
                      retention=timedelta(hours=6), **RAW)
    dead_letter = app.topic(settings.dead_letter_topic, partitions=1,
                            retention=timedelta(days=settings.dead_letter_retention_days), **RAW)
    cases = case_table(app, settings)
    watches: dict[int, PartitionWatch] = {}
    regional_topics: dict[str, faust.TopicT] = {}
    registry = CollectorRegistry()
    metrics = QualityMetrics(registry)
    # faust's own sensors (lag, rebalances, sends) and ours, on the worker's /metrics.
    sense(app, registry)
    books = Books(settings)
    watch_liveness(app, settings, books, registry,
                   lambda partition: watches[partition].caseload.now if partition in watches
                   else None,
                   lambda partition: watches[partition].slices if partition in watches else 0)
    hang_partition = fault_partition(settings.fault)
    sequence = InputSequence(app, books, registry)
    sending = asyncio.Lock()
    waking: set[int] = set()  # partitions sent a wake-up for overdue cases, not yet taken
    first = EventsFirst(lambda partition: highwater(app, TP(settings.events_topic, partition)))

    async def watch(partition: int) -> PartitionWatch:
        if partition not in watches:
            # The table's local store for this partition is recovered before agents resume.
            # A table with case summaries (snapshot format 3) is not read case by case: the
            # summaries give each case's next transition, and cases are read as they are
            # needed, at most `open_cases` kept decoded.
            db = cast(Any, cases.data)._db_for_partition(partition)
            loaded = watches[partition] = PartitionWatch(
                policy, lambda key: db.items(from_key=key), settings.open_cases,
                settings.slice_cases)
            loaded.closing.append(metrics.cases.tally_of(loaded.caseload).closing)
            await settle(loaded, partition, loaded.opening())
            log.info("partition %d: %d cases, %d read through to be announced again", partition,
                     len(loaded.files), loaded.unread)
            if loaded.reconsidering:
                # Its alerts were computed under another policy or rules (§14): every case is
                # re-derived, a slice at a time, by the ticks agent (the wake-up `wake` sent
                # it on assignment starts it).
                log.warning("partition %d: the policy or rules changed: re-deriving %d cases",
                            partition, len(loaded.reconsidering))
        return watches[partition]

    async def regional(name: str) -> faust.TopicT:
        """A region's compacted output topic (alerts or deadlines), declared on first use."""
        topic = regional_topics.get(name)
        if topic is None:
            days = settings.compacted_retention_days
            topic = app.topic(name, partitions=settings.partitions, compacting=True,
                              deleting=bool(days),
                              retention=timedelta(days=days) if days else None, **RAW)
            await topic.maybe_declare()
            regional_topics[name] = topic
        return topic

    def keep(owner: PartitionWatch, partition: int, outcome: Outcome) -> None:
        # The rows first, with nothing awaited since the outcome was made: a case closes only
        # once its change is in the table, and two agents' rows for one case keep their order.
        for key, value in outcome.rows:
            cases[key] = value
        owner.tidy()
        metrics.baseline(outcome.restored, partition)
        metrics.alerts(outcome.changes, partition)

    async def settle(owner: PartitionWatch, partition: int, outcome: Outcome) -> None:
        # Alerts are not awaited: faust flushes the producer before it commits the offset of
        # the message that caused these sends, so they are delivered before it counts as done;
        # and what a crash loses is announced again when the partition is next taken on.
        keep(owner, partition, outcome)
        # One outcome's sends at a time, in the order the outcomes were made: sending awaits,
        # and another agent's or the read-through's later state of the same alert must not
        # overtake this one (a stale announcement sent last would stand on the compacted topic).
        async with sending:
            await send(outcome)

    async def send(outcome: Outcome) -> None:
        for change in [*outcome.restored, *outcome.changes]:
            topic = await regional(settings.alerts_topic(change.assignment.region))
            await topic.send(
                key=change.alert_id.encode(),
                value=json.dumps(change.to_wire(), separators=(",", ":")).encode(),
            )
        for region, crn, deadlines in outcome.deadlines:
            topic = await regional(settings.deadlines_topic(region))
            await topic.send(key=crn.encode(), value=deadlines)

    # The agents are coroutines, not async generators: faust formats a debug line for every
    # value an agent yields, whether or not debug is logged (2% of the worker, profiled).
    @app.agent(events, concurrency=1)
    async def process_events(stream: faust.StreamT[bytes]) -> None:
        async for event in acked_by_hand(stream).events():
            message = event.message
            if not await sequence.admit(message):
                continue  # not acked: it comes again after the seek
            if message.partition == hang_partition:
                log.error("fault injected: the events agent stops taking messages")
                await asyncio.Event().wait()  # never set: this agent takes nothing more
            started = time.perf_counter()
            wall_now = datetime.now(UTC) if settings.clock == "wall" else None
            owner = await watch(message.partition)
            outcome = owner.on_message(event.value, wall_now)
            await settle(owner, message.partition, outcome)
            if outcome.overdue and message.partition not in waking:
                # What fell due beyond a slice is the ticks agent's, a slice at a time, with
                # this agent's messages let through between (a midnight holds none of them).
                waking.add(message.partition)
                await ticks.send(value=WAKE, partition=message.partition)
            record_event(outcome, wall_now)
            if outcome.rejection is not None:
                reason = outcome.rejection.reason
                log.warning("dead-lettered partition %d offset %d: %s", message.partition,
                            message.offset, reason)
                await dead_letter.send(key=event.key, value=event.value,
                                       headers=[(REASON_HEADER, reason.encode())])
            event.ack()
            first.took(message.partition, message.offset)
            metrics.processing.observe(time.perf_counter() - started)

    def record_event(outcome: Outcome, wall_now: datetime | None) -> None:
        if outcome.rejection is not None:
            metrics.event(outcome.rejection.event_type, "rejected")
            return
        metrics.event(outcome.event_type, "duplicate" if outcome.duplicate else "applied",
                      outcome.occurred_at)
        if wall_now is not None and outcome.occurred_at is not None and not outcome.duplicate:
            metrics.delay.observe(max(0.0, (wall_now - outcome.occurred_at).total_seconds()))

    @app.timer(interval=settings.metrics_seconds)  # type: ignore[untyped-decorator]
    async def refresh_metrics() -> None:
        # In the event loop, between messages: the caseload is never read mid-update.
        metrics.caseloads([w.caseload for w in watches.values()],
                          warming={w.caseload for w in watches.values() if w.unread})
        for partition, loaded in watches.items():
            loaded.tidy()  # the recount reads cases it needs; every outcome's rows are written
            metrics.unread.labels(str(partition)).set(loaded.unread)
            metrics.open_cases.labels(str(partition)).set(loaded.files.open)

    @app.timer(interval=READ_THROUGH_SECONDS)  # type: ignore[untyped-decorator]
    async def read_through() -> None:
        # Cases of a partition taken on are read in the background, a slice at a time between
        # messages, so the first message waits for none of them.
        for partition, loaded in list(watches.items()):
            began = time.perf_counter()
            while loaded.unread and time.perf_counter() - began < READ_THROUGH_SECONDS / 2:
                # The states are read under the lock, so no change made after them is sent
                # before them.
                async with sending:
                    if watches.get(partition) is not loaded:
                        break  # revoked while its alerts were being sent
                    outcome = loaded.read_through(READ_THROUGH_SLICE)
                    keep(loaded, partition, outcome)
                    await send(outcome)
                if not outcome.read and not outcome.restored:
                    break  # the rest wait to be re-derived under a changed policy (§14)

    @app.agent(ticks, concurrency=1)
    async def process_ticks(stream: faust.StreamT[bytes]) -> None:
        async for event in acked_by_hand(stream).events():
            partition = event.message.partition
            if event.value == WAKE:
                waking.discard(partition)  # what falls due after this needs another
                owner = await watch(partition)  # opened; a tick at its own clock, which moves
                moment = owner.caseload.now  # nothing but lets a re-derivation run
                if moment is None:
                    event.ack()
                    continue
            else:
                try:
                    now = datetime.fromisoformat(json.loads(event.value)["now"])
                    if now.tzinfo is None:
                        raise ValueError("tick without offset")
                except (ValueError, KeyError, TypeError) as error:
                    log.warning("ignored a malformed tick: %s", error)
                    event.ack()
                    continue
                owner = await watch(partition)
                moment = now.astimezone(UTC)
            for outcome in owner.tick(moment):
                if watches.get(partition) is not owner:
                    break  # revoked between two slices: its next owner starts again
                await settle(owner, partition, outcome)
                if outcome.again:
                    # The events agent's turn while it has messages (precedence.py): sends
                    # rarely suspend, so without this a clock step's slices would run back to
                    # back, and with only a turn of the loop one event went through a slice.
                    await first.turn(partition)
            event.ack()

    if settings.clock == "wall" and settings.fault != "stop-ticks":
        @app.timer(interval=settings.tick_seconds)  # type: ignore[untyped-decorator]
        async def wall_clock() -> None:
            now = json.dumps({"now": datetime.now(UTC).isoformat()}).encode()
            for tp in owned(app, settings.events_topic):
                await ticks.send(value=now, partition=tp.partition)

    @app.on_partitions_assigned.connect
    async def wake(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        # A partition taken on is opened at its first message; one whose alerts were computed
        # under another policy or rules must not wait for one (§14): each is sent a wake-up,
        # which opens it and runs its re-derivation inside stream processing, where its rows
        # may be written.
        assigned: set[TP] = args[0] if args else kwargs.get("assigned", set())
        for tp in sorted(assigned):
            if tp.topic == settings.events_topic:
                await ticks.send(value=WAKE, partition=tp.partition)

    @app.on_partitions_revoked.connect
    async def forget(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        # Another worker owns these now; if they come back, state is re-read from the table.
        revoked: set[TP] = args[0] if args else kwargs.get("revoked", set())
        for tp in revoked:
            if tp.topic == settings.events_topic:
                sequence.forget(tp.partition)
                first.forget(tp.partition)
                if watches.pop(tp.partition, None) is not None:
                    metrics.release(tp.partition)
                    for gauge in (metrics.unread, metrics.open_cases):
                        with contextlib.suppress(KeyError):  # not yet refreshed
                            gauge.remove(str(tp.partition))

    return app


def acked_by_hand(stream: faust.StreamT[bytes]) -> faust.StreamT[bytes]:
    """The stream without automatic acks: each agent acks a message once its alerts and case
    state are out. faust's iterator acks the current message in a `finally` when the agent is
    cancelled (stop, crash, rebalance), so an automatic ack commits past a message whose
    processing never finished and a restart skips it (measured with a hung agent: committed
    1 of 100 messages, the one never processed; robinhood/faust#75 and #604)."""
    manual: faust.StreamT[bytes] = cast(Any, stream).noack()  # not on faust's StreamT type
    return manual


def fault_partition(fault: str) -> int | None:
    """The partition a "hang-partition-N" fault names (see Settings.fault)."""
    if fault.startswith("hang-partition-"):
        return int(fault.removeprefix("hang-partition-"))
    return None


def highwater(app: faust.App, tp: TP) -> int | None:
    """The offset the next message on `tp` will take, as the last fetch response said; None
    before the first, or once the partition is no longer assigned."""
    try:
        end: int | None = app.consumer.highwater(tp)
    except (AssertionError, ConsumerNotStarted):  # aiokafka asserts the partition is assigned
        return None
    return end


def owned(app: faust.App, topic: str) -> list[TP]:
    return sorted(tp for tp in app.consumer.assignment() if tp.topic == topic)


def run_worker(settings: Settings, policy: Policy, loglevel: str = "warning") -> None:
    collapse_repeats()
    run_app(build_app(settings, policy), loglevel)


def run_app(app: faust.App, loglevel: str = "warning") -> None:
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    # faust's terminal spinner sets the root logger to DEBUG so that it turns on every record:
    # every debug call in aiokafka and faust then builds a record. Profiled: 10% of the worker's
    # time, on a process with no terminal to spin on.
    worker.spinner = None
    worker.execute_from_commandline()
