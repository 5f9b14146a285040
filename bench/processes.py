"""What the Kafka benchmarks start: a local broker, and workers with given settings."""

import os
import subprocess
import sys
import tempfile
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


def start_module(settings: Settings, module: str, *arguments: str,
                 tree: Path = PROJECT) -> subprocess.Popen[bytes]:
    """`python -m module arguments` with `settings` in its environment, from the code in `tree`
    (this checkout, or another revision's: see `revision`)."""
    return subprocess.Popen([sys.executable, "-m", module, *arguments], cwd=tree,
                            env={**os.environ, **settings.environment()},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@contextmanager
def revision(rev: str) -> Iterator[Path]:
    """Another revision of this project checked out beside it (a git worktree), for a baseline
    run in the same benchmark; removed on leaving."""
    with tempfile.TemporaryDirectory() as home:
        tree = Path(home) / "tree"
        subprocess.run(["git", "-C", str(PROJECT), "worktree", "add", "--quiet", "--detach",
                        str(tree), rev], check=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "-C", str(PROJECT), "worktree", "remove", "--force",
                            str(tree)], check=True)


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
