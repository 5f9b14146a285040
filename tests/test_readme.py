from pathlib import Path

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
