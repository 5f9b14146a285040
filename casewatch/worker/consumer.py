"""faust's Kafka consumer, with fetches that wait at most 100 ms for data rather than 1.5 s, and
records left untaken for a second, not 100 ms, before their partition's neighbours are fetched.

aiokafka sends one fetch at a time to a broker, and leaves out of it any partition whose records
are still waiting to be taken; after its prefetch backoff it fetches the broker's other
partitions without them, and no fetch can take them again until that one comes back. The
worker's other partition is its ticks, empty in event time and quiet between ticks in
wall-clock time, so that fetch waits the whole of the fetch's maximum wait.

- faust creates aiokafka's consumer with `fetch_max_wait_ms=1500` and no setting to change it.
  Once a batch took the agent more than 100 ms, each stall brought the next batch of 1.5 s of
  events, and it never stopped: measured with `./run bench latency` at 400 and 500 events/s,
  alerts came p99 1.6 s after their events while the worker used two thirds of a core. 100 ms
  bounds that wait; an idle worker now asks ten times a second instead of once in 1.5 s.
- faust hands a batch to the agent a message per turn of the event loop, so it takes the next
  batch only once the agent is nearly through this one: a batch of 100 ms or more of work
  always outlived the 100 ms backoff, and the cycle went on at 100 ms of work and 100 ms of
  waiting on the ticks. Measured on events for 20,000 existing cases at 500 events/s: alerts p50
  160-340 ms, p99 300-750 ms, with the event loop idle a third of the time, and messages read
  by a probe consumer 2 ms after they were sent. A second's backoff: p50 26-40 ms, p99 140-260
  ms. The ticks are fetched with the events each time, so they wait for nothing but a batch.
"""

from typing import Any

import aiokafka
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread, Consumer, Transport

FETCH_MAX_WAIT_MS = 100
PREFETCH_BACKOFF_SECONDS = 1.0


class PromptConsumerThread(AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Read when the consumer starts its fetcher, which is after this.
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer

    async def on_start(self) -> None:
        await super().on_start()
        # The fetcher exists once the consumer has started, and reads this for each batch
        # fetched; aiokafka's consumer passes no setting for it.
        consumer: Any = self._consumer
        consumer._fetcher._prefetch_backoff = PREFETCH_BACKOFF_SECONDS


class PromptConsumer(Consumer):
    def _new_consumer_thread(self) -> AIOKafkaConsumerThread:
        return PromptConsumerThread(self, loop=self.loop, beacon=self.beacon)


class PromptTransport(Transport):
    Consumer = PromptConsumer
