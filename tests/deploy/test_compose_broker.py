"""The docker-compose broker's own config and start script, run here for real (SPEC §11).

Docker does not run on this project's machines, so the compose broker would otherwise be
checked for syntax only. This runs `deploy/kafka/secure/start.sh` with its paths moved to a
temporary directory: the project's Kafka jars stand in for the image's /opt/kafka, and the
secret files are laid out exactly as docker-compose.yml's `secrets:` section maps them.
"""

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from casewatch.errors import CommandError
from casewatch.kafka.acl import ADMIN, DEFAULT_REGIONS, principals
from casewatch.kafka.admin import admin_client, require_topic
from casewatch.kafka.broker import DEFAULT_LIBS, LOG_CONFIG, _alive, _answers, fetch_jars, free_port
from casewatch.kafka.secure import SecureMaterial, apply_initial_acls
from tests.support.live import PROJECT

COMPOSE = (PROJECT / "docker-compose.yml").read_text()


def compose_secrets() -> dict[str, str]:
    """docker-compose.yml's top-level secrets: name → file, relative to the project."""
    section = COMPOSE.split("\nsecrets:\n", 1)[1]
    return dict(re.findall(r"^  ([a-z0-9-]+): \{file: \./([^}]+)\}$", section, re.MULTILINE))


@pytest.fixture(scope="module")
def compose_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureMaterial]:
    root = tmp_path_factory.mktemp("compose-broker")
    port, controller = free_port(), free_port()
    # What `./run broker credentials --secure` makes in .kafka/secure, here in a temp dir.
    material = SecureMaterial(root / ".kafka" / "secure", f"127.0.0.1:{port}")
    material.ensure(principals(DEFAULT_REGIONS))
    secrets = root / "run-secrets"
    secrets.mkdir()
    for name, relative in compose_secrets().items():
        (secrets / name).symlink_to(root / relative)
    config = (PROJECT / "deploy/kafka/secure/server.properties").read_text()
    config = (config.replace("/run/secrets", str(secrets))
              .replace("SASL_SSL://:9092", f"SASL_SSL://127.0.0.1:{port}")
              .replace("CONTROLLER://:9093", f"CONTROLLER://127.0.0.1:{controller}")
              .replace("kafka:9092", f"127.0.0.1:{port}")
              .replace("kafka:9093", f"127.0.0.1:{controller}")
              .replace("/var/lib/kafka/data", str(root / "data")))
    (root / "server.properties").write_text(config)
    fetch_jars(DEFAULT_LIBS)
    home = root / "opt-kafka"
    (home / "bin").mkdir(parents=True)
    (home / "libs").symlink_to(DEFAULT_LIBS)
    launcher = home / "bin" / "kafka-server-start.sh"  # the image's launcher, in one line
    launcher.write_text("#!/bin/sh\nexec java -Xmx512m -Djava.awt.headless=true "
                        f"-Dlog4j2.configurationFile={LOG_CONFIG} -Dkafka.logs.dir={root} "
                        f'-cp "{home}/libs/*" kafka.Kafka "$@"\n')
    launcher.chmod(0o755)
    cluster = re.search(r"CLUSTER_ID: (\S+)", COMPOSE)
    assert cluster is not None
    log = (root / "console.log").open("wb")
    process = subprocess.Popen(
        ["bash", str(PROJECT / "deploy/kafka/secure/start.sh")], stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "CLUSTER_ID": cluster.group(1), "KAFKA_HOME": str(home),
             "CASEWATCH_KAFKA_CONFIG": str(root / "server.properties"),
             "CASEWATCH_SECRETS_DIR": str(secrets)})
    try:
        deadline = time.monotonic() + 90
        while not _answers(port):
            assert process.poll() is None, (root / "console.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the compose broker did not start"
            time.sleep(0.25)
        apply_initial_acls(material, DEFAULT_REGIONS)  # what the compose `acl` service does
        yield material
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        if _alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)


def test_the_compose_secrets_are_every_file_the_broker_and_clients_need() -> None:
    names = set(compose_secrets())
    assert {"kafka-ca", "kafka-broker-keystore", "kafka-broker-jaas"} <= names
    assert {f"kafka-scram-{p}" for p in ["broker", *principals(DEFAULT_REGIONS)]} <= names
    for name in re.findall(r"/run/secrets/(kafka-[a-z0-9-]+)", COMPOSE):
        assert name in names, name


def test_the_compose_broker_takes_the_admin_and_refuses_the_ungranted(
    compose_broker: SecureMaterial,
) -> None:
    admin = admin_client(compose_broker.settings(ADMIN))
    try:
        admin.list_topics()
    finally:
        admin.close()
    with pytest.raises(CommandError, match="refused: region-wales"):
        require_topic(compose_broker.settings("region-wales"), "casewatch.case-events")


def test_no_password_is_on_the_compose_brokers_command_lines(
    compose_broker: SecureMaterial,
) -> None:
    passwords = [compose_broker.password(p) for p in ["broker", *principals(DEFAULT_REGIONS)]]
    config = (compose_broker.home.parents[1] / "server.properties").read_text()
    lines = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                lines.append((entry / "cmdline").read_bytes().decode(errors="replace"))
            except OSError:
                continue
    assert any("kafka.Kafka" in line for line in lines)
    for password in passwords:
        assert password not in config
        assert not any(password in line for line in lines)
    assert not list(Path("/dev/shm").glob("tmp*")) or all(
        "SCRAM" not in p.read_text(errors="replace") for p in Path("/dev/shm").glob("tmp*")
        if p.is_file())
