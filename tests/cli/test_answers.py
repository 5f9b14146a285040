"""Answers that must not mislead: an input or a flag that cannot give a true answer is a one-line
error with exit 2, never an empty answer that reads as "nothing to do", and never a traceback."""

import json
import os
from pathlib import Path

import pytest

from casewatch import __version__
from casewatch.cli.main import main
from tests.support.builders import allocated, at

AS_OF = "2025-07-21T09:00:00+01:00"


def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    cases = [allocated(at("2025-07-01"), crn="A000001"),
             allocated(at("2025-07-01"), crn="A000002", team="team-b"),
             allocated(at("2025-07-01"), crn="B000001", pdu="pdu-b", team="team-c")]
    path.write_text("".join(json.dumps(c) + "\n" for c in cases))
    return path


def refused(capsys: pytest.CaptureFixture[str], *argv: str, by_parser: bool = False) -> str:
    """The command's one line of error: it exits 2 and prints nothing on standard output."""
    if by_parser:  # argparse refuses a bad flag value itself, by SystemExit(2)
        with pytest.raises(SystemExit) as stop:
            main(list(argv))
        assert stop.value.code == 2
    else:
        assert main(list(argv)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err, captured.err
    return captured.err.strip().splitlines()[-1]


@pytest.mark.parametrize("command", ["worklist", "analyse"])
def test_a_pdu_that_holds_no_case_is_an_error_listing_the_pdus(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    line = refused(capsys, command, str(events_file(tmp_path)), "--pdu", "nosuchpdu")
    assert line == "casewatch: no case is held by PDU 'nosuchpdu'; PDUs: pdu-a, pdu-b"


def test_a_team_that_holds_no_case_is_an_error_listing_the_teams(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(capsys, "worklist", str(events_file(tmp_path)), "--team", "nosuchteam")
    assert line == "casewatch: no case is held by team 'nosuchteam'; teams: team-a, team-b, team-c"
    line = refused(capsys, "worklist", str(events_file(tmp_path)), "--pdu", "pdu-b", "--team",
                   "team-a")
    assert line == "casewatch: no case is held by team 'team-a' in PDU 'pdu-b'; teams: team-c"


def test_a_known_scope_still_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worklist", str(events_file(tmp_path)), "--team", "team-c", "--as-of", AS_OF,
                 "--format", "json"]) == 0
    assert [c["crn"] for c in json.loads(capsys.readouterr().out)["cases"]] == ["B000001"]


@pytest.mark.parametrize("command", ["worklist", "analyse"])
def test_an_input_with_no_valid_event_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    noise = tmp_path / "noise.bin"
    noise.write_bytes(os.urandom(4096).replace(b"\n", b"") + b"\n" + b"{}\n")
    line = refused(capsys, command, str(noise), "--as-of", AS_OF)
    assert line.startswith(f"casewatch: no line of {noise} is a valid case event (2 read, every "
                           "one rejected; line 1: invalid JSON")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert refused(capsys, command, str(empty), "--as-of", AS_OF) == \
        f"casewatch: {empty} holds no case events"


def test_replay_still_reports_an_input_of_bad_lines_as_spec_7_says(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    noise = tmp_path / "noise.jsonl"
    noise.write_text("{broken\n")
    assert main(["replay", str(noise), "--as-of", AS_OF, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["events"]["rejected"] == 1


@pytest.mark.parametrize(("command", "value"), [("worklist", "-1"), ("replay", "-1"),
                                                ("worklist", "ten")])
def test_a_negative_limit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     command: str, value: str) -> None:
    line = refused(capsys, command, str(events_file(tmp_path)), "--limit", value, by_parser=True)
    assert line.endswith(f"argument --limit: not a number of rows from 0 to 1000000: '{value}'")


def test_a_cohort_that_ends_before_it_starts_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(capsys, "replay", str(events_file(tmp_path)), "--cohort-from", "2025-05-01",
                   "--cohort-to", "2025-04-01")
    assert line == ("casewatch: --cohort-from 2025-05-01 is after --cohort-to 2025-04-01: no "
                    "case could be in the cohort")


def test_a_binary_or_absurd_policy_file_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = str(events_file(tmp_path))
    policy = tmp_path / "policy.toml"
    policy.write_bytes(b"\x00\xff\xfe" + os.urandom(64))
    assert refused(capsys, "replay", events, "--policy", str(policy)) == \
        f"casewatch: policy: {policy} is not a TOML file (not UTF-8 text)"
    policy.write_text('[rules."A-KS-01"]\nworking_days = 100000000\n')
    assert refused(capsys, "worklist", events, "--policy", str(policy)) == (
        "casewatch: policy: rules.A-KS-01.working_days must be a whole number from 1 to 1000, "
        "not 100000000")


def test_a_binary_manager_directory_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "managers.toml"
    directory.write_bytes(b"\xff\xfe\x00" + os.urandom(64))
    assert refused(capsys, "managers", "template", str(directory)) == \
        f"casewatch: {directory} is not a TOML file (not UTF-8 text)"


def test_the_version_is_said(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"casewatch {__version__}\n"
    assert __version__[0].isdigit()


@pytest.mark.parametrize("command", ["replay", "analyse"])
def test_table_and_text_are_one_format(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       command: str) -> None:
    outputs = []
    for name in ("table", "text"):
        assert main([command, str(events_file(tmp_path)), "--as-of", AS_OF, "--format",
                     name]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and outputs[0].strip()
