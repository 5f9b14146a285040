"""No silent stall, on a real broker with real worker processes and deliberate faults."""

import json
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

from casewatch.kafka.settings import Settings
from tests.support.live import (
    WorkerProcess,
    cli,
    publish_and_start,
    run_to_end,
    start_worker,
)
from tests.worker.test_worker import assert_standing_as_replayed, replayed, simulated


def health(worker: WorkerProcess) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{worker.web_port}/health",
                                    timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def metric(worker: WorkerProcess, name: str) -> list[str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{worker.web_port}/metrics",
                                timeout=5) as response:
        return [line for line in response.read().decode().splitlines()
                if line.startswith(name + "{")]


def wait_for_health(worker: WorkerProcess, status: str, timeout: float) -> tuple[float, dict[
        str, Any]]:
    """Seconds until /health says `status` (the web server may take a while to come up)."""
    started = time.monotonic()
    body: dict[str, Any] = {}
    while time.monotonic() - started < timeout:
        if worker.process.poll() is not None:
            raise AssertionError(f"worker exited:\n{worker.log.read_text()[-2000:]}")
        try:
            _, body = health(worker)
        except (OSError, ValueError):
            body = {}
        if body.get("status") == status and body.get("partitions"):
            return time.monotonic() - started, body
        time.sleep(0.5)
    raise AssertionError(f"/health never said {status}: {body}\n{worker.log.read_text()[-2000:]}")


def test_a_hung_partition_is_reported_then_exits_and_a_restart_loses_nothing(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    stream = simulated(40, seed=3)
    report = replayed(stream)
    hung = publish_and_start(settings, workers, tmp_path / "w1", stream,
                             CASEWATCH_STALL_SECONDS="8",
                        CASEWATCH_FAULT="hang-partition-0", CASEWATCH_EXIT_ON_STALL="true")
    _, body = wait_for_health(hung, "stalled", timeout=120)
    (partition,) = body["partitions"]
    assert partition["stalled"] and partition["workWaiting"] and partition["lag"] > 0
    assert partition["idleSeconds"] >= 8
    assert hung.process.wait(60) != 0  # exits for its supervisor to restart it
    log = hung.log.read_text()
    assert "partition(s) 0 stalled: work waiting and no progress for 8s" in log
    healed = start_worker(settings, workers, tmp_path / "w1")
    run_to_end(settings, [healed], report["asOf"])
    assert_standing_as_replayed(settings, report, workers)
    wait_for_health(healed, "ok", timeout=60)
    assert metric(healed, "casewatch_partition_stalled") == [
        'casewatch_partition_stalled{partition="0"} 0.0']


def test_stopped_ticks_are_reported_in_wall_clock_mode_with_no_input(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    wall = replace(settings, clock="wall", tick_seconds=1.0)
    # Two deployments side by side on their own topics, with no input at all.
    other = replace(wall, app_id=wall.app_id + "-b", events_topic=wall.events_topic + "-b",
                    ticks_topic=wall.ticks_topic + "-b")
    cli(wall, "topics", "create", "--regions", "north-east")
    cli(other, "topics", "create")
    ticking = start_worker(wall, workers, tmp_path / "ticking", CASEWATCH_STALL_SECONDS="6")
    stopped = start_worker(other, workers, tmp_path / "stopped", CASEWATCH_STALL_SECONDS="6",
                           CASEWATCH_FAULT="stop-ticks")
    seconds, body = wait_for_health(stopped, "stalled", timeout=120)
    (partition,) = body["partitions"]
    assert partition["lag"] == 0 and partition["workWaiting"]  # waiting: ticks are overdue
    # /health ages the last look to now; the gauge follows at the next look, seconds later.
    deadline = time.monotonic() + 15
    while (metric(stopped, "casewatch_partition_stalled")
           != ['casewatch_partition_stalled{partition="0"} 1.0']) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert metric(stopped, "casewatch_partition_stalled") == [
        'casewatch_partition_stalled{partition="0"} 1.0']
    # The control, with ticks, has run at least as long and is healthy.
    status, control = health(ticking)
    assert status == 200 and control["partitions"] and control["status"] == "ok", control
    (ticked,) = control["partitions"]
    assert not ticked["stalled"] and ticked["idleSeconds"] < 6
    assert seconds < 60
