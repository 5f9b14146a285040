from dataclasses import replace
from pathlib import Path

import pytest

from casewatch.errors import CommandError
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings


def test_settings_survive_the_environment_round_trip() -> None:
    settings = Settings(partitions=3, clock="event", state_dir=Path("/var/x"), tick_seconds=2.5,
                        web_host="0.0.0.0", events_topic="t.events")
    assert Settings.from_env(settings.environment()) == settings


def test_unset_variables_keep_the_documented_defaults() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert (settings.bootstrap_servers, settings.partitions, settings.clock) == (
        "localhost:9092", 4, "wall")


def test_a_bad_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="CASEWATCH_CLOCK must be wall or event"):
        Settings.from_env({"CASEWATCH_CLOCK": "sundial"})


def test_security_settings_survive_the_round_trip_and_hold_no_secret(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret-value\n")
    settings = Settings(security_protocol="SASL_SSL", sasl_username="region-wales",
                        sasl_password_file=str(secret))  # the system's CAs
    assert Settings.from_env(settings.environment()) == settings
    assert Settings.from_env({**settings.environment(), "CASEWATCH_SSL_CAFILE": "/c.pem"}) == (
        replace(settings, ssl_cafile="/c.pem"))
    assert "s3cret-value" not in repr(settings)
    assert "s3cret-value" not in str(settings.environment())
    assert kafka_python(settings)["sasl_plain_password"] == "s3cret-value"


@pytest.mark.parametrize("environment,message", [
    ({"CASEWATCH_SECURITY_PROTOCOL": "TLS"}, "CASEWATCH_SECURITY_PROTOCOL must be one of"),
    ({"CASEWATCH_SECURITY_PROTOCOL": "SASL_SSL"},
     "SASL_SSL needs CASEWATCH_SASL_USERNAME and CASEWATCH_SASL_PASSWORD_FILE"),
    ({"CASEWATCH_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "CASEWATCH_SASL_USERNAME": "u"},
     "SASL_PLAINTEXT needs CASEWATCH_SASL_PASSWORD_FILE"),
    ({"CASEWATCH_SECURITY_PROTOCOL": "SASL_SSL", "CASEWATCH_SASL_USERNAME": "u",
      "CASEWATCH_SASL_PASSWORD_FILE": "/p", "CASEWATCH_SASL_MECHANISM": "GSSAPI"},
     "CASEWATCH_SASL_MECHANISM must be one of SCRAM-SHA-512, PLAIN"),
    ({"CASEWATCH_SSL_CERTFILE": "/c.pem"}, "CASEWATCH_SSL_CERTFILE and CASEWATCH_SSL_KEYFILE"),
])
def test_incomplete_security_settings_are_refused(environment: dict[str, str],
                                                  message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env(environment)


def test_an_unreadable_password_file_is_one_clear_line(tmp_path: Path) -> None:
    settings = Settings(security_protocol="SASL_SSL", sasl_username="u",
                        sasl_password_file=str(tmp_path / "missing"))
    with pytest.raises(CommandError, match=r"cannot read the SASL password file .*missing: No "
                       r"such file or directory$"):
        kafka_python(settings)
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(CommandError, match="is empty"):
        kafka_python(replace(settings, sasl_password_file=str(tmp_path / "empty")))


def test_a_password_given_in_the_environment_is_not_a_setting() -> None:
    # SPEC §11: only a file names the password; a variable holding it is ignored, not used.
    settings = Settings.from_env({"CASEWATCH_SASL_PASSWORD": "oops"})
    assert "oops" not in repr(settings)

