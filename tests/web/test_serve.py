"""`casewatch serve` refuses to start, in one line, without what it cannot work safely without:
the sign-in provider, its secrets as files, the directory, the front-end packages."""

from pathlib import Path

import pytest

from casewatch.cli.main import main

DIRECTORY = 'fallback = "q@probation.example"\n[staff.A]\npdu = "p"\nteams = ["t"]\n'


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in (("secret", "s3cret"), ("key", "k" * 40), ("directory.toml", DIRECTORY)):
        (tmp_path / name).write_text(text)
    for variable, value in (("OIDC_ISSUER", "http://127.0.0.1:9/realms/x"),
                            ("OIDC_CLIENT_SECRET_FILE", str(tmp_path / "secret")),
                            ("SESSION_KEY_FILE", str(tmp_path / "key")),
                            ("DIRECTORY", str(tmp_path / "directory.toml")),
                            ("BOOTSTRAP_SERVERS", "127.0.0.1:9")):
        monkeypatch.setenv(f"CASEWATCH_{variable}", value)
    return tmp_path


@pytest.mark.parametrize(("variable", "value", "said"), [
    ("OIDC_ISSUER", "", "no sign-in provider: set CASEWATCH_OIDC_ISSUER"),
    ("OIDC_CLIENT_SECRET_FILE", "/nonexistent", "CASEWATCH_OIDC_CLIENT_SECRET_FILE is not a "
                                                "readable file"),
    ("SESSION_KEY_FILE", "", "CASEWATCH_SESSION_KEY_FILE is not set"),
    ("DIRECTORY", "/nonexistent", "CASEWATCH_DIRECTORY is not a readable TOML file"),
    ("WEB_ASSETS", "/nonexistent", "no govuk-frontend/dist/govuk under /nonexistent"),
])
def test_serve_refuses_to_start_without_what_it_needs(
        configured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        variable: str, value: str, said: str) -> None:
    monkeypatch.setenv(f"CASEWATCH_{variable}", value)
    assert main(["serve", "--regions", "north-east"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"casewatch: {said}") and error.count("\n") == 1
    assert "s3cret" not in error and "k" * 40 not in error


def test_a_short_session_key_or_a_directory_in_error_is_refused(
        configured: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (configured / "key").write_text("short")
    assert main(["serve", "--regions", "north-east"]) == 2
    assert "at least 32 characters" in capsys.readouterr().err
    (configured / "key").write_text("k" * 40)
    (configured / "directory.toml").write_text(DIRECTORY + '[staff.B]\nteams = ["t"]\n')
    assert main(["serve", "--regions", "north-east"]) == 2
    assert "staff B needs pdu" in capsys.readouterr().err
