"""Disproportionality finds a planted disparity, flags about one pair in twenty by chance, and
reads profiles as SPEC §12 says."""

import json
from datetime import date

from casewatch.analysis.disproportionality import Row, disproportionality
from casewatch.analysis.profile import profiled
from casewatch.engine.caseload import Caseload
from casewatch.schemas.parse import parse_event
from casewatch.simulate.simulation import Simulation
from tests.support.builders import allocated, run


def analysed(cases: int, seed: int, plant: tuple[str, str] | None = None) -> list[Row]:
    caseload = Caseload()
    for event in Simulation(cases=cases, seed=seed, start=date(2025, 4, 1), days=182,
                            quality=0.7, plant=plant).events():
        caseload.apply(parse_event(json.dumps(event)))
    assert caseload.now is not None
    now = caseload.now
    return disproportionality(p for p in (profiled(c, now) for c in caseload.cases.values()) if p)


def test_a_planted_disparity_is_flagged_and_its_interval_excludes_1() -> None:
    rows = analysed(2000, seed=5, plant=("gender", "FEMALE"))
    women = next(r for r in rows if (r.dimension, r.group, r.measure) ==
                 ("gender", "FEMALE", "A-KS-05"))
    assert women.flagged and women.ci_low is not None and women.ci_low > 1
    assert women.rri is not None and women.rri > 1.2
    men = next(r for r in rows if (r.dimension, r.group, r.measure) ==
               ("gender", "MALE", "A-KS-05"))
    assert men.rri == 1.0 and not men.flagged  # the reference group
    assert women.rate is not None and men.rate is not None and women.rate > men.rate


def test_with_no_disparity_about_one_pair_in_twenty_is_flagged() -> None:
    """Ten cohorts with no planted difference: each (group, measure) pair with an interval is
    flagged when its 95% interval excludes 1, so by chance about 5% are (measured: 5.5%)."""
    flagged = pairs = 0
    for seed in range(100, 110):
        rows = [r for r in analysed(1000, seed) if r.ci_low is not None]
        flagged += sum(r.flagged for r in rows)
        pairs += len(rows)
    assert pairs > 900
    assert 0.02 <= flagged / pairs <= 0.10


def test_values_outside_the_lists_or_none_count_as_not_stated() -> None:
    caseload = run([
        allocated("2025-07-01T09:00:00+00:00", crn="X000001",
                  profile={"ethnicity": "BLACK", "gender": "female", "ageBand": "60+"}),
        allocated("2025-07-01T09:00:00+00:00", crn="X000002"),
    ], "2025-07-02T00:00:00+00:00")
    assert caseload.now is not None
    first = profiled(caseload.cases["X000001"], caseload.now)
    second = profiled(caseload.cases["X000002"], caseload.now)
    assert first is not None and second is not None
    assert dict(first.groups) == {"ethnicity": "BLACK", "gender": "NOT_STATED", "ageBand": "60+"}
    assert set(second.groups.values()) == {"NOT_STATED"}


def test_small_groups_are_suppressed_with_what_is_computed_from_them() -> None:
    rows = analysed(300, seed=7)
    for row in rows:
        if row.cases is None:
            assert row.rate is None and row.rri is None and not row.flagged
        else:
            assert row.cases >= 10 and row.cases % 5 == 0
