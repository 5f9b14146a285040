"""The PDU head's page says what its numbers are (SPEC §12): breaches measured and titled as
breaches, coloured by direction, every measure charted, suppressed groups named as suppressed,
and "not enough data" where there is none, rather than "no difference"."""

import re
from datetime import UTC, datetime
from typing import Any

from casewatch.analysis.document import AnalysisCounts, analysis_document, count_analysis
from casewatch.analysis.page import html
from casewatch.engine.worklist import Scope
from tests.support.builders import allocated, assessment, at, enquiry, response, run

NOW = datetime(2025, 9, 1, tzinfo=UTC)


def page(events: list[dict[str, Any]]) -> str:
    caseload = run(events, NOW.isoformat())
    counts = AnalysisCounts()
    counts.absorb(count_analysis(Scope(), caseload))
    return html(analysis_document(NOW, Scope(), counts, disclosure=True))


def cohort(profiles: dict[str, int], breaching: dict[str, int]) -> list[dict[str, Any]]:
    """`profiles[g]` cases of ethnicity g, the first `breaching[g]` of them with an assessment
    that leaves out the police's answer it held (A-KS-05), the rest with one that uses it."""
    events: list[dict[str, Any]] = []
    number = 0
    for group, size in profiles.items():
        for index in range(size):
            number += 1
            crn = f"A{number:06d}"
            events.append(allocated(at("2025-07-01"), crn=crn, registrations=["ADVP"],
                                    profile={"ethnicity": group, "gender": "MALE",
                                             "ageBand": "30-39"}))
            used = [] if index < breaching.get(group, 0) else ["POLICE_DOMESTIC_ABUSE"]
            events += [enquiry(at("2025-07-01"), "POLICE_DOMESTIC_ABUSE", f"q{number}", crn),
                       response(at("2025-07-03"), f"q{number}", crn=crn),
                       assessment(at("2025-07-10"), crn=crn, sourcesUsed=used)]
    return events


def test_no_profile_data_is_not_enough_data_rather_than_no_difference() -> None:
    shown = page([allocated(at("2025-07-01"), crn=f"A{n:06d}") for n in range(1, 40)])
    assert "Not enough data" in shown
    assert "None: no group's interval" not in shown


def test_suppressed_groups_are_named_as_suppressed() -> None:
    shown = page(cohort({"WHITE": 60, "BLACK": 40, "ASIAN": 4, "MIXED": 3},
                        {"WHITE": 10, "BLACK": 30}))
    (note,) = re.findall(r"Suppressed, so not charted: ([A-Z, ]+) \(", shown)
    assert note == "ASIAN, MIXED"


def test_charts_and_marks_follow_the_direction_and_name_the_breach() -> None:
    worse = page(cohort({"WHITE": 60, "BLACK": 40}, {"WHITE": 10, "BLACK": 30}))
    better = page(cohort({"WHITE": 60, "BLACK": 40}, {"WHITE": 50, "BLACK": 10}))
    assert 'class="worse"' in worse and "more breaches" in worse and 'class="better"' not in worse
    assert 'class="better"' in better and "fewer breaches" in better
    assert "#d4351c" in worse.split("<h3>Marked differences")[0].split("Disproportionality")[1]
    for shown in (worse, better):
        assert "safeguarding information not used (A-KS-05)" in shown
        assert "safeguarding information used" not in shown  # titled by the breach
        assert "2.1 keeping other people safe: No" in shown  # key questions charted too
