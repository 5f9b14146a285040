"""`casewatch ingest hmpps --from FILE|-` (SPEC §13, offline): casewatch events on standard
output in input order, refusals and skipped types on standard error, exit 0 whenever the input
could be read; its output replays with `casewatch replay`."""

import io
import json
import random
from pathlib import Path

import pytest

from casewatch.cli.ingest import translate
from casewatch.cli.main import main
from casewatch.kafka.settings import Settings
from casewatch.schemas.parse import parse_event
from tests.support.builders import allocated, at
from tests.support.hmpps import (
    allocation,
    allocation_detail,
    domain_event,
    fuzzed,
    line,
    notification,
    registration,
)
from tests.support.hmpps_apis import SECRET, StandIn


def bodies() -> list[bytes]:
    return [
        line(notification(registration(code="ADVP"), "m-1")),
        b"{broken",
        line(domain_event("probation-case.engagement.created")),
        line(registration("probation-case.registration.deregistered", code="ADVP",
                          occurred_at="2025-07-20T09:00:00Z")),
        line(notification(domain_event("assessment.summary.produced"), "m-2",
                          attribute="risk-assessment.scores.determined")),
        b"",
        line(registration(code="MAPP", crn="X1234", registrationLevelCode="M2")),
    ]


def test_the_offline_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dump = tmp_path / "queue.jsonl"
    dump.write_bytes(b"\n".join(bodies()) + b"\n")
    assert main(["ingest", "hmpps", "--from", str(dump)]) == 0
    captured = capsys.readouterr()
    events = [json.loads(text) for text in captured.out.splitlines()]
    assert [(e["eventId"], e["eventType"]) for e in events] == [
        ("hmpps:m-1", "registration.added"),
        (events[1]["eventId"], "registration.removed")]
    assert captured.err.splitlines() == [
        "line 2: not JSON",
        "line 7: bad CRN in personReference",
        "ingest: 2 bodies mapped to 2 events, 2 refused",
        "ingest: skipped 1 of types casewatch does not use: probation-case.engagement.created 1",
        "ingest: skipped 1 needing a detail fetch (CASEWATCH_DETAIL_HOSTS not set): "
        "assessment.summary.produced 1",
    ]
    assert "Jane" not in captured.out + captured.err


def test_its_output_replays(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A queue's dump, with the case's allocation from casewatch's own contract, replays: the DA
    flag set by the registration, then removed."""
    dump = tmp_path / "queue.jsonl"
    dump.write_bytes(b"\n".join(bodies()) + b"\n")
    assert main(["ingest", "hmpps", "--from", str(dump)]) == 0
    mapped = capsys.readouterr().out
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps(allocated(at("2025-06-30"))) + "\n" + mapped)
    assert main(["replay", str(events), "--format", "json", "--as-of",
                 "2025-07-25T00:00:00Z"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["events"] == {"read": 3, "applied": 3, "duplicates": 0, "rejected": 0}


def test_standard_input_and_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["ingest", "hmpps", "--from", str(tmp_path / "absent.jsonl")]) == 2
    assert capsys.readouterr().err.startswith("casewatch: cannot read")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(bodies()[0] + b"\n")))
    assert main(["ingest", "hmpps", "--from", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["eventId"] == "hmpps:m-1"


def test_detail_hosts_without_credentials_are_refused_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWATCH_DETAIL_HOSTS", "https://oasys.example")
    assert main(["ingest", "hmpps", "--from", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == ("casewatch: CASEWATCH_DETAIL_HOSTS needs CASEWATCH_HMPPS_AUTH_URL and "
                   "CASEWATCH_HMPPS_CLIENT_ID and CASEWATCH_HMPPS_CLIENT_SECRET_FILE\n")
    monkeypatch.setenv("CASEWATCH_DETAIL_HOSTS", "https://oasys.example/eor")
    for name in ("AUTH_URL", "CLIENT_ID", "CLIENT_SECRET_FILE"):
        monkeypatch.setenv(f"CASEWATCH_HMPPS_{name}", str(tmp_path))
    assert main(["ingest", "hmpps", "--from", str(tmp_path)]) == 2
    assert "is not a readable file" in capsys.readouterr().err


def test_mutated_bodies_never_crash_echo_free_text_or_lose_a_valid_one() -> None:
    """2,000 bodies mutated as producers go wrong, between valid ones (./run bench fuzz-ingest
    runs 100,000): each is mapped or refused in one line, and every valid body still maps."""
    stream, expected = fuzzed(2_000, random.Random(25))
    out, err = io.StringIO(), io.StringIO()
    translate(io.BytesIO(b"\n".join(stream) + b"\n"), out, err)
    events = [json.loads(text) for text in out.getvalue().splitlines()]
    for event in events:
        parse_event(json.dumps(event))
    ids = [e["eventId"] for e in events]
    assert [i for i in ids if i.startswith("hmpps:good-")] == expected
    assert "Jane" not in out.getvalue() + err.getvalue()
    lines = err.getvalue().splitlines()
    assert all(text.startswith(("line ", "ingest: ")) for text in lines)
    assert sum(text.startswith("line ") for text in lines) > 500  # most mutations are refused


def test_with_detail_hosts_the_detail_types_are_fetched_and_failures_said_by_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        detail_api: StandIn, elsewhere: StandIn) -> None:
    settings = detail_api.settings(Settings(), tmp_path, {"N07ABC": ("north-east", "pdu-a")})
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    detail_api.pages["/allocation/person/a1"] = allocation_detail("X100001")
    detail_api.failing["/allocation/person/a2"] = 1
    dump = tmp_path / "dump.jsonl"
    dump.write_bytes(b"\n".join([
        line(notification(allocation("X100001", "a1", detail_api.url), "m-1")),
        line(notification(allocation("X100002", "a2", detail_api.url), "m-2")),
        line(notification(allocation("X100003", "a3", elsewhere.url), "m-3")),
    ]) + b"\n")
    assert main(["ingest", "hmpps", "--from", str(dump)]) == 0
    out, err = capsys.readouterr()
    (event,) = [json.loads(text) for text in out.splitlines()]
    assert event["eventType"] == "case.allocated" and event["detail"]["pdu"] == "pdu-a"
    assert err.splitlines() == [
        "line 2: the detail host failed (HTTP 503)",
        "line 3: detailUrl host is not on CASEWATCH_DETAIL_HOSTS",
        "ingest: 1 bodies mapped to 1 events, 1 refused, 1 whose detail could not be fetched"]
    assert elsewhere.requests == 0 and SECRET not in out + err
