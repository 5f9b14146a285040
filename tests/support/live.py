"""A real Kafka broker for the streaming tests, and workers run as a user runs them."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from kafka.errors import KafkaError
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from casewatch.kafka.admin import admin_client
from casewatch.kafka.broker import Broker, free_port
from casewatch.kafka.drain import read_to_end
from casewatch.kafka.lag import caught_up, progress
from casewatch.kafka.settings import Settings

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    broker = Broker(home=tmp_path_factory.mktemp("kafka"), port=free_port(),
                    controller_port=free_port())
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def secure_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """The broker as `./run broker start --secure` runs it: SASL_SSL, SCRAM, ACLs (SPEC §11)."""
    from casewatch.kafka.acl import DEFAULT_REGIONS
    from casewatch.kafka.secure import apply_initial_acls

    broker = Broker(home=tmp_path_factory.mktemp("secure-kafka"), port=free_port(),
                    controller_port=free_port(), secure=True, regions=DEFAULT_REGIONS)
    broker.start()
    apply_initial_acls(broker.material, broker.regions)
    yield broker
    broker.stop()


@pytest.fixture
def settings(kafka: Broker, tmp_path: Path) -> Settings:
    """Topics, consumer group and state of this test alone, on the shared broker."""
    name = f"t{uuid.uuid4().hex[:10]}"
    return Settings().isolated(
        name, kafka.bootstrap,
        partitions=1, state_dir=tmp_path / "state", clock="event",
    )


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: Path
    web_port: int

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def start_worker(settings: Settings, started: list[WorkerProcess], state: Path,
                 *args: str, **environment: str) -> WorkerProcess:
    log = state.with_suffix(".log")
    running = replace(settings, state_dir=state, web_port=free_port())
    process = subprocess.Popen(
        [sys.executable, "-m", "casewatch", "worker", "--loglevel", "info", *args], cwd=PROJECT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **running.environment(), **environment},
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    worker = WorkerProcess(process, log, running.web_port)
    started.append(worker)
    return worker


def wait_answering(url: str, process: "subprocess.Popen[bytes]", log: Path,
                   timeout: float = 120.0) -> None:
    """Until a service started as `process` answers 200 at `url`; its log's end if it exits or
    does not answer in time."""
    from casewatch import http

    deadline = time.monotonic() + timeout
    while True:
        try:
            status, _ = http.send(url, timeout=2)
            if status == 200:
                return
        except http.Unreachable:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(log.read_text()[-4000:])
        time.sleep(0.3)


def cli(settings: Settings, *args: str, stdin: bytes | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "casewatch", *args],
        cwd=PROJECT, env={**os.environ, **settings.environment()}, input=stdin,
        capture_output=True, check=False,
    )
    if result.returncode:
        raise AssertionError(f"casewatch {' '.join(args)} exited {result.returncode}: "
                             f"{result.stderr.decode()[-2000:]}")
    return result.stdout.decode()


def committed_everything(settings: Settings, topic: str) -> bool:
    """Whether the worker group has committed every message of `topic`."""
    return caught_up(settings, [topic])


def committed_fraction(settings: Settings, topic: str) -> float:
    """How much of `topic` the worker group has committed, 0 to 1."""
    done, total = progress(settings, [topic])
    return done / total if total else 1.0


def run_through_worker(settings: Settings, workers: list[WorkerProcess], state: Path,
                       stream: bytes, as_of: str, regions: tuple[str, ...] = ("north-east",),
                       **environment: str) -> WorkerProcess:
    """Create the topics, publish `stream`, run a worker over it, advance its clock to `as_of`
    and wait until it has processed everything."""
    worker = publish_and_start(settings, workers, state, stream, regions, **environment)
    run_to_end(settings, workers, as_of)
    return worker


def publish_and_start(settings: Settings, workers: list[WorkerProcess], state: Path,
                      stream: bytes, regions: tuple[str, ...] = ("north-east",),
                      **environment: str) -> WorkerProcess:
    """Create the topics, publish `stream` and start a worker on it, without waiting."""
    cli(settings, "topics", "create", "--regions", ",".join(regions))
    cli(settings, "publish", "-", stdin=stream)
    return start_worker(settings, workers, state, **environment)


def run_to_end(settings: Settings, workers: list[WorkerProcess], as_of: str) -> None:
    """Wait for the workers to take in everything, advance their clock to `as_of`, wait again."""
    wait_until_processed(settings, workers)
    cli(settings, "clock", "advance", as_of)
    wait_until_processed(settings, workers)


def wait_for_group(settings: Settings, members: int, timeout: float = 120.0) -> None:
    """Wait until the worker group is stable with `members` members: each holds its partitions.

    A rebalance while messages are in flight can leave a partition unconsumed or uncommitted
    (faust-streaming#596; see the consumer-lag runbook). Tests that are not about that race
    let the group settle before any message is published.
    """
    admin = admin_client(settings)
    try:
        deadline = time.monotonic() + timeout
        group: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                group = admin.describe_groups([settings.app_id]).get(settings.app_id, {})
            except KafkaError:
                group = {}  # no coordinator until the first worker joins
            if group.get("group_state") == "Stable" and len(group.get("members", ())) == members:
                return
            time.sleep(0.5)
        raise AssertionError(f"group {settings.app_id} not stable with {members} members: "
                             f"{group.get('group_state')}, {len(group.get('members', ()))}")
    finally:
        admin.close()


def wait_until_processed(settings: Settings, workers: list[WorkerProcess],
                         timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in workers:
            if worker.process.poll() is not None:
                raise AssertionError(f"worker died:\n{worker.log.read_text()[-3000:]}")
        if all(committed_everything(settings, t)
               for t in (settings.events_topic, settings.ticks_topic)) and all(
                   read_through(worker) for worker in workers if worker.process.poll() is None):
            time.sleep(0.5)  # the last announcements' sends leave the producer
            return
        time.sleep(1.0)
    logs = "\n".join(w.log.read_text()[-2000:] for w in workers)
    raise AssertionError(f"not processed within {timeout}s\n{logs}")


def read_through(worker: WorkerProcess) -> bool:
    """Whether the worker has announced again every case of the partitions it took on (its
    /metrics, refreshed every second: so it must say so twice, a refresh apart)."""
    for attempt in range(2):
        if attempt:
            time.sleep(1.1)
        try:
            scraped = samples(worker)
        except OSError:
            return False
        if any(sample.value for sample in scraped
               if sample.name == "casewatch_partition_cases_unread"):
            return False
    return True


def samples(worker: WorkerProcess) -> list[Sample]:
    """Every sample on the worker's /metrics now."""
    with urllib.request.urlopen(f"http://127.0.0.1:{worker.web_port}/metrics",
                                timeout=5) as answer:
        text = answer.read().decode()
    return [sample for family in text_string_to_metric_families(text)
            for sample in family.samples]


def read_topic(settings: Settings, topic: str) -> list[Any]:
    """Every message of `topic` up to its end when called: (key, value, headers)."""
    return [(m.key, m.value, m.headers) for m in read_to_end(settings, topic, "casewatch-test")]


def final_alerts(settings: Settings, region: str = "north-east") -> dict[str, Any]:
    """Each alert's last published state, as a subscriber reading from the beginning sees it."""
    latest: dict[str, Any] = {}
    for key, value, _ in read_topic(settings, settings.alerts_topic(region)):
        alert = json.loads(value)
        assert key.decode() == alert["alertId"]
        latest[alert["alertId"]] = alert
    return latest
