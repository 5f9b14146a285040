"""`casewatch worklist` as a manager runs it (SPEC §10): json, text and an html page."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from casewatch.cli.main import main
from tests.support.builders import allocated, at, event

TEAM_A, TEAM_B = "team-a", "team-b"


def history() -> list[dict[str, Any]]:
    """Three cases in team A (one with a CRITICAL curfew alert), one in team B, and a case
    allocated the day before as-of, whose first deadlines fall due within the horizon."""
    return [
        allocated(at("2025-07-01"), crn="A000001", rosh="LOW"),
        allocated(at("2025-07-01"), crn="A000002", rosh="VERY_HIGH",
                  practitioner={"id": "PR2", "grade": "PSO"}),
        allocated(at("2025-07-01"), crn="A000003", rosh="LOW"),
        event("requirement.added", at("2025-07-02"), crn="A000003", requirementId="rq1",
              type="CURFEW"),
        allocated(at("2025-07-01"), crn="B000001", rosh="HIGH", team=TEAM_B),
        allocated(at("2025-07-18"), crn="A000004", rosh="LOW"),
    ]


def worklist(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in history()) + "\n{broken\n")
    assert main(["worklist", str(path), "--as-of", "2025-07-21T09:00:00+01:00", *args]) == 0
    captured = capsys.readouterr()
    assert "1 lines rejected" in captured.err
    return captured.out


def test_json_is_the_documented_object_in_rank_order(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(worklist(tmp_path, capsys, "--format", "json", "--team", TEAM_A))
    assert doc["asOf"] == "2025-07-21T08:00:00Z"
    crns = [case["crn"] for case in doc["cases"]]
    assert crns == ["A000003", "A000002", "A000001"]  # CRITICAL, then VERY_HIGH RoSH
    first = doc["cases"][0]
    assert set(first) >= {"crn", "pdu", "team", "managerId", "rosh", "highestSeverity",
                          "oldestOpenedAt", "alerts"}
    assert first["highestSeverity"] == "CRITICAL" and first["managerId"] == "SPO1"
    assert set(first["alerts"][0]) >= {"alertId", "ruleId", "severity", "openedAt", "dueDate",
                                       "summary", "recommendedAction"}
    assert first["alerts"][0]["ruleId"] == "A-KS-07"
    # A000004 was allocated on Friday 18 July: its allocation enquiries are due 5 working days
    # later, on Friday 25 July, within a 5-day horizon from Monday 21 July.
    due = [d for d in doc["dueSoon"] if d["crn"] == "A000004"]
    assert {d["ruleId"] for d in due} >= {"A-KS-01", "A-KS-02"}
    assert all(set(d) >= {"crn", "team", "managerId", "ruleId", "dueDate", "summary"}
               for d in doc["dueSoon"])
    assert [d["dueDate"] for d in doc["dueSoon"]] == sorted(d["dueDate"] for d in doc["dueSoon"])
    assert all(d["team"] == TEAM_A for d in doc["dueSoon"])
    assert "B000001" not in crns


def test_a_shorter_horizon_lists_fewer_deadlines(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    five = json.loads(worklist(tmp_path, capsys, "--format", "json"))["dueSoon"]
    one = json.loads(worklist(tmp_path, capsys, "--format", "json", "--horizon", "1"))["dueSoon"]
    assert {d["crn"] for d in one} < {d["crn"] for d in five} or len(one) < len(five)
    assert all(d["dueDate"] <= "2025-07-22" for d in one)


def test_text_lists_cases_with_what_to_do(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = worklist(tmp_path, capsys, "--team", TEAM_A, "--limit", "2")
    assert out.splitlines()[0].startswith("Worklist — team-a, as of Mon 21 Jul 2025 09:00")
    assert out.index("A000003") < out.index("A000002")
    assert "A000001" not in out.split("Due in the next")[0]  # beyond --limit 2
    assert "… and 1 more cases" in out
    assert "→ " in out and "Due in the next 5 working days" in out


def test_every_row_says_who_holds_the_case(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A manager needs the practitioner of each case and of each deadline, in every format."""
    doc = json.loads(worklist(tmp_path, capsys, "--format", "json", "--team", TEAM_A))
    holders = {case["crn"]: case["practitionerId"] for case in doc["cases"]}
    assert holders == {"A000001": "PR1", "A000002": "PR2", "A000003": "PR1"}
    assert {d["practitionerId"] for d in doc["dueSoon"] if d["crn"] == "A000004"} == {"PR1"}
    text = worklist(tmp_path, capsys, "--team", TEAM_A)
    (line,) = [row for row in text.splitlines() if ". A000002  RoSH" in row]
    assert "practitioner PR2" in line
    due = [row for row in text.split("Due in the next")[1].splitlines() if "A000004" in row]
    assert due and all(row.endswith("(practitioner PR1)") for row in due)
    page = worklist(tmp_path, capsys, "--format", "html", "--team", TEAM_A)
    assert "practitioner PR2" in page and "<th>Practitioner</th>" in page


def test_bad_arguments_get_one_line_errors(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worklist", str(tmp_path / "missing.jsonl")]) == 2
    assert capsys.readouterr().err.strip().startswith("casewatch: cannot read")
    with pytest.raises(SystemExit):
        main(["worklist", "-", "--horizon", "many"])
    assert "not a number of working days" in capsys.readouterr().err


def test_html_is_one_self_contained_page_that_renders(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    page = worklist(tmp_path, capsys, "--format", "html")
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")
    chromium = shutil.which("chromium")
    assert chromium, "./run test installs chromium"
    path = tmp_path / "worklist.html"
    path.write_text(page)
    shown = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         path.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    for crn in ("A000001", "A000002", "A000003", "B000001", "A000004"):
        assert crn in shown
    assert shown.index("A000003") < shown.index("A000002")
    assert "Due in the next 5 working days" in shown
