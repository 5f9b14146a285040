"""A worker process for a benchmark: `casewatch worker` with given settings, output discarded."""

import os
import subprocess
import sys
from pathlib import Path

from workers.stream.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "workers.cli", "worker"], cwd=PROJECT,
                            env={**os.environ, **settings.environment()},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    worker.wait(30)
