from pathlib import Path

import pytest

from workers.stream.settings import Settings


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
