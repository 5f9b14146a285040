"""Every topic of the worker's app, its table's changelog included, takes the producer without
turning the event loop once it is started."""

from typing import Any

import pytest

from casewatch.kafka.settings import Settings
from casewatch.worker.app import case_table, faust_app
from casewatch.worker.topic import PromptTopic


def test_every_topic_of_the_worker_and_its_table_s_changelog_is_prompt() -> None:
    settings = Settings().isolated("prompt", "127.0.0.1:1", partitions=1, clock="event")
    app = faust_app(settings)
    table = case_table(app, settings)
    assert isinstance(app.topic("anything"), PromptTopic)
    assert isinstance(table.changelog_topic, PromptTopic)


def test_a_started_producer_is_taken_without_a_turn_of_the_loop() -> None:
    settings = Settings().isolated("prompt", "127.0.0.1:1", partitions=1, clock="event")
    app = faust_app(settings)
    topic = PromptTopic(app, topics=["anything"])
    producer: Any = app.producer
    producer._started.set()  # started as far as mode knows; no broker is asked
    step = topic._get_producer().__await__()
    with pytest.raises(StopIteration) as taken:
        next(step)  # faust's own path yields here, three times (mode's stampede)
    assert taken.value.value is app.producer


def test_before_the_producer_starts_faust_s_own_path_is_taken() -> None:
    settings = Settings().isolated("prompt", "127.0.0.1:1", partitions=1, clock="event")
    app = faust_app(settings)
    assert not app.producer.started
    step = PromptTopic(app, topics=["anything"])._get_producer().__await__()
    next(step)  # faust's own path: it yields (and would start the producer)
    step.close()
