from pathlib import Path

import pytest

from workers.catalogue import markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_alert_catalogue_is_generated_from_the_rules() -> None:
    text = README.read_text()
    start = text.index("-->\n", text.index("<!-- catalogue:start")) + len("-->\n")
    end = text.index("<!-- catalogue:end -->")
    assert text[start:end] == markdown(), "stale: paste python -m workers.catalogue into README"


def test_the_readme_has_exactly_the_two_set_up_commands() -> None:
    text = README.read_text()
    assert "./run demo" in text and "./run test" in text


def test_the_readme_replay_example_is_real_output(capsys: pytest.CaptureFixture[str]) -> None:
    from workers.cli import main

    command = "$ casewatch replay examples/small-pdu.jsonl --limit 2\n"
    text = README.read_text()
    start = text.index(command) + len(command)
    shown = text[start:text.index("```", start)]
    assert main(["replay", str(README.parent / "examples/small-pdu.jsonl"), "--limit", "2"]) == 0
    assert capsys.readouterr().out == shown
