"""The front door: a short README with the two commands and real output, and the docs site,
built strictly (no broken link or anchor), whose generated and shown parts match the code."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from casewatch.cli.main import main
from casewatch.engine.catalogue import markdown

PROJECT = Path(__file__).resolve().parent.parent
README = PROJECT / "README.md"
DOCS = PROJECT / "docs"


def shown_after(text: str, command: str) -> str:
    start = text.index(command) + len(command)
    return text[start:text.index("```", start)]


def test_the_readme_is_short_and_has_exactly_the_two_set_up_commands() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= 250
    assert "./run demo" in text and "./run test" in text
    assert set(re.findall(r"^\./run \w+", text, flags=re.MULTILINE)) == {"./run demo",
                                                                        "./run test"}


def test_every_page_the_readme_links_to_exists() -> None:
    links = re.findall(r"\]\((docs/[^)#]+)", README.read_text())
    assert links and all((PROJECT / link).is_file() for link in links), links


def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    assert mkdocs, "./run test installs mkdocs"
    built = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
                           cwd=PROJECT, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site" / "runbooks" / "index.html").is_file()


def test_the_alert_catalogue_is_generated_from_the_rules() -> None:
    text = (DOCS / "engine.md").read_text()
    start = text.index("-->\n", text.index("<!-- catalogue:start")) + len("-->\n")
    end = text.index("<!-- catalogue:end -->")
    assert text[start:end] == markdown(), \
        "stale: paste python -m casewatch.engine.catalogue into docs/engine.md"


def test_the_readme_replay_example_is_real_output(capsys: pytest.CaptureFixture[str]) -> None:
    shown = shown_after(README.read_text(), "$ casewatch replay examples/small-pdu.jsonl "
                        "--limit 2\n")
    assert main(["replay", str(PROJECT / "examples/small-pdu.jsonl"), "--limit", "2"]) == 0
    assert capsys.readouterr().out == shown


def test_the_managers_worklist_example_is_real_output(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = ["examples/small-pdu.jsonl", "--team", "county-durham-darlington-team-4", "--limit",
            "2"]
    shown = shown_after((DOCS / "managers.md").read_text(),
                        f"$ casewatch worklist {' '.join(args)}\n")
    assert main(["worklist", str(PROJECT / args[0]), *args[1:]]) == 0
    assert capsys.readouterr().out == shown


def test_every_alert_links_to_a_runbook_a_person_can_click() -> None:
    """From the docs base Prometheus is configured with, to a heading of docs/runbooks.md."""
    rules = yaml.safe_load((PROJECT / "deploy/prometheus/rules/casewatch.rules.yml").read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule]
    headings = {re.sub(r"[^a-z0-9]+", "-", h.lower()).strip("-") for h in
                re.findall(r"^## (.+)$", (DOCS / "runbooks.md").read_text(), flags=re.M)}
    for alert in alerts:
        url = alert["annotations"]["runbook_url"]
        prefix = "{{ $externalLabels.casewatch_docs }}/runbooks/#"
        assert url.startswith(prefix) and url[len(prefix):] in headings, (alert["alert"], url)
    config = yaml.safe_load((PROJECT / "deploy/prometheus/prometheus.yml").read_text())
    assert re.fullmatch(r"https?://\S+", config["global"]["external_labels"]["casewatch_docs"])
