from pathlib import Path

import pytest

from casewatch.engine.catalogue import markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_alert_catalogue_is_generated_from_the_rules() -> None:
    text = README.read_text()
    start = text.index("-->\n", text.index("<!-- catalogue:start")) + len("-->\n")
    end = text.index("<!-- catalogue:end -->")
    assert text[start:end] == markdown(), \
        "stale: paste python -m casewatch.engine.catalogue into README"


def test_the_readme_has_exactly_the_two_set_up_commands() -> None:
    text = README.read_text()
    assert "./run demo" in text and "./run test" in text


def test_the_readme_replay_example_is_real_output(capsys: pytest.CaptureFixture[str]) -> None:
    from casewatch.cli.main import main

    command = "$ casewatch replay examples/small-pdu.jsonl --limit 2\n"
    text = README.read_text()
    start = text.index(command) + len(command)
    shown = text[start:text.index("```", start)]
    assert main(["replay", str(README.parent / "examples/small-pdu.jsonl"), "--limit", "2"]) == 0
    assert capsys.readouterr().out == shown


def test_every_runbook_an_alert_links_to_exists() -> None:
    import re

    rules = (README.parent / "deploy/prometheus/rules/casewatch.rules.yml").read_text()
    anchors = set(re.findall(r"README\.md#(runbook-[a-z-]+)", rules))
    headings = {
        "runbook-" + re.sub(r"[^a-z0-9]+", "-", h.lower()).strip("-")
        for h in re.findall(r"^### Runbook: (.+)$", README.read_text(), flags=re.MULTILINE)
    }
    assert anchors and anchors <= headings, anchors - headings


def test_the_readme_worklist_example_is_real_output(capsys: pytest.CaptureFixture[str]) -> None:
    from casewatch.cli.main import main

    args = ["examples/small-pdu.jsonl", "--team", "county-durham-darlington-team-4", "--limit",
            "2"]
    command = f"$ casewatch worklist {' '.join(args)}\n"
    text = README.read_text()
    start = text.index(command) + len(command)
    shown = text[start:text.index("```", start)]
    assert main(["worklist", str(README.parent / args[0]), *args[1:]]) == 0
    assert capsys.readouterr().out == shown
