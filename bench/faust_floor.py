"""faust's floor, for the worker benchmark: the worker's app, stream and acks, without the worker.

    python -m bench.faust_floor [--rows]   (settings from CASEWATCH_* variables, as the worker)

The agent takes each message as the worker does (by hand, acked once done) and does nothing
else; with `--rows` it also writes two table rows per message, as the worker writes a change
and a summary, each through the table's changelog. What the worker's own work costs on Kafka is
then the difference between its rate and these, measured in the same run.
"""

import argparse
from collections.abc import AsyncIterator

import faust

from casewatch.engine.snapshot import SUMMARY
from casewatch.kafka.settings import Settings
from casewatch.worker.app import RAW, acked_by_hand, case_table, faust_app, run_app


def floor_app(settings: Settings, rows: bool) -> faust.App:
    app = faust_app(settings)
    events = app.topic(settings.events_topic, partitions=settings.partitions, **RAW)
    table = case_table(app, settings)

    @app.agent(events, concurrency=1)
    async def take(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for event in acked_by_hand(stream).events():
            if rows:
                table[event.key] = event.value
                table[SUMMARY + event.key] = event.value
            event.ack()
            yield None

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", action="store_true")
    arguments = parser.parse_args()
    run_app(floor_app(Settings.from_env(), arguments.rows))


if __name__ == "__main__":
    main()
