"""Faults and disorder on a real broker: the standing alerts and the ratings still equal an
undisturbed run's (SPEC §1 order independence, §8 at-least-once delivery)."""

import json
import random
import time
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

from casewatch.cli.main import main
from casewatch.kafka.broker import Broker, free_port
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings
from casewatch.schemas.parse import Rejection, parse_event
from casewatch.worker.app import REASON_HEADER
from tests.metrics.test_metrics import samples
from tests.support.live import (
    WorkerProcess,
    cli,
    committed_fraction,
    publish_and_start,
    read_topic,
    run_through_worker,
    run_to_end,
    start_worker,
    wait_until_processed,
)
from tests.support.mutations import mutate
from tests.worker.test_worker import assert_standing_as_replayed, replayed, simulated


def ratings(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The key-question and caseload counts: what the ratings are computed from."""
    return {key: value for key, value in samples(text).items()
            if key[0] in ("casewatch_key_question_cases", "casewatch_cases_active")}


def test_a_shuffled_cohort_with_duplicates_ends_as_the_ordered_file(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    four = replace(settings, partitions=4)
    ordered = simulated(80, seed=13)
    lines = ordered.splitlines()
    rng = random.Random(13)
    mixed = lines + rng.sample(lines, len(lines) // 10)  # 10% sent twice
    rng.shuffle(mixed)
    report = replayed(ordered)
    (tmp_path / "ordered.jsonl").write_bytes(ordered)
    assert main(["replay", str(tmp_path / "ordered.jsonl"), "--format", "json",
                 "--metrics-out", str(tmp_path / "ordered.prom")]) == 0
    worker = run_through_worker(four, workers, tmp_path / "w1", b"\n".join(mixed) + b"\n",
                                report["asOf"], CASEWATCH_METRICS_SECONDS="1")
    assert_standing_as_replayed(four, report, workers)
    time.sleep(2.5)  # a metrics refresh after the last tick
    with urllib.request.urlopen(f"http://127.0.0.1:{worker.web_port}/metrics") as answer:
        exported = answer.read().decode()
    expected = ratings((tmp_path / "ordered.prom").read_text())
    assert len(expected) > 20
    assert ratings(exported) == expected
    duplicates = sum(v for (name, labels), v in samples(exported).items()
                     if name == "casewatch_events_total" and ("outcome", "duplicate") in labels)
    assert duplicates == len(mixed) - len(lines)


def history(settings: Settings) -> dict[str, list[dict[str, object]]]:
    """Every published state of every alert, in order, repeats of the same state dropped."""
    found: dict[str, list[dict[str, object]]] = {}
    for _, value, _ in read_topic(settings, settings.alerts_topic("north-east")):
        alert = json.loads(value)
        states = found.setdefault(alert["alertId"], [])
        if not states or states[-1] != alert:
            states.append(alert)
    return found


def assert_history_consistent(settings: Settings, report: dict[str, Any]) -> None:
    """Once de-duplicated, each alert's history ends in replay's final state (withdrawn ones
    aside, SPEC §1), and an alert once resolved never opens again."""
    final = {a["alertId"]: a for a in report["alerts"]}
    for alert_id, states in history(settings).items():
        statuses = [s["status"] for s in states]
        if "RESOLVED" in statuses:
            assert "OPEN" not in statuses[statuses.index("RESOLVED"):], (alert_id, states)
        if states[-1]["resolution"] != "WITHDRAWN":
            assert states[-1] == final[alert_id], (alert_id, states[-1], final.get(alert_id))


def test_redelivery_from_an_old_committed_offset_changes_nothing(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    stream = simulated(120, seed=17)
    report = replayed(stream)
    first = run_through_worker(settings, workers, tmp_path / "w1", stream, report["asOf"])
    before = history(settings)
    first.stop()
    # Rewind the group to the start, as an operator resetting offsets (or a lost commit) would.
    rewind = KafkaConsumer(**kafka_python(settings), group_id=settings.app_id,
                           enable_auto_commit=False)
    try:
        partition = TopicPartition(settings.events_topic, 0)
        rewind.commit({partition: OffsetAndMetadata(0, "", -1)})
    finally:
        rewind.close()
    again = start_worker(settings, workers, tmp_path / "w1")
    run_to_end(settings, [again], report["asOf"])
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{again.web_port}/metrics").read()
    duplicates = sum(v for (name, labels), v in samples(metrics.decode()).items()
                     if name == "casewatch_events_total" and ("outcome", "duplicate") in labels)
    assert duplicates == len(stream.splitlines())  # every event seen again, none applied twice
    assert_standing_as_replayed(settings, report, workers)
    assert_history_consistent(settings, report)
    assert {k: v[-1] for k, v in history(settings).items()} == {
        k: v[-1] for k, v in before.items()}


def test_a_worker_killed_while_a_tick_fans_out_recovers(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    stream = simulated(400, seed=19)
    report = replayed(stream)
    first = publish_and_start(settings, workers, tmp_path / "w1", stream)
    wait_until_processed(settings, [first])
    early = history(settings)
    cli(settings, "clock", "advance", report["asOf"])  # months of deadlines fall due at once
    time.sleep(0.3)
    first.kill()  # SIGKILL while the tick's breaches are published and its cases written
    assert sum(len(v) for v in early.values()) > 0
    again = start_worker(settings, workers, tmp_path / "w1")
    run_to_end(settings, [again], report["asOf"])
    assert_standing_as_replayed(settings, report, workers)
    assert_history_consistent(settings, report)


def test_the_broker_stopped_and_restarted_mid_stream(
    workers: list[WorkerProcess], tmp_path: Path
) -> None:
    broker = Broker(home=tmp_path / "kafka", port=free_port(), controller_port=free_port())
    broker.start()
    try:
        own = Settings().isolated("restart", broker.bootstrap, partitions=1, clock="event",
                                  state_dir=tmp_path / "state")
        stream = simulated(300, seed=21)
        report = replayed(stream)
        worker = publish_and_start(own, workers, tmp_path / "w1", stream)
        deadline = time.monotonic() + 120
        while committed_fraction(own, own.events_topic) < 0.2 and time.monotonic() < deadline:
            time.sleep(0.2)
        broker.stop()  # a clean broker shutdown, mid-stream
        time.sleep(5)
        broker.start()
        if worker.process.poll() is not None:
            # A worker may give up on a vanished broker: its supervisor restarts it.
            worker = start_worker(own, workers, tmp_path / "w1")
        run_to_end(own, [worker], report["asOf"])
        assert_standing_as_replayed(own, report, workers)
        assert_history_consistent(own, report)
        # The outage is in the log, but readably: repeats of a failure are collapsed.
        lines = (tmp_path / "w1.log").read_text().splitlines()
        assert len(lines) < 5000, len(lines)
    finally:
        for process in workers:
            process.stop()
        broker.stop()


def test_a_sample_of_mutated_inputs_is_dead_lettered_and_the_valid_events_take_effect(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    valid = simulated(60, seed=27)
    lines = valid.splitlines()
    events = [json.loads(line) for line in lines]
    rng = random.Random(27)
    bad: list[bytes] = []
    while len(bad) < 300:
        raw = mutate(rng.choice(events), rng)
        if not raw.strip() or b"\n" in raw or len(raw) > 900_000:
            continue  # blank lines are skipped, and the broker's limit is 1 MB a message
        try:
            parse_event(raw)
        except Rejection:
            bad.append(raw)
    mixed = list(lines)
    for raw in bad:
        mixed.insert(rng.randrange(len(mixed) + 1), raw)
    report = replayed(valid)
    run_through_worker(settings, workers, tmp_path / "w1", b"\n".join(mixed) + b"\n",
                       report["asOf"])
    assert_standing_as_replayed(settings, report, workers)
    dead = read_topic(settings, settings.dead_letter_topic)
    assert sorted(value for _, value, _ in dead) == sorted(bad)  # each, unchanged
    assert all(dict(headers)[REASON_HEADER] for _, _, headers in dead)
    assert workers[0].process.poll() is None  # never crashed


def test_a_rebalance_while_deadlines_fall_due_loses_nothing(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    four = replace(settings, partitions=4)
    stream = simulated(300, seed=29)
    report = replayed(stream)
    first = publish_and_start(four, workers, tmp_path / "w1", stream)
    wait_until_processed(four, [first])
    cli(four, "clock", "advance", report["asOf"])  # months of deadlines fall due on 4 partitions
    second = start_worker(four, workers, tmp_path / "w2")  # joins while they are published
    run_to_end(four, [first, second], report["asOf"])
    assert_standing_as_replayed(four, report, workers)
    assert_history_consistent(four, report)
