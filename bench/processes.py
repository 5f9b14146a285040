"""What the Kafka benchmarks start: a local broker, and workers with given settings."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workers.stream.admin import create_topics
from workers.stream.broker import Broker, free_port
from workers.stream.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    return start_module(settings, "workers.cli", "worker")


def start_module(settings: Settings, module: str, *arguments: str) -> subprocess.Popen[bytes]:
    """`python -m module arguments` with `settings` in its environment."""
    return subprocess.Popen([sys.executable, "-m", module, *arguments], cwd=PROJECT,
                            env={**os.environ, **settings.environment()},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    worker.wait(30)


@contextmanager
def local_broker(home: Path, name: str, **changes: Any) -> Iterator[Settings]:
    """A broker on free loopback ports under `home`, its topics for north-east created, and
    settings isolated under `name` (with `changes`) for the run; stopped on leaving."""
    broker = Broker(home=home / "kafka", port=free_port(), controller_port=free_port())
    broker.start()
    try:
        settings = Settings().isolated(name, broker.bootstrap, **changes)
        create_topics(settings, ["north-east"])
        yield settings
    finally:
        broker.stop()
