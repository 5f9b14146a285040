"""faust's Kafka consumer, with fetches that wait at most 100 ms for data rather than 1.5 s.

faust creates aiokafka's consumer with `fetch_max_wait_ms=1500` and no setting to change it.
aiokafka sends one fetch at a time to a broker, and leaves out of it any partition whose records
are still waiting to be taken; after 100 ms (its prefetch backoff) it fetches the broker's other
partitions without them. The worker's other partition is its ticks, empty in event time and
quiet between ticks in wall-clock time, so that fetch waited the whole 1.5 s, and the events
taken meanwhile could not be fetched again until it came back. Once a batch took the agent more
than 100 ms, each stall brought the next batch of 1.5 s of events, and it never stopped:
measured with `./run bench latency` at 400 and 500 events/s, alerts came p99 1.6 s after their
events while the worker used two thirds of a core. 100 ms bounds that wait (p99 53-200 ms at
500 events/s since); an idle worker now asks ten times a second instead of once in 1.5 s.
"""

from typing import Any

import aiokafka
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread, Consumer, Transport

FETCH_MAX_WAIT_MS = 100


class PromptConsumerThread(AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Read when the consumer starts its fetcher, which is after this.
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


class PromptConsumer(Consumer):
    def _new_consumer_thread(self) -> AIOKafkaConsumerThread:
        return PromptConsumerThread(self, loop=self.loop, beacon=self.beacon)


class PromptTransport(Transport):
    Consumer = PromptConsumer
