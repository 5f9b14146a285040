"""The ACL plan of SPEC §11, as data: each principal gets what its job needs and nothing else."""

from dataclasses import replace

from casewatch.kafka.acl import (
    INGEST,
    NOTIFY,
    PUBLISHER,
    WEB,
    WORKER,
    Grant,
    grants,
    principals,
)
from casewatch.kafka.settings import Settings

SETTINGS = Settings()
PLAN = grants(SETTINGS, ["north-east", "london", "wales"])


def readable(principal: str) -> set[tuple[str, str]]:
    return {(g.pattern, g.name) for g in PLAN
            if g.principal == principal and g.resource == "TOPIC" and g.operation == "READ"}


def writable(principal: str) -> set[tuple[str, str]]:
    return {(g.pattern, g.name) for g in PLAN
            if g.principal == principal and g.resource == "TOPIC" and g.operation == "WRITE"}


def test_a_region_reads_its_own_alert_topic_only() -> None:
    """Not even its own deadlines topic: due-soon lists reach teams in their manager's digest."""
    for region in ("north-east", "london", "wales"):
        principal = f"region-{region}"
        assert readable(principal) == {("LITERAL", f"casewatch.alerts.{region}")}
        assert writable(principal) == set()
        groups = {(g.pattern, g.name) for g in PLAN
                  if g.principal == principal and g.resource == "GROUP"}
        assert groups == {("PREFIXED", f"{principal}.")}


def test_only_the_worker_reads_case_events_and_only_the_publisher_and_ingest_write() -> None:
    events = ("LITERAL", "casewatch.case-events")
    readers = {g.principal for g in PLAN if (g.pattern, g.name) == events
               and g.operation == "READ"}
    writers = {g.principal for g in PLAN if (g.pattern, g.name) == events
               and g.operation == "WRITE"}
    assert readers == {WORKER}
    assert writers == {PUBLISHER, INGEST}


def test_ingest_writes_events_and_dead_letters_only_and_reads_nothing() -> None:
    assert writable(INGEST) == {("LITERAL", "casewatch.case-events"),
                                ("LITERAL", "casewatch.dead-letter")}
    assert readable(INGEST) == set()
    assert not [g for g in PLAN if g.principal == INGEST and g.resource == "GROUP"]


def test_the_publisher_writes_events_only_and_reads_nothing() -> None:
    assert writable(PUBLISHER) == {("LITERAL", "casewatch.case-events")}
    assert readable(PUBLISHER) == set()


def test_the_notifier_reads_every_region_and_writes_nothing() -> None:
    assert readable(NOTIFY) == {("PREFIXED", "casewatch.alerts."),
                                ("PREFIXED", "casewatch.deadlines.")}
    assert writable(NOTIFY) == set()


def test_the_live_worklist_reads_its_regions_topics_and_writes_nothing() -> None:
    plan = grants(SETTINGS, ["wales", "london"])
    web = {(g.pattern, g.name) for g in plan if g.principal == WEB and g.operation == "READ"}
    assert web == {("LITERAL", f"casewatch.{kind}.{region}") for kind in ("alerts", "deadlines")
                   for region in ("wales", "london")}
    assert not [g for g in plan if g.principal == WEB and g.operation not in ("READ",
                                                                              "DESCRIBE")]
    assert not [g for g in plan if g.principal == WEB and g.resource == "GROUP"]


def test_nobody_is_granted_the_dead_letters_but_the_worker_and_ingest_writing_them() -> None:
    dead = [g for g in PLAN if g.name == "casewatch.dead-letter"]
    assert {(g.principal, g.operation) for g in dead} == {
        (WORKER, "WRITE"), (WORKER, "DESCRIBE"), (INGEST, "WRITE"), (INGEST, "DESCRIBE")}


def test_the_plan_follows_renamed_topics_and_is_free_of_repeats() -> None:
    renamed = replace(SETTINGS, events_topic="pdu.events", app_id="pdu-worker",
                      alerts_topic_prefix="pdu.alerts.", ticks_topic="pdu.ticks",
                      deadlines_topic_prefix="pdu.deadlines.",
                      dead_letter_topic="pdu.dead-letter")
    plan = grants(renamed, ["wales", "wales"])
    assert len(plan) == len(set(plan))
    assert Grant(WORKER, "TOPIC", "LITERAL", "pdu.events", "READ") in plan
    assert Grant(WORKER, "TOPIC", "PREFIXED", "pdu-worker-", "CREATE") in plan
    assert Grant("region-wales", "TOPIC", "LITERAL", "pdu.alerts.wales", "READ") in plan
    assert not any("casewatch" in g.name for g in plan if g.resource == "TOPIC")


def test_principals_are_the_specs() -> None:
    assert principals(["wales", "london"]) == [
        "casewatch-admin", "casewatch-worker", "casewatch-publisher", "casewatch-ingest",
        "casewatch-notify", "casewatch-web",
        "region-london", "region-wales"]
