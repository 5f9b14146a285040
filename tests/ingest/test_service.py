"""`casewatch ingest hmpps` on a real SQS-compatible server (ElasticMQ) and the real broker:
bodies on the queue become the events replay sees, through the worker to the same alerts; a
message is deleted only once Kafka has it; redelivery and a killed ingest change nothing."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from casewatch.cli.ingest import translate
from casewatch.engine.policy import Policy
from casewatch.ingest.detail import Sources
from casewatch.ingest.fetch import sources
from casewatch.kafka.broker import free_port
from casewatch.kafka.settings import Settings
from casewatch.replay.evaluate import replay
from casewatch.replay.report import Cohort
from tests.support.builders import allocated, assessment, at
from tests.support.hmpps import (
    allocation,
    allocation_detail,
    domain_event,
    line,
    merge,
    notification,
    oasys,
    oasys_summary,
    ords_paths,
    registration,
    requirement,
    requirement_detail,
    rosh_summary,
)
from tests.support.hmpps_apis import SECRET, StandIn
from tests.support.live import (
    PROJECT,
    WorkerProcess,
    cli,
    final_alerts,
    read_topic,
    run_to_end,
    start_worker,
)
from tests.support.sqs import SqsServer
from tests.worker.test_worker import standing

AS_OF = "2025-08-29T23:00:00Z"


def cases() -> list[dict[str, Any]]:
    """Twelve allocations and assessments from casewatch's own contract (nothing HMPPS
    publishes carries them)."""
    events = []
    for n in range(12):
        crn = f"X{n:06d}"
        events += [allocated(at("2025-07-01"), crn=crn, rosh="MEDIUM"),
                   assessment(at("2025-07-20"), crn=crn)]
    return events


def bodies() -> list[bytes]:
    """What the queue holds: registrations (DA history, child protection, MAPPA, and one
    removed), a redelivered one, a type casewatch does not use, and a body it cannot map."""
    found = []
    for n in range(12):
        code = ("REG30", "RCPR", "MAPP", "ADVP")[n % 4]
        body = registration(code=code, crn=f"X{n:06d}", registrationLevelCode="M2",
                            occurred_at=f"2025-07-{10 + n:02d}T09:00:00.5+01:00[Europe/London]")
        found.append(line(notification(body, f"msg-{n}")))
    found.append(line(notification(registration(
        "probation-case.registration.deregistered", code="REG30", crn="X000000",
        occurred_at="2025-07-15T09:00:00Z"), "msg-removed")))
    found.append(found[1])  # SQS delivered it twice
    found.append(line(domain_event("probation-case.engagement.created", crn="X000001")))
    found.append(b'{"Type": "Notification", "MessageId": "msg-bad", "Message": "{not json"}')
    return found


TEAMS = {"N07ABC": ("north-east", "county-durham-and-darlington")}


def detailed(api: StandIn, elsewhere: StandIn) -> list[bytes]:
    """Bodies of the types mapped from their detail, the detail served by the stand-in: six
    cases allocated by Manage a Workforce (one reallocated with an SPO's oversight), two OASys
    assessments (one naming no person), a curfew, a merge; one allocation whose detail fails
    once (it waits on the queue for redelivery), and one pointing off the allow-list."""
    found = []
    for n in range(12, 18):
        crn = f"X{n:06d}"
        api.pages[f"/allocation/person/a{n}"] = allocation_detail(crn)
        found.append(line(notification(allocation(crn, f"a{n}", api.url), f"alloc-{n}")))
    api.pages["/allocation/person/r15"] = allocation_detail(
        "X000015", staff="N07ABC2", reason="CHANGE_OF_ADDRESS", spo="N07SPO1", notes="met")
    found.append(line(notification(allocation("X000015", "r15", api.url,
                                              occurred_at="2025-07-25T10:00:00Z"), "realloc")))
    for n, named in ((12, True), (13, False)):
        summary, rosh = ords_paths(f"X{n:06d}", n)
        api.pages[summary] = oasys_summary(f"X{n:06d}", n, children="High")
        api.pages[rosh] = rosh_summary()
        found.append(line(notification(oasys(f"X{n:06d}", n, api.url, named), f"oasys-{n}",
                                       attribute="risk-assessment.scores.determined")))
    api.pages["/requirement/2500000014"] = requirement_detail("2500000014", "M")
    found.append(line(notification(requirement("probation-case.requirement.created", "X000014",
                                               "2500000014", api.url), "curfew")))
    found.append(line(notification(merge("X000016", "X000017"), "merge")))
    api.pages["/allocation/person/a18"] = allocation_detail("X000018")
    api.failing["/allocation/person/a18"] = 1
    found.append(line(notification(allocation("X000018", "a18", api.url), "alloc-18")))
    found.append(line(notification(allocation("X000019", "a19", elsewhere.url), "off-list")))
    return found


def waiting(sqs: SqsServer, queue: str) -> int:
    attributes = sqs.client().get_queue_attributes(QueueUrl=queue, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(v) for v in attributes.values())


def start_ingest(settings: Settings, sqs: SqsServer, queue: str,
                 log: Path) -> "subprocess.Popen[bytes]":
    running = replace(settings, ingest_queue_url=queue, sqs_endpoint=sqs.endpoint,
                      ingest_wait_seconds=1, ingest_port=free_port())
    return subprocess.Popen(
        [sys.executable, "-m", "casewatch", "ingest", "hmpps"], cwd=PROJECT,
        env={**os.environ, **running.environment(), "AWS_ACCESS_KEY_ID": "test",
             "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "eu-west-2"},
        stdout=log.open("ab"), stderr=subprocess.STDOUT)


def drained(sqs: SqsServer, queue: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while waiting(sqs, queue):
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.5)


def offline(messages: list[bytes], fetches: Sources | None = None) -> bytes:
    out = io.StringIO()
    translate(io.BytesIO(b"\n".join(messages) + b"\n"), out, io.StringIO(), fetches)
    return out.getvalue().encode()


def own_events(allocations: bytes, mapped: bytes) -> dict[str, Any]:
    return replay((allocations + mapped).splitlines(keepends=True), policy=Policy(),
                  as_of=datetime.fromisoformat(AS_OF), cohort=Cohort())


def test_the_queue_through_the_worker_ends_as_replay_of_the_offline_mapping(
        settings: Settings, sqs_server: SqsServer, workers: list[WorkerProcess],
        tmp_path: Path, detail_api: StandIn, elsewhere: StandIn) -> None:
    settings = detail_api.settings(settings, tmp_path, TEAMS)
    queue = sqs_server.queue(visibility_seconds=2)
    messages = bodies() + detailed(detail_api, elsewhere)
    sqs_server.send(queue, messages)
    allocations = "".join(json.dumps(e) + "\n" for e in cases()).encode()
    cli(settings, "topics", "create", "--regions", "north-east")
    cli(settings, "publish", "-", stdin=allocations)
    log = tmp_path / "ingest.log"
    ingest = start_ingest(settings, sqs_server, queue, log)
    try:
        drained(sqs_server, queue, log)  # every message deleted, the bad one too
    finally:
        ingest.send_signal(signal.SIGTERM)
        assert ingest.wait(30) == 0, log.read_text()
    assert detail_api.failing["/allocation/person/a18"] == 0  # failed once, then fetched
    assert "a detail fetch failed (the detail host failed (HTTP 503))" in log.read_text()
    assert elsewhere.requests == 0 and SECRET not in log.read_text()
    fetches = sources(settings)
    published = [json.loads(v) for _, v, _ in read_topic(settings, settings.events_topic)]
    mapped = [json.loads(text) for text in offline(messages, fetches).splitlines()]
    # A standard queue keeps no order; replay does not need one (SPEC §1).
    def key(event: dict[str, Any]) -> str:
        return json.dumps(event, sort_keys=True)

    assert sorted((e for e in published if e["eventId"].startswith("hmpps:")), key=key) == \
        sorted(mapped, key=key)
    assert {e["eventType"] for e in mapped} >= {
        "case.allocated", "case.transferred", "oversight.recorded", "assessment.completed",
        "requirement.added", "case.closed", "registration.added", "registration.removed"}
    dead = {body: dict(headers)["casewatch-reason"]
            for _, body, headers in read_topic(settings, settings.dead_letter_topic)}
    assert dead == {messages[len(bodies()) - 1]: b"notification Message is not JSON",
                    messages[-1]: b"detailUrl host is not on CASEWATCH_DETAIL_HOSTS"}
    start_worker(settings, workers, tmp_path / "state")
    run_to_end(settings, workers, AS_OF)
    report = own_events(allocations, offline(messages, fetches))
    assert report["events"]["duplicates"] == 1  # the redelivered body
    expected = standing({a["alertId"]: a for a in report["alerts"]})
    assert {a["ruleId"] for a in expected.values()} >= {"A-KS-05", "I-KS-01"}
    assert {a["crn"] for a in expected.values()} >= {"X000012", "X000013", "X000014"}
    assert standing(final_alerts(settings)) == expected


def test_an_ingest_killed_mid_batch_and_restarted_loses_and_repeats_nothing_that_shows(
        settings: Settings, sqs_server: SqsServer, tmp_path: Path) -> None:
    """Killed outright, what it had published but not deleted comes again after the visibility
    timeout, as the same eventIds: every body arrives, each eventId as often as it was sent or
    more, and nothing that was not sent."""
    queue = sqs_server.queue(visibility_seconds=2)
    messages = [line(notification(registration(code="ADVP", crn=f"X{n:06d}"), f"m-{n}"))
                for n in range(300)]
    sqs_server.send(queue, messages)
    cli(settings, "topics", "create", "--regions", "north-east")
    log = tmp_path / "ingest.log"
    first = start_ingest(settings, sqs_server, queue, log)
    deadline = time.monotonic() + 60
    while waiting(sqs_server, queue) > 200:  # part way through
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    first.kill()
    first.wait(30)
    second = start_ingest(settings, sqs_server, queue, log)
    try:
        drained(sqs_server, queue, log)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    ids = [json.loads(v)["eventId"] for _, v, _ in read_topic(settings, settings.events_topic)]
    assert set(ids) == {f"hmpps:m-{n}" for n in range(300)}
    events = b"".join(v + b"\n" for _, v, _ in read_topic(settings, settings.events_topic))
    once = replay(offline(messages).splitlines(keepends=True), policy=Policy(), as_of=None,
                  cohort=Cohort())
    again = replay(events.splitlines(keepends=True), policy=Policy(), as_of=None,
                   cohort=Cohort())
    assert again["events"]["applied"] == once["events"]["applied"] == 300
    assert again["alerts"] == once["alerts"]
