"""The manager directory becomes the template that addresses case emails."""

import shutil
import subprocess
from pathlib import Path

import pytest

from casewatch.cli.main import main
from casewatch.delivery.directory import DirectoryError, parse, template

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy/alertmanager/managers.example.toml"


def test_the_example_directory_parses() -> None:
    directory = parse(EXAMPLE.read_text())
    assert directory.managers["SPO01"] == "spo01@probation.example"
    assert directory.fallback.endswith("@probation.example")
    assert directory.operations == "casewatch-operations@probation.example"
    assert set(directory.regions) == {"north-east", "london", "wales"}
    assert directory.pdus["tees-valley"].startswith("pdu-head.tees-valley@")


@pytest.mark.parametrize("text, problem", [
    ('fallback = "not an address"', "fallback must be an email address"),
    ('fallback = "a@b.example"\n[managers]\n"SPO 1" = "x@y.example"', "is not letters"),
    ('fallback = "a@b.example"\n[managers]\nSPO1 = "{{ template \\"x\\" }}@y.example"',
     "not an email address"),
    ("fallback = ", "not TOML"),
    ('fallback = "a@b.example"\noperations = "ops"', "operations must be an email address"),
    ('fallback = "a@b.example"\n[regions]\nlondon = "x"', "address for region london"),
    ('fallback = "a@b.example"\n[pdus]\n"a{{b" = "x@y.example"', "pdu 'a{{b' is not letters"),
    ('fallback = "a@b.example"\npdus = 3', r"\[pdus\] must be a table"),
])
def test_bad_directories_are_refused_in_one_line(text: str, problem: str) -> None:
    with pytest.raises(DirectoryError, match=problem):
        parse(text)


def test_the_command_prints_the_template_or_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["managers", "template", str(EXAMPLE)]) == 0
    assert 'define "casewatch.manager.address"' in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('fallback = "nope"')
    assert main(["managers", "template", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("casewatch: ") and "\n" not in err


def test_the_template_parses_in_alertmanager(tmp_path: Path) -> None:
    rendered = template(parse(EXAMPLE.read_text()))
    (tmp_path / "managers.tmpl").write_text(rendered)
    amtool = shutil.which("amtool")
    assert amtool, "./run test installs amtool"
    result = subprocess.run(
        [amtool, "template", "render", f"--template.glob={tmp_path}/managers.tmpl",
         '--template.text={{ template "casewatch.manager.address" . }}'],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    # amtool's sample data has no manager label: the fallback answers.
    assert result.stdout.strip() == "national-quality@probation.example"


def test_staff_say_where_each_person_works_matched_whatever_the_case() -> None:
    from casewatch.delivery.directory import Staff

    directory = parse('fallback = "q@probation.example"\n'
                      '[staff.spo01_gen]\npdu = "pdu-a"\nteams = ["team-b", "team-a"]\n'
                      '[staff.HEAD]\npdu = "pdu-a"\n')
    assert directory.staff == {"SPO01_GEN": Staff("pdu-a", ("team-a", "team-b")),
                               "HEAD": Staff("pdu-a", ())}


@pytest.mark.parametrize("staff", ['[staff.X]\nteams = ["t"]\n', '[staff.X]\npdu = 3\n',
                                   '[staff.X]\npdu = "p"\nteams = "t"\n',
                                   '[staff."bad name"]\npdu = "p"\n', 'staff = 1\n'])
def test_a_staff_entry_that_says_nowhere_is_refused(staff: str) -> None:
    with pytest.raises(DirectoryError):
        parse('fallback = "q@probation.example"\n' + staff)
