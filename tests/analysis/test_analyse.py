"""`casewatch analyse` (SPEC §12): its JSON, its disclosure control, and its exact mode."""

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from casewatch.cli.main import main
from casewatch.simulate.simulation import Simulation, write_jsonl


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("analyse") / "cohort.jsonl"
    with path.open("w") as stream:
        write_jsonl(Simulation(cases=600, seed=21, start=date(2025, 4, 1), days=150,
                               quality=0.7).events(), stream)
    return path


def analyse(cohort: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["analyse", str(cohort), "--format", "json", *args]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert isinstance(doc, dict)
    return doc


def counts(doc: dict[str, Any]) -> list[int | None]:
    """Every count of people or alerts in the document."""
    found: list[int | None] = []
    for row in doc["needs"]:
        found += [row[k] for k in ("cases", "referred", "started", "notReferred")]
    found += [row["cases"] for row in doc["disproportionality"]]
    for kind in ("teams", "managers"):
        for row in doc["oversight"][kind]:
            found += [row[k] for k in ("cases", "highRiskCases", "openI-KS-03", "openO-KS-01",
                                       "openHighAndCritical")]
    return found


def test_the_document_is_spec_s(cohort: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = analyse(cohort, capsys)
    assert {"asOf", "needs", "disproportionality", "oversight"} <= set(doc)
    assert {"need", "service", "cases", "referred", "started", "notReferred"} == set(
        doc["needs"][0])
    assert {"dimension", "group", "cases", "measure", "rate", "rri", "ciLow", "ciHigh",
            "flagged"} == set(doc["disproportionality"][0])
    measures = {row["measure"] for row in doc["disproportionality"]}
    assert {"2.1 keeping_safe", "2.4 engaging", "A-KS-05", "I-KS-01", "I-DS-03"} <= measures
    assert len(measures) == 15
    assert {"teams", "managers"} == set(doc["oversight"])


def test_no_count_below_10_is_shown_and_others_are_rounded(
        cohort: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = counts(analyse(cohort, capsys))
    assert None in found  # the cohort has small groups: something was suppressed
    assert all(n is None or (n >= 10 and n % 5 == 0) for n in found)
    doc = analyse(cohort, capsys)
    for row in doc["disproportionality"]:
        if row["cases"] is None:
            assert row["rate"] is None and row["rri"] is None and not row["flagged"]


def test_exact_counts_on_request(cohort: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = analyse(cohort, capsys, "--no-disclosure-control")
    assert doc["disclosureControl"] is False
    gender = [row["cases"] for row in doc["disproportionality"]
              if row["dimension"] == "gender" and row["measure"] == "A-KS-05"]
    assert sum(gender) == 600  # every allocated case, each in one group
    assert any(n is not None and (n < 10 or n % 5) for n in counts(doc))


def test_the_table_marks_suppressed_counts(cohort: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyse", str(cohort), "--pdu", "tees-valley"]) == 0
    out = capsys.readouterr().out
    assert "<10" in out and "RRI" in out and "(reference)" in out
    assert "county-durham-darlington" not in out


def test_html_is_one_self_contained_page_that_renders(
        cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyse", str(cohort), "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert "<script" not in page and "src=" not in page and 'href="http' not in page
    assert page.count("<svg") >= 3  # charts drawn in the page itself
    chromium = shutil.which("chromium")
    assert chromium, "./run test installs chromium"
    path = tmp_path / "analysis.html"
    path.write_text(page)
    shown = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120, check=True).stdout
    for heading in ("Needs and services", "Disproportionality", "Oversight capacity"):
        assert heading in shown
    assert "&lt;10" in shown  # small counts are shown suppressed
