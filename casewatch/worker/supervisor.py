"""A worker process run the way docker-compose runs one: with --exit-on-stall, restarted by its
supervisor whenever it exits, so a stall costs a restart from the committed offsets and nothing
is lost. The demo and the rebalance soak supervise their workers with it."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

from casewatch.kafka.broker import free_port
from casewatch.kafka.settings import Settings

PROJECT = Path(__file__).resolve().parents[2]


class SupervisedWorker:
    def __init__(self, settings: Settings, log: Path, stall_seconds: float) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        self.settings = replace(settings, web_port=free_port(), stall_seconds=stall_seconds,
                                exit_on_stall=True)
        self.log = log
        self._output = log.open("ab")
        self.exits = 0
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "casewatch", "worker"], cwd=PROJECT,
            env={**os.environ, **self.settings.environment()},
            stdout=self._output, stderr=subprocess.STDOUT)

    def supervise(self) -> bool:
        """Restart the worker if it exited; True if it had (a stall it acted on, or a crash)."""
        if self.process.poll() is None:
            return False
        self.exits += 1
        self.process = self._start()
        return True

    def stalled(self) -> list[int]:
        """The partitions its /health reports stalled (none if it does not answer)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.settings.web_port}/health",
                                        timeout=2) as answer:
                body = json.loads(answer.read())
        except urllib.error.HTTPError as error:
            body = json.loads(error.read())
        except (OSError, ValueError):
            return []
        return [p["partition"] for p in body.get("partitions", []) if p["stalled"]]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
