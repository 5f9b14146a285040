"""What the Kafka benchmarks start: a local broker, and workers with given settings."""

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from casewatch.kafka.admin import create_topics
from casewatch.kafka.broker import Broker, free_port
from casewatch.kafka.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system, every thread) the process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_bytes(pid: int) -> int | None:
    """Resident bytes of the process `pid` now; None when it has no memory of its own (a
    zombie). OSError once it has gone."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None


def tree_rss(pid: int) -> int:
    """Resident bytes of the process `pid` and its descendants now (pages they share are
    counted in each); 0 for one that has gone."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        own = resident_bytes(pid) or 0
    except OSError:
        return 0
    return own + sum(tree_rss(int(child)) for child in children)


def machine_ticks() -> tuple[int, int]:
    """The machine's idle and total CPU time so far, in clock ticks over all its CPUs."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields)  # idle and iowait; everything


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    return start_module(settings, "casewatch", "worker")


def start_module(settings: Settings, module: str, *arguments: str,
                 tree: Path = PROJECT) -> subprocess.Popen[bytes]:
    """`python -m module arguments` with `settings` in its environment, from the code in `tree`
    (this checkout, or another revision's: see `revision`)."""
    return subprocess.Popen([sys.executable, "-m", module, *arguments], cwd=tree,
                            env={**os.environ, **settings.environment()},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cli_module(tree: Path) -> str:
    """The module that runs the command line in `tree`: revisions before the regrouping of
    December 2026 had it at workers/cli.py."""
    return "casewatch" if (tree / "casewatch/__main__.py").exists() else "workers.cli"


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
    settings isolated under `name` (with `changes`) for the run; stopped on leaving. Other
    settings come from CASEWATCH_* variables, as the worker's do: `CASEWATCH_OPEN_CASES=10000
    ./run bench latency` measures another setting."""
    broker = Broker(home=home / "kafka", port=free_port(), controller_port=free_port())
    broker.start()
    try:
        settings = Settings.from_env().isolated(name, broker.bootstrap, **changes)
        create_topics(settings, ["north-east"])
        yield settings
    finally:
        broker.stop()
