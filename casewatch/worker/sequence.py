"""The events agent's shell around Continuity: where each partition starts, and what a gap does.

faust's consumer keeps its own books that a rebalance can leave wrong (measured by the soak):
- its copy of the committed offset can be missing or stale, so the start of a generation is
  asked of the broker;
- a message fetched before a rebalance and handed over after it makes the fetcher record the
  offsets between the new position and it as a "gap" that counts as acked, and skip the
  re-fetched messages below it. Seeking back resets the fetcher's read position; the recorded
  gap is discarded too, or the next commit would cover offsets never processed;
- a message left unacked on purpose is still awaited by the next revocation, which would then
  wait out the session timeout: it is released from that wait without being acked;
- after a seek, the rest of a batch fetched before it still passes through the fetcher, moving
  its read offset past the gap again (so it would drop the re-fetched messages): each such
  stale message seeks again, until the batch is done and the seek holds.
The last two reach into faust's Consumer (`_gap`, `_unacked_messages`): no public API does it.
"""

import logging
from typing import Any

import faust
from faust.types import TP
from prometheus_client import CollectorRegistry, Counter

from casewatch.worker.books import Books
from casewatch.worker.continuity import Continuity, Step

log = logging.getLogger("casewatch.worker")


class InputSequence:
    def __init__(self, app: faust.App, books: Books, registry: CollectorRegistry) -> None:
        self.app = app
        self.books = books
        self.continuity = Continuity()
        self.gaps = Counter("casewatch_input_gaps", "Gaps in the input offsets faust handed "
                            "the events agent: sought back (recovered) or absent from the log",
                            ["outcome"], registry=registry)

    async def admit(self, message: Any) -> bool:
        """Whether the agent takes this message; if not, it is neither processed nor acked."""
        partition, tp = message.partition, message.tp
        if not self.continuity.knows(partition):
            start = await self._start_of(tp)
            faust_view: Any = self.app.consumer
            log.info("partition %d: taking events from offset %d (first handed: %d, faust's "
                     "committed: %s)", partition, start, message.offset,
                     faust_view._committed_offset.get(tp))
            self.continuity.begin(partition, start)
        verdict = self.continuity.check(partition, message.offset)
        consumer: Any = self.app.consumer
        if verdict.step is Step.SEEK:
            log.error("partition %d: handed offset %d while %d was never taken; seeking back "
                      "to %d (faust-streaming#596)", partition, message.offset,
                      verdict.expected, verdict.expected)
            self.gaps.labels("sought_back").inc()
            await self._seek(tp, verdict.expected)
        elif verdict.step is Step.DROP and (consumer._read_offset.get(tp) or 0) > verdict.expected:
            # The fetcher was still handing over a batch fetched before the seek, and each of
            # those messages moved its read offset past the gap again, so it would drop the
            # re-fetched ones: seek again. Once that batch is done, the seek holds.
            await self._seek(tp, verdict.expected)
        elif verdict.step is Step.ABSENT:
            log.error("partition %d: offsets %d..%d are not in the log (retention or "
                      "transaction markers); going on from %d", partition, verdict.expected,
                      message.offset - 1, message.offset)
            self.gaps.labels("absent").inc()
        if verdict.step in (Step.TAKE, Step.ABSENT):
            return True
        consumer._unacked_messages.discard(message)
        return False

    async def _seek(self, tp: TP, offset: int) -> None:
        consumer: Any = self.app.consumer
        consumer._gap.pop(tp, None)
        if tp in consumer.assignment():  # else revoked: its next owner starts afresh
            # In the consumer's own thread (aiokafka lives there), with the fetcher's read
            # offset, waiting until the position is taken: faust's plain seek() calls aiokafka
            # from this thread, and was seen to hang the worker.
            await consumer.seek_wait({tp: offset})

    def forget(self, partition: int) -> None:
        """Revoked: if it comes back, it starts again from the committed offset."""
        self.continuity.forget({partition})

    async def _start_of(self, tp: TP) -> int:
        """The group's committed offset, asked of the broker, or the log's start without one."""
        start = (await self.books.committed(tp.topic, [tp.partition]))[tp.partition]
        if start is None:
            start = (await self.books.starts([tp]))[tp]
        return start
