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


def started_fetcher(settings: Settings,
                    thread_type: type[AIOKafkaConsumerThread]) -> tuple[int, float]:
    """What the started fetcher of a consumer thread of `thread_type` does: the wait it puts in
    its requests (ms), and how long it leaves a partition's records untaken before it fetches
    the broker's other partitions without them (s)."""
    app: Any = faust_app(settings)

    async def started() -> tuple[int, float]:
        thread = thread_type(app.consumer, loop=asyncio.get_running_loop())
        thread.thread_loop = asyncio.get_running_loop()  # as the thread itself would
        await thread.on_start()  # makes and starts the consumer, and so its fetcher
        consumer: Any = thread._consumer
        try:
            return consumer._fetcher._fetch_max_wait_ms, consumer._fetcher._prefetch_backoff
        finally:
            await consumer.stop()

    return asyncio.run(started())


def test_the_worker_s_fetches_wait_100_ms_where_faust_s_wait_1500(settings: Settings) -> None:
    assert FETCH_MAX_WAIT_MS == 100
    assert started_fetcher(settings, PromptConsumerThread)[0] == FETCH_MAX_WAIT_MS
    assert started_fetcher(settings, AIOKafkaConsumerThread)[0] == 1500  # what it replaces


def test_the_worker_s_app_makes_its_consumer_thread_prompt(settings: Settings) -> None:
    app: Any = faust_app(settings)
    assert type(app.consumer._new_consumer_thread()) is PromptConsumerThread


def test_records_untaken_hold_their_broker_s_fetches_back_a_second_not_100_ms(
        settings: Settings) -> None:
    assert started_fetcher(settings, PromptConsumerThread)[1] == PREFETCH_BACKOFF_SECONDS == 1.0
    assert started_fetcher(settings, AIOKafkaConsumerThread)[1] == 0.1  # aiokafka's own
