"""`casewatch replay` as a user runs it (SPEC §7)."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from casewatch.cli.main import main
from casewatch.schemas.report import ReplayReport
from tests.support.builders import allocated, at, contact, enquiry


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def replay_json(path: Path | str, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main(["replay", str(path), "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_report_matches_the_documented_object(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    first = allocated(at("2025-07-01"))
    lines = [
        json.dumps(first),
        "",
        "{broken",
        json.dumps({**first, "version": 9}),
        json.dumps(first),  # duplicate
        json.dumps(contact(at("2025-07-02"))),
        "   ",
        json.dumps(enquiry(at("2025-07-02"), "POLICE_DOMESTIC_ABUSE", "q")),
    ]
    report = replay_json(write_lines(tmp_path / "events.jsonl", lines), capsys,
                         "--as-of", "2025-07-20T00:00:00+01:00")
    ReplayReport.model_validate(report)
    assert report["asOf"] == "2025-07-19T23:00:00Z"
    assert report["events"] == {"read": 6, "applied": 3, "duplicates": 1, "rejected": 2}
    assert report["rejected"] == [
        {"line": 3, "eventId": None, "reason": report["rejected"][0]["reason"]},
        {"line": 4, "eventId": first["eventId"], "reason": "unsupported version 9 (supported: 1)"},
    ]
    assert report["rejected"][0]["reason"].startswith("invalid JSON")
    # Police enquiry made, children's services not; the police one unanswered by 16 July.
    assert {a["ruleId"] for a in report["alerts"]} == {"A-KS-02", "A-KS-03"}
    assert len(report["keyQuestions"]) == 12 and len(report["standards"]) == 4
    assert report["caseSupervisionScore"]["max"] == 0  # nothing in scope yet
    assert set(report["pdus"]) == {"pdu-a"}


def test_clock_defaults_to_the_latest_event(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    lines = [json.dumps(allocated(at("2025-07-01"))), json.dumps(contact(at("2025-07-30")))]
    report = replay_json(write_lines(tmp_path / "e.jsonl", lines), capsys)
    assert report["asOf"] == "2025-07-30T09:00:00Z"


def test_an_as_of_before_the_latest_event_is_reported_not_honoured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [json.dumps(allocated(at("2025-07-01"))), json.dumps(contact(at("2025-07-30")))]
    assert main(["replay", str(write_lines(tmp_path / "e.jsonl", lines)), "--format", "json",
                 "--as-of", "2025-07-02T00:00:00Z"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["asOf"] == "2025-07-30T09:00:00Z"
    assert "before the latest event" in captured.err


def test_table_output_reads_like_the_inspection_table(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    lines = [json.dumps(allocated(at("2025-07-01"), rosh="HIGH")), "nonsense"]
    assert main(["replay", str(write_lines(tmp_path / "e.jsonl", lines)),
                 "--as-of", "2025-09-01T00:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "2.1 Assessment" in out and "2.4 Reviewing" in out
    assert "keeping other people safe" in out
    assert "Open alerts:" in out and "HIGH" in out
    assert "line 2: invalid JSON" in out


def test_standard_input_is_read_with_a_dash(tmp_path: Path) -> None:
    line = json.dumps(allocated(at("2025-07-01")))
    result = subprocess.run(
        [sys.executable, "-m", "casewatch", "replay", "-", "--format", "json"],
        input=line + "\n", capture_output=True, text=True, check=True,
    )
    assert json.loads(result.stdout)["events"]["applied"] == 1


def test_a_missing_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(tmp_path / "absent.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_input_without_any_valid_event_needs_an_as_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_lines(tmp_path / "e.jsonl", ["{}"])
    assert main(["replay", str(path)]) == 2
    assert "--as-of" in capsys.readouterr().err
    report = replay_json(path, capsys, "--as-of", "2025-07-01T00:00:00Z")
    assert report["events"] == {"read": 1, "applied": 0, "duplicates": 0, "rejected": 1}


def test_a_bad_policy_file_is_a_clear_error(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p.toml").write_text('[rules."A-KS-01"]\nweeks = 1\n')
    path = write_lines(tmp_path / "e.jsonl", [json.dumps(allocated(at("2025-07-01")))])
    assert main(["replay", str(path), "--policy", str(tmp_path / "p.toml")]) == 2
    assert "unknown parameter" in capsys.readouterr().err


def test_a_timestamp_argument_without_offset_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["replay", "x.jsonl", "--as-of", "2025-07-01T00:00:00"])
    assert "without offset" in capsys.readouterr().err


def test_bad_bytes_do_not_stop_a_replay(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"\xff\xfe garbage\n" + json.dumps(allocated(at("2025-07-01"))).encode()
                     + b"\n")
    report = replay_json(path, capsys)
    assert report["events"]["applied"] == 1
    assert report["rejected"][0]["line"] == 1
