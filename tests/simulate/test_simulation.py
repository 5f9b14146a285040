"""`casewatch simulate`: deterministic, valid, and its quality knob means something."""

import io
import itertools
import json
from datetime import date

import pytest

from casewatch.cli.main import main
from casewatch.replay.report import Cohort, EventTally, build_report
from casewatch.schemas.parse import parse_event
from casewatch.simulate.simulation import Simulation, write_jsonl
from tests.support.builders import run


def simulate(quality: float, seed: int = 3, cases: int = 120) -> list[str]:
    buffer = io.StringIO()
    write_jsonl(Simulation(cases=cases, seed=seed, start=date(2025, 4, 1), days=150,
                           quality=quality).events(), buffer)
    return buffer.getvalue().splitlines()


def test_same_seed_same_stream_and_another_seed_another() -> None:
    assert simulate(0.8) == simulate(0.8)
    assert simulate(0.8) != simulate(0.8, seed=4)


def test_a_simulation_too_big_to_sort_in_memory_streams_the_same_events() -> None:
    simulation = Simulation(cases=130, seed=5, start=date(2025, 4, 1), days=200, quality=0.7)
    whole, merged = io.StringIO(), io.StringIO()
    write_jsonl(simulation.events(), whole)
    write_jsonl(simulation.events(chunk_cases=17), merged)  # 8 chunks merged from files
    lines = whole.getvalue().splitlines()
    assert merged.getvalue().splitlines() == lines
    assert len(lines) > 2000 and len({json.loads(line)["crn"] for line in lines}) == 130


def test_every_simulated_event_is_valid_and_ids_are_unique() -> None:
    lines = simulate(0.6)
    events = [parse_event(line) for line in lines]
    assert len({e.eventId for e in events}) == len(events)
    assert len({e.crn for e in events if e.eventType == "case.allocated"}) == 120
    kinds = {e.eventType for e in events}
    assert {"case.allocated", "enquiry.responded", "contact.recorded", "assessment.completed",
            "plan.completed", "intelligence.received", "review.completed"} <= kinds


def test_the_stream_carries_late_data() -> None:
    events = [json.loads(line) for line in simulate(0.8)]
    times = [e["occurredAt"] for e in events]
    from datetime import datetime

    parsed = [datetime.fromisoformat(t) for t in times]
    assert any(later < earlier for earlier, later in itertools.pairwise(parsed))


def test_better_practice_rates_better() -> None:
    def score(quality: float) -> float:
        caseload = run([json.loads(line) for line in simulate(quality)])
        report = build_report(caseload, EventTally(), Cohort())
        ratios = [kq["ratio"] for kq in report["keyQuestions"] if kq["ratio"] is not None]
        return float(sum(ratios) / len(ratios))

    assert score(0.95) > score(0.75) > score(0.5)


def test_cases_carry_a_realistic_profile_and_a_disparity_can_be_planted(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--cases", "400", "--days", "60", "--plant", "gender=FEMALE"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    profiles = [e["detail"]["profile"] for e in events if e["eventType"] == "case.allocated"]
    assert len(profiles) == 400
    women = sum(p["gender"] == "FEMALE" for p in profiles) / len(profiles)
    white = sum(p["ethnicity"] == "WHITE" for p in profiles) / len(profiles)
    assert 0.08 <= women <= 0.18 and white >= 0.85
    assert {p["ageBand"] for p in profiles} <= {"18-25", "26-29", "30-39", "40-49", "50-59", "60+"}


def test_a_planted_group_must_exist(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["simulate", "--cases", "3", "--plant", "gender=WOMAN"])
    assert exited.value.code == 2
    assert "not DIMENSION=GROUP" in capsys.readouterr().err
