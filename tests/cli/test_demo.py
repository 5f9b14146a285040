"""Without Java, the streaming demo says so and asks ./run demo to fall back to replay."""

from pathlib import Path

import pytest

from casewatch.cli.main import main
from casewatch.kafka import broker


def test_the_demo_reports_a_missing_java_and_asks_for_the_fallback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("casewatch.kafka.broker.shutil.which", lambda name: None)
    monkeypatch.setattr(broker.Broker, "running", lambda self: False)
    events = tmp_path / "events.jsonl"
    events.write_text("")
    assert main(["demo", str(events), "--workdir", str(tmp_path)]) == 3
    assert "Java 17 or later is needed" in capsys.readouterr().err


def test_run_demo_falls_back_to_replay_on_that_status() -> None:
    script = (Path(__file__).resolve().parents[2] / "run").read_text()
    assert 'if [[ $status -eq 3 ]]' in script and 'casewatch" replay' in script
