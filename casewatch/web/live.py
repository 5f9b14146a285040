"""The one loop behind `casewatch serve`: the regions' alert and deadlines topics (the reader
`notify` uses) and Alertmanager's silences, into one Standing view that every page reads.

Kafka's client blocks, so each poll runs in a thread while the event loop serves pages; what it
brings is applied on the event loop, so pages never see a half-applied batch and the view needs
no lock. Pages waiting for a change (the live updates) wait on one condition, woken once per
batch that changed something.
"""

import asyncio
import logging
import time
from collections.abc import Callable, Hashable, Iterable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from casewatch.delivery.alertmanager import DeliveryError, get_silences
from casewatch.delivery.standing import Place, Standing
from casewatch.delivery.topics import AlertTopics
from casewatch.web.silences import silences_held

log = logging.getLogger("casewatch.serve")
SILENCES_SECONDS = 30.0  # how often Alertmanager's silences are read again
# Once caught up, what the topics bring is applied at most this often: a busy team's pages then
# change once a second, not once a batch, and everyone watching it is given the one page made
# for that change.
APPLY_SECONDS = 1.0
MADE = 512  # pages' parts kept for reuse, at most
PRUNE_SECONDS = 600.0  # how often resolved alerts past RECENT are dropped


class Live:
    def __init__(self, alertmanager: str | None, wall_clock: bool = False) -> None:
        self.standing = Standing()
        self.alertmanager = alertmanager
        self.wall_clock = wall_clock
        self.catching_up = True
        self.backlog = 0
        self._changed = asyncio.Condition()
        self._silences_at = 0.0  # monotonic: when they were last read; 0 to read at once
        self._made: dict[Hashable, Any] = {}  # parts of pages, by what they show

    def now(self) -> datetime | None:
        """The worklist's clock: the wall's where the worker keeps it, else the view's (the
        worker's event clock, as its records carry it). To the minute, so that everyone
        watching a team within it is given the one worklist made for them."""
        if not self.wall_clock and self.standing.clock is not None:
            return None
        # The wall's also where the topics hold nothing yet: a deployment with no alert.
        return datetime.now(UTC).replace(second=0, microsecond=0)

    @property
    def ready(self) -> bool:
        """Whether pages can be served: the history the topics held at start has been read."""
        return not self.catching_up

    async def follow(self, open_topics: Callable[[], AlertTopics]) -> None:
        """Until cancelled: the topics into the view, the silences every SILENCES_SECONDS."""
        topics = await asyncio.to_thread(open_topics)
        self.backlog = topics.backlog
        log.warning("serve: reading %d alert states to catch up", topics.backlog)
        pruned_at = time.monotonic()
        try:
            while True:
                applied = time.monotonic()
                before = self.standing.changes
                for record in await asyncio.to_thread(topics.poll, 500):
                    if record.kind == "alert":
                        self.standing.offer_alert(record.value, record.raw)
                    else:
                        self.standing.offer_deadlines(record.value)
                if self.catching_up and not topics.catching_up:
                    log.warning("serve: caught up; %d alerts held", len(self.standing))
                self.catching_up = topics.catching_up
                if time.monotonic() - self._silences_at >= SILENCES_SECONDS:
                    await self.read_silences()
                if time.monotonic() - pruned_at >= PRUNE_SECONDS:
                    pruned_at = time.monotonic()
                    self.standing.prune()
                if self.standing.changes != before:
                    await self._wake()
                if not self.catching_up:
                    await asyncio.sleep(max(0.0, applied + APPLY_SECONDS - time.monotonic()))
        finally:
            await asyncio.to_thread(topics.close)

    async def read_silences(self) -> None:
        self._silences_at = time.monotonic()
        if not self.alertmanager:
            return
        try:
            silences = await asyncio.to_thread(get_silences, self.alertmanager)
        except DeliveryError as error:
            log.error("serve: silences not read: %s", error)
            return
        before = self.standing.changes
        self.standing.silence(silences_held(silences))
        if self.standing.changes != before:
            await self._wake()

    def made(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """What `make` makes for `key`, made once: keys name the version they show."""
        if key not in self._made:
            if len(self._made) >= MADE:
                self._made.clear()
            self._made[key] = make()
        return self._made[key]

    async def wait(self, places: Iterable[Place], seen: int, timeout: float) -> int:
        """The teams' version once it differs from `seen`, or after `timeout` seconds."""
        places = list(places)
        async with self._changed:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(
                    lambda: self.standing.version(places) != seen), timeout)
        return self.standing.version(places)

    async def _wake(self) -> None:
        async with self._changed:
            self._changed.notify_all()
