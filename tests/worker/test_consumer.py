"""The worker's consumer fetches with a 100 ms wait, where faust's own would wait 1.5 s, and
leaves untaken records a second before it fetches round them (see casewatch/worker/consumer.py:
a fetch of the empty ticks partition held back the events)."""

import asyncio
from typing import Any

from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

from casewatch.kafka.settings import Settings
from casewatch.worker.app import faust_app
from casewatch.worker.consumer import (
    FETCH_MAX_WAIT_MS,
    PREFETCH_BACKOFF_SECONDS,
    PromptConsumerThread,
)


def fetch_wait_ms(settings: Settings, thread_type: type[AIOKafkaConsumerThread]) -> int:
    """The wait the started fetcher of a consumer made by `thread_type` puts in its requests."""
    app: Any = faust_app(settings)

    async def started() -> int:
        thread = thread_type(app.consumer, loop=asyncio.get_running_loop())
        consumer = thread._create_worker_consumer(app.transport)
        await consumer.start()  # the fetcher is made here, from the consumer's settings
        try:
            wait: int = consumer._fetcher._fetch_max_wait_ms
            return wait
        finally:
            await consumer.stop()

    return asyncio.run(started())


def test_the_worker_s_fetches_wait_100_ms_where_faust_s_wait_1500(settings: Settings) -> None:
    assert FETCH_MAX_WAIT_MS == 100
    assert fetch_wait_ms(settings, PromptConsumerThread) == FETCH_MAX_WAIT_MS
    assert fetch_wait_ms(settings, AIOKafkaConsumerThread) == 1500  # what it replaces


def test_the_worker_s_app_makes_its_consumer_thread_prompt(settings: Settings) -> None:
    app: Any = faust_app(settings)
    assert type(app.consumer._new_consumer_thread()) is PromptConsumerThread


def prefetch_backoff(settings: Settings, thread_type: type[AIOKafkaConsumerThread]) -> float:
    """How long the started fetcher of a consumer thread of `thread_type` leaves a partition's
    records untaken before it fetches the broker's other partitions without them."""
    app: Any = faust_app(settings)

    async def started() -> float:
        thread = thread_type(app.consumer, loop=asyncio.get_running_loop())
        thread.thread_loop = asyncio.get_running_loop()  # as the thread itself would
        await thread.on_start()  # makes and starts the consumer, and so its fetcher
        consumer: Any = thread._consumer
        try:
            backoff: float = consumer._fetcher._prefetch_backoff
            return backoff
        finally:
            await consumer.stop()

    return asyncio.run(started())


def test_records_untaken_hold_their_broker_s_fetches_back_a_second_not_100_ms(
        settings: Settings) -> None:
    assert prefetch_backoff(settings, PromptConsumerThread) == PREFETCH_BACKOFF_SECONDS == 1.0
    assert prefetch_backoff(settings, AIOKafkaConsumerThread) == 0.1  # aiokafka's own
