"""Each topic's retention, as the settings say (docs/operators.md), and a warning for topics with
one replica on a broker that is not this machine's own."""

from dataclasses import replace

import pytest

from casewatch.kafka.admin import DAY_MS, plan, replication_warning
from casewatch.kafka.settings import Settings


def configs(settings: Settings) -> dict[str, dict[str, str]]:
    return {topic.name: topic.config for topic in plan(settings, ["wales"])}


def test_every_topic_keeps_what_the_defaults_say() -> None:
    settings = Settings()
    made = configs(settings)
    assert made["casewatch.case-events"]["retention.ms"] == str(400 * DAY_MS)
    assert made["casewatch.dead-letter"]["retention.ms"] == str(30 * DAY_MS)
    for compacted in ("casewatch.alerts.wales", "casewatch.deadlines.wales"):
        assert made[compacted]["cleanup.policy"] == "compact"
        assert "retention.ms" not in made[compacted]  # each alert's latest state, for ever


def test_retention_is_configurable_from_the_environment() -> None:
    settings = Settings.from_env({"CASEWATCH_EVENTS_RETENTION_DAYS": "800",
                                  "CASEWATCH_DEAD_LETTER_RETENTION_DAYS": "7",
                                  "CASEWATCH_COMPACTED_RETENTION_DAYS": "3650"})
    made = configs(settings)
    assert made["casewatch.case-events"]["retention.ms"] == str(800 * DAY_MS)
    assert made["casewatch.dead-letter"]["retention.ms"] == str(7 * DAY_MS)
    assert made["casewatch.alerts.wales"]["cleanup.policy"] == "compact,delete"
    assert made["casewatch.alerts.wales"]["retention.ms"] == str(3650 * DAY_MS)


@pytest.mark.parametrize(("bootstrap", "replication", "warned"), [
    ("localhost:9092", 1, False),
    ("127.0.0.1:9094", 1, False),
    ("[::1]:9092", 1, False),
    ("kafka:9092", 1, True),
    ("broker-1.probation.example:9094,localhost:9092", 1, True),
    ("broker-1.probation.example:9094", 3, False),
])
def test_one_replica_outside_the_local_broker_is_warned_of(bootstrap: str, replication: int,
                                                           warned: bool) -> None:
    warning = replication_warning(replace(Settings(), bootstrap_servers=bootstrap,
                                          replication=replication))
    assert (warning is not None) == warned
    if warning:
        assert "replication factor 1" in warning and "CASEWATCH_REPLICATION=3" in warning
