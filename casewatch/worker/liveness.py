"""The worker's shell around StallWatch: what it observes, what it exports, how it heals.

Every few seconds the worker looks at each input partition it owns: the offsets it has
committed on the events and ticks topics against their ends on the broker, and the partition's
clock. A partition with work waiting and no progress for CASEWATCH_STALL_SECONDS is stalled:
- `casewatch_partition_stalled{partition}` is 1 (the `CasewatchPartitionStalled` alert);
- `GET /health` on the worker's web port answers 503 with the partitions and why;
- with `--exit-on-stall`, the worker exits non-zero so its supervisor restarts it, when a
  second look (2-5 s later) finds the partition still stalled. A restarted worker resumes
  from the committed offsets, and duplicates change nothing: nothing is lost.
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import faust
from faust.types import TP
from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Gauge

from casewatch.kafka.settings import Settings
from casewatch.worker.books import Books
from casewatch.worker.stall import StallWatch

log = logging.getLogger("casewatch.worker")
HARD_EXIT_SECONDS = 30.0  # if a clean stop hangs too, the supervisor still gets its exit


class PartitionStalled(RuntimeError):
    pass


def check_interval(settings: Settings) -> float:
    return max(2.0, min(5.0, settings.stall_seconds / 4))


def watch_liveness(app: faust.App, settings: Settings, books: Books,
                   registry: CollectorRegistry,
                   clock_of: Callable[[int], datetime | None],
                   slices_of: Callable[[int], int] = lambda partition: 0) -> StallWatch:
    """Install the stall check, its metrics and /health on `app`; `clock_of(p)` is the clock
    of partition p's cases (None before it has one), `slices_of(p)` how many slices of its
    backlog (cases to re-derive, or fired overdue) it has done."""
    stalls = StallWatch(settings.stall_seconds,
                        settings.tick_seconds if settings.clock == "wall" else None)
    stalled_gauge = Gauge("casewatch_partition_stalled",
                          "1 while an owned input partition has work waiting and makes no "
                          "progress", ["partition"], registry=registry)
    idle_gauge = Gauge("casewatch_partition_idle_seconds",
                       "Seconds since an owned input partition last made progress",
                       ["partition"], registry=registry)
    lag_gauge = Gauge("casewatch_partition_lag_messages",
                      "Messages of an owned input partition (events and ticks) not yet "
                      "committed", ["partition"], registry=registry)
    exported: set[int] = set()
    looked = _Looked(time.monotonic(), 0, set())

    @app.timer(interval=check_interval(settings))  # type: ignore[untyped-decorator]
    async def check_for_stalls() -> None:
        # A rebalance at any moment since the last look (the broker calls below can wait out a
        # whole one) means no partition had a fair chance: counted as progress.
        rebalances = app.rebalancing_count
        events = sorted(tp for tp in app.consumer.assignment()
                        if tp.topic == settings.events_topic)
        owned = {tp.partition for tp in events}
        stalls.forget(exported - owned)
        for gone in exported - owned:
            for gauge in (stalled_gauge, idle_gauge, lag_gauge):
                gauge.remove(str(gone))
        exported.intersection_update(owned)
        if not events:
            looked.at = time.monotonic()
            return
        pairs = {tp.partition: (tp, TP(settings.ticks_topic, tp.partition)) for tp in events}
        every = [tp for pair in pairs.values() for tp in pair]
        # From the broker, not the fetcher's cache: a partition nobody fetches has a stale one.
        # faust's committed offsets are the next offset to read, as Kafka counts; where it has
        # none, the group starts from the earliest.
        consumer: Any = app.consumer
        committed = dict(consumer._committed_offset)
        try:
            ends = await books.ends(every)
            committed.update(await books.starts(tp for tp in every
                                                if committed.get(tp) is None))
        except KafkaError as error:
            # Not looked: /health counts a look this late as a stall (see `health`).
            log.warning("stall check: the broker did not answer: %s", error)
            return
        recovering = bool(app.rebalancing or app.in_recovery
                          or app.rebalancing_count != rebalances
                          or app.rebalancing_count != looked.rebalances)
        looked.rebalances = app.rebalancing_count
        now, wall = time.monotonic(), datetime.now(UTC)
        for partition, pair in pairs.items():
            done = [committed.get(tp) or 0 for tp in pair]
            lag = sum(max(0, (ends.get(tp) or 0) - offset) for tp, offset in zip(pair, done,
                                                                                strict=True))
            stalls.observe(partition, now, committed=sum(done), lag=lag,
                           clock=clock_of(partition), wall=wall, recovering=recovering,
                           slices=slices_of(partition))
        for health in stalls.health(now):
            label = str(health.partition)
            exported.add(health.partition)
            stalled_gauge.labels(label).set(1 if health.stalled else 0)
            idle_gauge.labels(label).set(health.idle_seconds)
            lag_gauge.labels(label).set(health.lag)
        looked.at = now
        stalled = stalls.stalled(now)
        if stalled:
            log.error("partition(s) %s stalled: work waiting and no progress for %.0fs",
                      ", ".join(map(str, stalled)), settings.stall_seconds)
        # Exits at the second look that finds the same partition stalled: until then /health
        # and the gauge say so (a look used to take a second or more, which left that time by
        # chance; books.py), and one look alone does not end the worker.
        again = sorted(set(stalled) & looked.stalled)
        looked.stalled = set(stalled)
        if again and settings.exit_on_stall:
            _exit_soon()
            await app.crash(PartitionStalled(f"partitions {again} stalled"))

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        now = time.monotonic()
        # From the last look, aged to now while it is fresh. A look held up (its broker calls
        # can wait out a whole rebalance) is not aged: idle time it did not see is not a stall.
        # A check that has not completed for the bound outside a rebalance is itself a stall
        # (a wedged consumer).
        fresh = now - looked.at <= 2 * check_interval(settings)
        report = stalls.health(now if fresh else looked.at)
        unchecked = now - looked.at >= settings.stall_seconds and not app.rebalancing
        body = {
            "status": "stalled" if unchecked or any(h.stalled for h in report) else "ok",
            "checkedSecondsAgo": round(now - looked.at, 1),
            "stallSeconds": settings.stall_seconds,
            "partitions": [{"partition": h.partition, "stalled": h.stalled,
                            "workWaiting": h.waiting, "lag": h.lag,
                            "idleSeconds": round(h.idle_seconds, 1)} for h in report],
        }
        return web.json(body, status=503 if body["status"] == "stalled" else 200)

    return stalls


@dataclass
class _Looked:
    at: float  # monotonic time the last stall check completed
    rebalances: int  # faust's rebalance count then
    stalled: set[int]  # partitions it found stalled


def _exit_soon() -> None:
    """Exit the process if a clean stop has not ended it in time (a hung agent can block it)."""
    def hard_exit() -> None:
        log.critical("stopping after a stall took too long: exiting")
        os._exit(3)

    timer = threading.Timer(HARD_EXIT_SECONDS, hard_exit)
    timer.daemon = True
    timer.start()
