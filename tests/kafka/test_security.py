"""Who may read what, on a secured broker (SPEC §11): SASL_SSL, SCRAM-SHA-512, deny by default.

One pipeline runs once for the module, every client as its own principal: the admin creates
topics, the publisher publishes, the worker processes and publishes alerts, a region reads them.
The tests then check what each principal may and may not do, and that no password leaks.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from casewatch.errors import CommandError
from casewatch.kafka.acl import ADMIN, NOTIFY, PUBLISHER, WEB, WORKER
from casewatch.kafka.admin import require_topic
from casewatch.kafka.broker import Broker
from casewatch.kafka.secure import BROKER_USER
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings
from tests.support.live import (
    PROJECT,
    WorkerProcess,
    cli,
    final_alerts,
    run_to_end,
    start_worker,
)
from tests.worker.test_worker import replayed, simulated, standing

EVERY_PRINCIPAL = (BROKER_USER, ADMIN, WORKER, PUBLISHER, NOTIFY, WEB, "region-north-east",
                   "region-london", "region-wales")


@dataclass
class Pipeline:
    broker: Broker
    report: dict[str, Any]
    worker: WorkerProcess
    command_lines: list[str]  # of every process running while the worker ran
    environments: list[bytes]

    def settings(self, principal: str) -> Settings:
        return self.broker.material.settings(principal)

    def passwords(self) -> list[str]:
        return [self.broker.material.password(p) for p in EVERY_PRINCIPAL]


def run_as(pipeline: Pipeline, principal: str, *args: str,
           **environment: str) -> subprocess.CompletedProcess[str]:
    """A casewatch command as a user runs it with the principal's settings file sourced."""
    variables = pipeline.broker.material.variables(principal)
    return subprocess.run(
        [sys.executable, "-m", "casewatch", *args], cwd=PROJECT, capture_output=True,
        text=True, env={**os.environ, **variables, **environment}, timeout=120, check=False,
    )


def _processes() -> tuple[list[str], list[bytes]]:
    lines, environments = [], []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
                environments.append((entry / "environ").read_bytes())
            except OSError:
                continue  # gone, or not ours to read
    return lines, environments


@pytest.fixture(scope="module")
def pipeline(secure_kafka: Broker, tmp_path_factory: pytest.TempPathFactory,
             ) -> Iterator[Pipeline]:
    material = secure_kafka.material
    stream = simulated(60, seed=11)
    admin = replace(material.settings(ADMIN), clock="event", partitions=1)
    cli(admin, "topics", "create", "--regions", "north-east,london")
    cli(replace(material.settings(PUBLISHER), partitions=1), "publish", "-", stdin=stream)
    started: list[WorkerProcess] = []
    state = tmp_path_factory.mktemp("secure-worker") / "w1"
    worker = start_worker(replace(material.settings(WORKER), clock="event", partitions=1),
                          started, state)
    try:
        report = replayed(stream)
        # The admin (a super user) watches progress and moves the clock; the worker's
        # principal could move the clock too, but has no right to read group offsets.
        run_to_end(admin, started, report["asOf"])
        lines, environments = _processes()
        yield Pipeline(secure_kafka, report, worker, lines, environments)
    finally:
        for process in started:
            process.stop()


def test_the_worker_runs_end_to_end_as_its_own_principal(pipeline: Pipeline) -> None:
    region = pipeline.settings("region-north-east")
    expected = standing({a["alertId"]: a for a in pipeline.report["alerts"]})
    assert expected, "the stream should raise alerts"
    assert standing(final_alerts(region)) == expected


def test_a_region_follows_its_own_alerts_with_the_cli(pipeline: Pipeline) -> None:
    shown = run_as(pipeline, "region-north-east", "alerts", "follow", "--region", "north-east",
                   "--from-beginning", "--format", "json", "--idle-exit", "3")
    assert shown.returncode == 0, shown.stderr
    ids = {json.loads(line)["alertId"] for line in shown.stdout.splitlines()}
    assert ids == {a["alertId"] for a in pipeline.report["alerts"]}


def test_a_region_is_refused_another_regions_alerts_in_one_line(pipeline: Pipeline) -> None:
    refused = run_as(pipeline, "region-north-east", "alerts", "follow", "--region", "london",
                     "--from-beginning", "--idle-exit", "3")
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        "casewatch: access to topic casewatch.alerts.london was refused: region-north-east is "
        "not allowed to read it"]


@pytest.mark.parametrize("principal,topic", [
    ("region-north-east", "casewatch.case-events"),
    ("region-north-east", "casewatch.dead-letter"),
    ("region-north-east", "casewatch.alerts.london"),
    ("region-london", "casewatch.alerts.north-east"),
    (PUBLISHER, "casewatch.alerts.north-east"),
    (NOTIFY, "casewatch.case-events"),
    (WEB, "casewatch.case-events"),
])
def test_the_broker_refuses_what_a_principal_is_not_granted(
    pipeline: Pipeline, principal: str, topic: str
) -> None:
    with pytest.raises(CommandError, match=f"access to topic {topic} was refused: {principal}"):
        require_topic(pipeline.settings(principal), topic)


@pytest.mark.parametrize("principal,topic", [
    ("region-north-east", "casewatch.alerts.north-east"),
    (NOTIFY, "casewatch.alerts.north-east"),
    (NOTIFY, "casewatch.alerts.london"),
    (WEB, "casewatch.alerts.north-east"),
    (WEB, "casewatch.deadlines.london"),
    (WORKER, "casewatch.case-events"),
])
def test_a_principal_sees_what_it_is_granted(pipeline: Pipeline, principal: str,
                                             topic: str) -> None:
    require_topic(pipeline.settings(principal), topic)


def test_only_the_publisher_and_no_region_may_write_case_events(pipeline: Pipeline) -> None:
    from kafka.errors import TopicAuthorizationFailedError

    for principal, allowed in ((PUBLISHER, True), ("region-north-east", False), (NOTIFY, False)):
        producer = KafkaProducer(**kafka_python(pipeline.settings(principal)),
                                 max_block_ms=10_000)
        try:
            sent = producer.send("casewatch.case-events", key=b"Z000000", value=b"{}")
            if allowed:
                assert sent.get(timeout=30).topic == "casewatch.case-events"
            else:
                with pytest.raises(TopicAuthorizationFailedError):
                    sent.get(timeout=30)
        except TopicAuthorizationFailedError:
            assert not allowed, principal  # refused before the send, when fetching metadata
        finally:
            producer.close()


def test_unauthenticated_and_wrong_password_clients_are_refused(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.password"
    wrong.write_text("not-the-password\n")
    # Both wait out kafka-python's bootstrap timeout: run them side by side.
    attempts = {
        "wrong password": {"CASEWATCH_SASL_PASSWORD_FILE": str(wrong)},
        "no authentication": {"CASEWATCH_SECURITY_PROTOCOL": "PLAINTEXT"},
    }
    region = pipeline.broker.material.variables("region-north-east")
    running = {
        name: subprocess.Popen(
            [sys.executable, "-m", "casewatch", "alerts", "follow", "--region", "north-east",
             "--idle-exit", "3"], cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env={**os.environ, **region, **environment})
        for name, environment in attempts.items()
    }
    results = {name: (process.wait(120), *process.communicate()) for name, process in
               running.items()}
    for name, (status, out, err) in results.items():
        assert status != 0 and out == "", name
        assert len(err.strip().splitlines()) == 1, (name, err)
    # Whether the broker's reason arrives before it drops the connection is a race.
    refused = results["wrong password"][2]
    assert ("the broker refused region-north-east: Authentication failed during authentication "
            "due to invalid credentials with SASL mechanism SCRAM-SHA-512") in refused or (
        "no broker accepted a SASL_SSL connection as region-north-east (is it running, and does "
        "it expect this protocol, user, password and CA?)") in refused, refused
    assert "no broker accepted a PLAINTEXT connection (" in results["no authentication"][2]


def test_no_password_appears_in_logs_command_lines_or_the_environment(
    pipeline: Pipeline
) -> None:
    secrets = pipeline.passwords()
    assert all(len(s) >= 32 for s in secrets)
    worker_log = pipeline.worker.log.read_text()
    broker_logs = "".join(p.read_text(errors="replace")
                          for p in (pipeline.broker.home / "logs").glob("*"))
    assert "casewatch-worker" in broker_logs or worker_log  # the logs were really read
    for secret in secrets:
        assert secret not in worker_log
        assert secret not in broker_logs
        assert not any(secret in line for line in pipeline.command_lines)
        assert not any(secret.encode() in environment for environment in pipeline.environments)


def test_password_files_and_the_broker_key_are_private(pipeline: Pipeline) -> None:
    material = pipeline.broker.material
    private = [material.password_file(p) for p in EVERY_PRINCIPAL]
    private += [material.keystore, pipeline.broker.home / "server.properties"]
    for path in private:
        assert path.stat().st_mode & 0o077 == 0, path


def test_acl_list_shows_each_principals_grants(pipeline: Pipeline) -> None:
    listed = run_as(pipeline, ADMIN, "acl", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert any(line.split()[:4] == ["region-london", "READ", "topic", "casewatch.alerts.london"]
               for line in lines)
    assert not any(line.startswith("region-london") and "north-east" in line for line in lines)
    again = run_as(pipeline, ADMIN, "acl", "apply", "--regions", "north-east,london,wales")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("0 ACL(s) created")  # idempotent


def test_a_region_may_not_change_acls(pipeline: Pipeline) -> None:
    refused = run_as(pipeline, "region-north-east", "acl", "apply", "--regions", "north-east")
    assert refused.returncode != 0
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "ACL" in refused.stderr or "Authorization" in refused.stderr


def test_notify_forwards_its_regions_alerts_as_its_own_principal(pipeline: Pipeline) -> None:
    """casewatch notify under casewatch-notify: reads the alert and deadlines topics it is
    granted and posts north-east's open alerts (to a stand-in for Alertmanager's API)."""
    import time

    from casewatch.kafka.broker import free_port
    from tests.support.alertmanager import json_receiver

    expected = {a["crn"] for a in pipeline.report["alerts"]
                if a["status"] == "OPEN" and a["region"] == "north-east"}
    with json_receiver() as (api, batches):
        process = subprocess.Popen(
            [sys.executable, "-m", "casewatch", "notify", "--regions", "north-east",
             "--alertmanager", api], cwd=PROJECT,
            env={**os.environ, **pipeline.broker.material.variables(NOTIFY),
                 "CASEWATCH_NOTIFY_PORT": str(free_port())},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not expected <= {
                    a["labels"].get("crn") for batch in batches for a in batch}:
                assert process.poll() is None
                time.sleep(0.5)
        finally:
            process.terminate()
            output = process.communicate(timeout=30)[0].decode()
    posted = [a for batch in batches for a in batch]
    assert expected and expected <= {a["labels"].get("crn") for a in posted}, output
    assert {a["labels"]["region"] for a in posted} == {"north-east"}
    assert "refused" not in output
