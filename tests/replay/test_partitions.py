"""A replay split into partitions of cases gives the report one caseload gives, and the
worklist and analysis of the cases in scope."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casewatch.analysis.document import (
    AnalysisCounts,
    analysis_document,
    build_analysis,
    count_analysis,
)
from casewatch.cli.main import main
from casewatch.delivery.worklist import build_worklist, worklist_document, worklist_rows
from casewatch.engine.policy import Policy
from casewatch.engine.worklist import Scope
from casewatch.progress import Progress
from casewatch.replay.evaluate import EmptyReplay, evaluate, replay, summarise
from casewatch.replay.partitions import (
    MOST_PARTITIONS,
    PARTITION_BYTES,
    STREAM_PARTITIONS,
    partition_of,
    partitions_for,
    replay_in_partitions,
    summarise_in_partitions,
)
from casewatch.replay.report import Cohort
from casewatch.simulate.simulation import Simulation, write_jsonl
from tests.support.builders import allocated, at, contact
from tests.support.strategies import AS_OF, BASE, caseload_history

BAD_LINES = (b"{broken\n", b"{}\n", b"   \n", b'{"eventId": "x", "version": 9}\n')


@st.composite
def input_lines(draw: st.DrawFn) -> list[bytes]:
    """A caseload's events in any order, with late events, repeats of an eventId (some with a
    later time, which must not move the clock) and bad or blank lines among them."""
    events = draw(st.permutations(draw(caseload_history())))
    for _ in range(draw(st.integers(0, 4)) if events else 0):
        original = draw(st.sampled_from(events))
        later = datetime.fromisoformat(original["occurredAt"]) + timedelta(
            days=draw(st.integers(0, 120)))
        copy = {**original, "occurredAt": later.isoformat()}
        events.insert(draw(st.integers(events.index(original) + 1, len(events))), copy)
    lines = [json.dumps(e).encode() + b"\n" for e in events]
    for _ in range(draw(st.integers(0, 3))):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(BAD_LINES)))
    return lines


def in_memory(lines: list[bytes], as_of: datetime | None, cohort: Cohort) -> Any:
    try:
        return json.loads(json.dumps(replay(lines, policy=Policy(), as_of=as_of, cohort=cohort)))
    except EmptyReplay as error:
        return str(error)


def in_partitions(lines: list[bytes], as_of: datetime | None, cohort: Cohort,
                  partitions: int) -> Any:
    try:
        with replay_in_partitions(lines, policy=Policy(), as_of=as_of, cohort=cohort,
                                  partitions=partitions) as report:
            return json.loads(json.dumps({**report, "alerts": list(report["alerts"])}))
    except EmptyReplay as error:
        return str(error)


@settings(max_examples=150, deadline=None)
@given(lines=input_lines(), partitions=st.integers(2, 5),
       as_of=st.sampled_from((None, AS_OF, (BASE + timedelta(days=40)).isoformat())),
       cohort=st.sampled_from((Cohort(), Cohort(date(2025, 3, 4), None),
                               Cohort(None, date(2025, 3, 4)))))
def test_partitions_give_the_report_one_caseload_gives(
    lines: list[bytes], partitions: int, as_of: str | None, cohort: Cohort
) -> None:
    moment = datetime.fromisoformat(as_of) if as_of else None
    assert in_partitions(lines, moment, cohort, partitions) == in_memory(lines, moment, cohort)


def worklist_and_analysis(lines: list[bytes], as_of: datetime | None, scope: Scope,
                          partitions: int, jobs: int = 1) -> Any:
    """What `casewatch worklist` and `analyse` (exact counts) build for `scope`, from rows and
    counts of the whole caseload in memory (one partition) or of each partition."""
    try:
        if partitions == 1:
            rows, tally, now = summarise(lines, policy=Policy(), as_of=as_of,
                                         summary=partial(worklist_rows, scope, 5))
            counted, _, _ = summarise(lines, policy=Policy(), as_of=as_of,
                                      summary=partial(count_analysis, scope))
        else:
            rows, tally, now = summarise_in_partitions(
                lines, policy=Policy(), as_of=as_of, partitions=partitions, jobs=jobs,
                summary=partial(worklist_rows, scope, 5))
            counted, _, _ = summarise_in_partitions(
                lines, policy=Policy(), as_of=as_of, partitions=partitions, jobs=jobs,
                summary=partial(count_analysis, scope))
            assert len(rows) == len(counted) == partitions
    except EmptyReplay as error:
        return str(error)
    counts = AnalysisCounts()
    for part in counted:
        counts.absorb(part)
    return json.loads(json.dumps({
        "worklist": worklist_document(now, scope, 5, rows),
        "analysis": analysis_document(now, scope, counts, disclosure=False),
        "published": analysis_document(now, scope, counts),
        "rejected": tally.rejected,
    }))


@settings(max_examples=100, deadline=None)
@given(lines=input_lines(), partitions=st.integers(2, 5),
       as_of=st.sampled_from((None, AS_OF, (BASE + timedelta(days=40)).isoformat())),
       scope=st.sampled_from((Scope(), Scope("pdu-a"), Scope("pdu-b", "team-b"),
                              Scope(None, "team-a"))))
def test_partitions_give_the_worklist_and_analysis_one_caseload_gives(
    lines: list[bytes], partitions: int, as_of: str | None, scope: Scope
) -> None:
    moment = datetime.fromisoformat(as_of) if as_of else None
    assert (worklist_and_analysis(lines, moment, scope, partitions)
            == worklist_and_analysis(lines, moment, scope, 1))


@pytest.mark.parametrize("scope", [Scope("tees-valley"), Scope()])
def test_a_simulated_regions_worklist_and_analysis_from_partitions_and_jobs(scope: Scope) -> None:
    """On a simulated region, from 4 partitions replayed here or by two forked processes
    (which send their rows and counts back pickled, rules by id): the documents of one
    caseload, which are not empty."""
    stream = io.StringIO()
    write_jsonl(Simulation(cases=150, seed=5, start=date(2025, 4, 1), days=200,
                           quality=0.6).events(), stream)
    lines = [line.encode() + b"\n" for line in stream.getvalue().splitlines()]
    everything, _ = evaluate(lines, policy=Policy(), as_of=None)
    worklist = build_worklist(everything, scope, 5)
    analysis = build_analysis(everything, scope, disclosure=False)
    assert worklist["cases"] and worklist["dueSoon"]
    assert analysis["oversight"]["teams"] and analysis["needs"][0]["cases"]
    expected = worklist_and_analysis(lines, None, scope, 1)
    assert expected["worklist"] == json.loads(json.dumps(worklist))
    assert expected["analysis"] == json.loads(json.dumps(analysis))
    for jobs in (1, 2):
        assert worklist_and_analysis(lines, None, scope, 4, jobs) == expected


@pytest.mark.parametrize("command", [["worklist", "--team", "county-durham-darlington-team-2"],
                                     ["analyse", "--pdu", "county-durham-darlington"]])
def test_a_piped_worklist_or_analysis_is_partitioned_and_reads_like_one_from_a_file(
    tmp_path: Path, command: list[str]
) -> None:
    stream = io.StringIO()
    write_jsonl(Simulation(cases=120, seed=9, start=date(2025, 4, 1), days=150,
                           quality=0.6).events(), stream)
    path = tmp_path / "events.jsonl"
    path.write_text("{broken\n" + stream.getvalue())
    run = [sys.executable, "-m", "casewatch", *command, "--format", "json"]
    from_file = subprocess.run([*run, str(path)], capture_output=True, text=True, check=True)
    piped = subprocess.run([*run, "-"], input=path.read_text(), capture_output=True, text=True,
                           check=True)
    chosen = subprocess.run([*run, "--partitions", "3", str(path)], capture_output=True,
                            text=True, check=True)
    assert piped.stdout == from_file.stdout == chosen.stdout
    assert piped.stderr == from_file.stderr == chosen.stderr
    assert "1 lines rejected" in piped.stderr
    assert json.loads(piped.stdout)["scope"] != {}


def test_each_case_is_in_one_partition_and_cases_spread() -> None:
    crns = [f"X{n:06d}" for n in range(1_000)]
    counts = [0] * 8
    for crn in crns:
        assert partition_of(crn, 8) == partition_of(crn, 8)
        counts[partition_of(crn, 8)] += 1
    assert min(counts) > 1_000 / 8 / 2  # no partition left nearly empty


def test_input_size_decides_the_partitions() -> None:
    assert partitions_for(0) == 1
    assert partitions_for(PARTITION_BYTES) == 1
    assert partitions_for(PARTITION_BYTES + 1) == 2
    assert partitions_for(10**15) == MOST_PARTITIONS
    assert partitions_for(None) == STREAM_PARTITIONS


def test_a_piped_replay_is_partitioned_and_reads_like_one_from_a_file(tmp_path: Path) -> None:
    """A pipe's size is unknown, so `casewatch replay -` replays in partitions; a small file is
    replayed in memory. Both print the same report, and the same warning for an early --as-of."""
    lines = [json.dumps(allocated(at("2025-07-01"), crn=f"X{n:06d}")) for n in range(40)]
    lines += ["{broken", json.dumps(contact(at("2025-07-30"), crn="X000003"))]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    command = [sys.executable, "-m", "casewatch", "replay", "--format", "json",
               "--as-of", "2025-07-02T00:00:00+01:00"]
    from_file = subprocess.run([*command, str(path)], capture_output=True, text=True, check=True)
    piped = subprocess.run([*command, "-"], input=path.read_text(), capture_output=True,
                           text=True, check=True)
    assert piped.stdout == from_file.stdout
    assert piped.stderr == from_file.stderr
    assert "is before the latest event" in piped.stderr
    report = json.loads(piped.stdout)
    assert report["events"] == {"read": 42, "applied": 41, "duplicates": 0, "rejected": 1}
    assert len({a["crn"] for a in report["alerts"]}) == 40


def test_processes_side_by_side_give_the_same_report() -> None:
    """Partitions replayed by forked processes (`--jobs`) give the one caseload's report."""
    stream = io.StringIO()
    write_jsonl(Simulation(cases=150, seed=5, start=date(2025, 4, 1), days=200,
                           quality=0.6).events(), stream)
    lines = [line.encode() + b"\n" for line in stream.getvalue().splitlines()]
    lines.insert(30, b"{broken\n")
    lines.insert(60, lines[10])  # a duplicate
    expected = in_memory(lines, None, Cohort())
    with replay_in_partitions(lines, policy=Policy(), as_of=None, cohort=Cohort(), partitions=5,
                              jobs=2) as report:
        actual = json.loads(json.dumps({**report, "alerts": list(report["alerts"])}))
    assert actual == expected
    assert len(expected["alerts"]) > 100 and expected["events"]["duplicates"] == 1


@pytest.mark.parametrize("partitions", [2, 7])
def test_no_valid_event_and_no_as_of_is_the_same_error(partitions: int) -> None:
    with pytest.raises(EmptyReplay), replay_in_partitions(
        [b"{broken\n"], policy=Policy(), as_of=None, cohort=Cohort(), partitions=partitions
    ):
        pass


def test_a_second_bar_follows_the_cases_through_their_partitions() -> None:
    lines = [json.dumps(allocated(at("2025-07-01"), crn=f"X{n:06d}")).encode() + b"\n"
             for n in range(20)]
    screen = io.StringIO()
    reading = Progress(sum(map(len, lines)), "replay", stream=screen)
    with replay_in_partitions(lines, policy=Policy(), as_of=None, cohort=Cohort(), partitions=3,
                              progress=reading) as report:
        assert len(list(report["alerts"])) == 0
    bars = [line.rsplit("\r", 1)[-1] for line in screen.getvalue().split("\n")[:-1]]
    assert [bar.split(" [")[0].strip() for bar in bars] == ["replay", "replay: cases"]
    assert all("100.0%" in bar for bar in bars)


def test_bad_partition_settings_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(allocated(at("2025-07-01"))) + "\n")
    with pytest.raises(SystemExit):
        main(["replay", str(path), "--partitions", "0"])
    assert "not a number of partitions from 1 to 256: '0'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["replay", str(path), "--jobs", "many"])
    assert "not a number of jobs from 1 to 64: 'many'" in capsys.readouterr().err
    assert main(["replay", str(path), "--partitions", "3",
                 "--metrics-out", str(tmp_path / "m.prom")]) == 2
    assert capsys.readouterr().err == (
        "casewatch: --metrics-out replays in memory: leave out --partitions\n")


@pytest.mark.parametrize("command", ["replay", "worklist", "analyse"])
def test_a_replay_stopped_by_sigterm_removes_its_partition_files(tmp_path: Path,
                                                                 command: str) -> None:
    """The partition files hold case events, so they must not outlive a stopped replay."""
    replay_command = [sys.executable, "-m", "casewatch", command, "-"]
    child = subprocess.Popen(replay_command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert child.stdin is not None
    child.stdin.write(json.dumps(allocated(at("2025-07-01"))).encode() + b"\n")
    child.stdin.flush()  # and left open: the replay waits for more, its partitions filed
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob("casewatch-replay-*/events-0")):
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []
    child.stdin.close()
