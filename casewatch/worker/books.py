"""The broker's books on the worker's partitions: committed offsets, and where each log starts
and ends. Asked through casewatch's own admin client, on one thread of its own.

Not through faust's consumer: its offset requests run on faust's consumer thread (two workers)
and share the connection on which the fetcher's requests wait for data, and a fetch for an empty
partition (the ticks, in event time) does wait: 1.5 s as faust configures aiokafka, 100 ms as
the worker does now (consumer.py). Measured on 2,500 cases at 1.5 s: the stall check's two
requests took 1.15 s every 5 s and held both workers, so the offset commit that faust makes in
its fetch loop waited about a second behind them, and the events agent had nothing to take for
that second, every time.
"""

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from faust.types import TP
from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import OffsetSpec

from casewatch.kafka.admin import admin_client, committed_offsets, log_offsets
from casewatch.kafka.settings import Settings

T = TypeVar("T")


class Books:
    """Offsets asked of the broker off the event loop, one request at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._admin: KafkaAdminClient | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="casewatch-books")

    async def committed(self, topic: str, partitions: list[int]) -> dict[int, int | None]:
        """The worker group's committed offsets (the next to read); None where it has none."""
        return await self._ask(lambda admin: committed_offsets(
            admin, self.settings.app_id, topic, partitions))

    async def ends(self, partitions: Iterable[TP]) -> dict[TP, int]:
        """The offset the next message on each partition will take."""
        return await self._offsets(partitions, OffsetSpec.LATEST)

    async def starts(self, partitions: Iterable[TP]) -> dict[TP, int]:
        """The first offset still in each partition's log."""
        return await self._offsets(partitions, OffsetSpec.EARLIEST)

    async def _offsets(self, partitions: Iterable[TP], spec: OffsetSpec) -> dict[TP, int]:
        # kafka-python's name for each of faust's partitions, made once for the question and
        # the answer.
        asked = {TopicPartition(tp.topic, tp.partition): tp for tp in partitions}
        answer = await self._ask(lambda admin: log_offsets(admin, asked, spec))
        return {tp: answer[named] for named, tp in asked.items()}

    async def _ask(self, question: Callable[[KafkaAdminClient], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._answer, question)

    def _answer(self, question: Callable[[KafkaAdminClient], T]) -> T:
        # Made on this thread, and only ever used on it.
        if self._admin is None:
            self._admin = admin_client(self.settings, client_id=f"{self.settings.app_id}-books")
        return question(self._admin)
