"""The streaming worker on a real Kafka broker (SPEC §8): agreement with replay, dead letters,
crash recovery, scaling out, and regional subscriptions."""

import io
import json
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from casewatch.engine.policy import Policy
from casewatch.kafka.follow import follow
from casewatch.kafka.settings import Settings
from casewatch.replay.evaluate import replay
from casewatch.replay.report import Cohort
from casewatch.simulate.simulation import Simulation, write_jsonl
from casewatch.worker.app import WAKE
from tests.support.builders import allocated, at, contact
from tests.support.live import (
    WorkerProcess,
    cli,
    committed_fraction,
    final_alerts,
    publish_and_start,
    read_topic,
    run_through_worker,
    run_to_end,
    samples,
    start_worker,
    wait_for_group,
)


def simulated(cases: int, seed: int = 5) -> bytes:
    buffer = io.StringIO()
    write_jsonl(Simulation(cases=cases, seed=seed, start=date(2025, 4, 1), days=120,
                           quality=0.7, pdus=1).events(), buffer)
    return buffer.getvalue().encode()


def replayed(stream: bytes) -> dict[str, Any]:
    return replay(stream.splitlines(keepends=True), policy=Policy(), as_of=None, cohort=Cohort())


def standing(alerts: dict[str, Any]) -> dict[str, Any]:
    return {k: a for k, a in alerts.items() if a["resolution"] != "WITHDRAWN"}


def assert_standing_as_replayed(settings: Settings, report: dict[str, Any],
                                workers: list[WorkerProcess]) -> None:
    """The alerts standing on the topic are replay's; a mismatch says which and how."""
    expected = standing({a["alertId"]: a for a in report["alerts"]})
    actual = standing(final_alerts(settings))
    assert actual == expected, difference(expected, actual, workers)


def difference(expected: dict[str, Any], actual: dict[str, Any],
               workers: list[WorkerProcess]) -> str:
    """Which alerts differ and how, with the workers' logs: enough to diagnose a CI failure."""
    lines = [f"missing: {expected[k]}" for k in sorted(expected.keys() - actual.keys())]
    lines += [f"extra: {actual[k]}" for k in sorted(actual.keys() - expected.keys())]
    for key in sorted(expected.keys() & actual.keys()):
        fields = {f: (expected[key][f], actual[key].get(f)) for f in expected[key]
                  if expected[key][f] != actual[key].get(f)}
        if fields:
            lines.append(f"{key} {expected[key]['crn']} differs (replay, worker): {fields}")
    logs = [f"--- {w.log.name}\n{w.log.read_text()[-4000:]}" for w in workers]
    return "\n".join(lines[:40] + logs)


def test_worker_in_event_clock_mode_ends_with_exactly_replays_alerts(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    stream = simulated(60)
    report = replayed(stream)
    worker = run_through_worker(settings, workers, tmp_path / "w1", stream, report["asOf"])
    expected = {a["alertId"]: a for a in report["alerts"]}
    assert len(expected) > 100
    assert any(a["resolution"] == "WITHDRAWN" for a in expected.values())
    assert final_alerts(settings) == expected
    assert_faust_sensors_count(worker, settings, len(stream.splitlines()))


def assert_faust_sensors_count(worker: WorkerProcess, settings: Settings, events: int) -> None:
    """faust's sensors on the worker's /metrics, which the worker-health dashboard and the lag
    alert read: every event received, and the input's log end and commit at the last event."""
    scraped = samples(worker)

    def value(name: str, **labels: str) -> float:
        found = [sample.value for sample in scraped
                 if sample.name == name and labels.items() <= sample.labels.items()]
        assert found, name
        return sum(found)

    topic, partition = settings.events_topic, "0"
    assert value("faust_messages_received_per_topic_total", topic=topic) == events
    assert value("faust_topic_partition_end_offset", topic=topic, partition=partition) == events
    assert value("faust_topic_partition_offset_commited", topic=topic,
                 partition=partition) == events
    assert value("faust_total_events_total") >= events  # the ticks agent's too


def test_bad_messages_go_to_the_dead_letter_topic_with_reasons(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    valid = [allocated(at("2025-07-01")), contact(at("2025-07-02"), outcome="FAILED_TO_ATTEND")]
    bad = [
        b"{not json",
        json.dumps({**valid[1], "eventId": "x1", "eventType": "contact.deleted"}).encode(),
        json.dumps({**valid[1], "eventId": "x2", "occurredAt": "2025-07-02T10:00:00"}).encode(),
    ]
    lines = [json.dumps(valid[0]).encode(), *bad, json.dumps(valid[1]).encode()]
    stream = b"\n".join(lines) + b"\n"
    cli(settings, "topics", "create")
    cli(settings, "publish", "-", stdin=stream)
    start_worker(settings, workers, tmp_path / "w1")
    run_to_end(settings, workers, at("2025-07-20"))
    dead = read_topic(settings, settings.dead_letter_topic)
    assert [value for _, value, _ in dead] == bad  # unchanged
    reasons = [dict(headers)["casewatch-reason"].decode() for _, _, headers in dead]
    assert reasons[0].startswith("invalid JSON")
    assert reasons[1] == "unknown eventType 'contact.deleted'"
    assert reasons[2] == "timestamp without offset at occurredAt"
    expected = replay([json.dumps(v).encode() for v in valid], policy=Policy(),
                      as_of=datetime.fromisoformat(at("2025-07-20")), cohort=Cohort())
    assert expected["events"]["applied"] == 2
    alerts = final_alerts(settings)
    assert {a["ruleId"] for a in alerts.values()} >= {"I-EN-02", "A-KS-01"}
    assert alerts == {a["alertId"]: a for a in expected["alerts"]}


def test_a_worker_killed_mid_stream_recovers_without_losing_an_event(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    stream = simulated(500, seed=9)
    report = replayed(stream)
    first = publish_and_start(settings, workers, tmp_path / "w1", stream)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and committed_fraction(settings,
                                                             settings.events_topic) < 0.1:
        time.sleep(0.1)
    first.kill()  # SIGKILL: no clean shutdown, no final commit
    progress = committed_fraction(settings, settings.events_topic)
    assert 0 < progress < 1, f"killed at {progress:.0%}: too early or too late to test"
    second = start_worker(settings, workers, tmp_path / "w1")  # same local state directory
    run_to_end(settings, [second], report["asOf"])
    assert_standing_as_replayed(settings, report, workers)


def test_two_workers_over_four_partitions_agree_with_one(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    settings = replace(settings, partitions=4)
    stream = simulated(120, seed=13)
    report = replayed(stream)
    cli(settings, "topics", "create", "--regions", "north-east")
    start_worker(settings, workers, tmp_path / "w1")
    start_worker(settings, workers, tmp_path / "w2")
    wait_for_group(settings, members=2)
    cli(settings, "publish", "-", stdin=stream)
    run_to_end(settings, workers, report["asOf"])
    # Order independence (SPEC §1): whichever worker held a case, the standing alerts are
    # replay's. Which transient alerts were published and withdrawn depends on each
    # partition's clock, so those may differ.
    assert_standing_as_replayed(settings, report, workers)


def test_a_regional_subscriber_sees_only_its_regions_alerts(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    events = [allocated(at("2025-07-01"), crn="N000001", region="north-east"),
              allocated(at("2025-07-01"), crn="Y000001", region="yorkshire")]
    cli(settings, "topics", "create")
    cli(settings, "publish", "-", stdin=b"\n".join(json.dumps(e).encode() for e in events))
    start_worker(settings, workers, tmp_path / "w1")
    run_to_end(settings, workers, at("2025-08-01"))
    north_east = list(follow(settings, "north-east", from_beginning=True, group=None,
                             idle_exit=3))
    yorkshire = list(follow(settings, "yorkshire", from_beginning=True, group=None, idle_exit=3))
    assert north_east and yorkshire
    assert {a["crn"] for a in north_east} == {"N000001"}
    assert {a["crn"] for a in yorkshire} == {"Y000001"}
    text = cli(settings, "alerts", "follow", "--region", "yorkshire", "--from-beginning",
               "--idle-exit", "3")
    assert "Y000001" in text and "N000001" not in text


def test_in_wall_clock_mode_the_worker_ticks_its_own_partitions(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    settings = replace(settings, clock="wall")
    cli(settings, "topics", "create")
    cli(settings, "publish", "-", stdin=json.dumps(allocated(at("2025-07-01"))).encode())
    start_worker(settings, workers, tmp_path / "w1", CASEWATCH_TICK_SECONDS="1")
    deadline = time.monotonic() + 60
    def clock_ticks() -> list[str]:  # not the wake-ups it sends on taking partitions on
        return [json.loads(value)["now"] for _, value, _ in read_topic(
            settings, settings.ticks_topic) if value != WAKE]

    while time.monotonic() < deadline and len(clock_ticks()) < 2:
        time.sleep(1)
    ticks = clock_ticks()
    assert len(ticks) >= 2
    assert all(abs(time.time() - datetime.fromisoformat(t).timestamp()) < 120 for t in ticks)
    # Against today's wall clock every 2025 deadline has long passed.
    expected = {"A-KS-01", "A-KS-02", "A-EN-01", "P-EN-01", "I-EN-01"}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not expected <= {
        a["ruleId"] for a in final_alerts(settings).values()
    }:
        time.sleep(1)
    assert expected <= {a["ruleId"] for a in final_alerts(settings).values()}


def test_topics_are_created_with_compaction_for_alerts(
    settings: Settings, kafka: object
) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType

    from casewatch.kafka.admin import admin_client

    cli(settings, "topics", "create", "--regions", "north-east")
    admin = admin_client(settings)
    try:
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC,
                                                           settings.alerts_topic("north-east"))])
        text = str(described)
    finally:
        admin.close()
    assert "cleanup.policy" in text and "compact" in text
