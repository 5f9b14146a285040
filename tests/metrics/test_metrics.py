"""A real Prometheus scraping a running worker: the recording rules give the inspection's
numbers exactly as `casewatch replay` prints them for the same events."""

import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from casewatch.cli.main import main
from casewatch.kafka.settings import Settings
from tests.deploy.test_dashboards import panel_queries
from tests.support.live import WorkerProcess, run_through_worker
from tests.support.prometheus import prometheus
from tests.worker.test_worker import replayed, simulated


def test_recording_rules_equal_replay(settings: Settings, workers: list[WorkerProcess],
                                      tmp_path: Path) -> None:
    # A few bad lines too, so the dead-letter series exist as they would in production.
    stream = simulated(120, seed=21) + b'{"broken\n{"eventType": "contact.recorded"}\n'
    report = replayed(stream)
    worker = run_through_worker(settings, workers, tmp_path / "w1", stream, report["asOf"],
                                CASEWATCH_METRICS_SECONDS="1")
    with prometheus(tmp_path, [f"127.0.0.1:{worker.web_port}"]) as server:
        (pdu,) = report["pdus"]
        expected = report["pdus"][pdu]
        score = float(server.wait_for("pdu:casewatch_case_supervision:score")[0]["value"][1])
        # Let a scrape after the final refresh land, then compare everything at one instant.
        server.wait_for("casewatch_watermark_timestamp_seconds > 0")
        ratios = {(r["metric"]["standard"], r["metric"]["question"]): float(r["value"][1])
                  for r in server.query(f'pdu:casewatch_key_question:ratio{{pdu="{pdu}"}}')}
        ratings = {r["metric"]["standard"]: int(float(r["value"][1]))
                   for r in server.query(f'pdu:casewatch_standard:rating{{pdu="{pdu}"}}')}
        maximum = float(server.query("pdu:casewatch_case_supervision:max")[0]["value"][1])
        score = float(server.query("pdu:casewatch_case_supervision:score")[0]["value"][1])
        # Rates need a few scrapes; then every dashboard panel must show something.
        server.wait_for('count_over_time(up{job="casewatch-worker"}[1m]) >= 4')
        empty = [(board, title, expr) for board, title, expr in panel_queries()
                 if not server.query(expr)]
    # Exactly equal: both divide the same two integers in IEEE doubles.
    assert ratios == {(kq["standard"], kq["question"]): kq["ratio"]
                      for kq in expected["keyQuestions"] if kq["ratio"] is not None}
    assert ratings == {s["standard"]: s["score"] for s in expected["standards"]
                       if s["score"] is not None}
    assert (score, maximum) == (expected["caseSupervisionScore"]["score"],
                                expected["caseSupervisionScore"]["max"])
    assert empty == [], "dashboard panels without data"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The casewatch counts of an exposition, timings left out (they differ run to run), and
    the worker's own partition health too (replay has no partitions)."""
    found = {}
    for family in text_string_to_metric_families(text):
        if not family.name.startswith("casewatch_") or ("seconds" in family.name and (
            "watermark" not in family.name
        )) or family.name.startswith("casewatch_partition_"):
            continue
        for sample in family.samples:
            if sample.name.endswith("_created"):  # when the series was first touched
                continue
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_replay_metrics_out_equals_what_the_worker_exports(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    stream = simulated(60, seed=23) + b'{"broken\n'
    (tmp_path / "events.jsonl").write_bytes(stream)
    report = replayed(stream)
    assert main(["replay", str(tmp_path / "events.jsonl"), "--format", "json",
                 "--metrics-out", str(tmp_path / "replay.prom")]) == 0
    worker = run_through_worker(settings, workers, tmp_path / "w1", stream, report["asOf"],
                                CASEWATCH_METRICS_SECONDS="1")
    time.sleep(2.5)  # a metrics refresh after the last tick
    with urllib.request.urlopen(f"http://127.0.0.1:{worker.web_port}/metrics") as answer:
        exported = samples(answer.read().decode())
    batch = samples((tmp_path / "replay.prom").read_text())
    assert len(batch) > 100
    assert exported == batch
