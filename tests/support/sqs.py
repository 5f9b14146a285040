"""A real SQS-compatible server for the ingest tests: ElasticMQ (deploy/elasticmq/pom.xml, from
Maven Central) on a loopback port, with queues made as HMPPS makes them: each with a dead-letter
queue it redrives to after three receives."""

import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from casewatch.kafka.broker import fetch_jars, free_port, require_java

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

PROJECT = Path(__file__).resolve().parents[2]
POM = PROJECT / "deploy" / "elasticmq" / "pom.xml"
LIBS = PROJECT / ".elasticmq" / "libs"


@dataclass
class SqsServer:
    endpoint: str

    def client(self) -> "SQSClient":
        import boto3

        return boto3.client("sqs", endpoint_url=self.endpoint, region_name="eu-west-2",
                            aws_access_key_id="test", aws_secret_access_key="test")

    def send(self, queue: str, bodies: list[bytes]) -> None:
        """Each body onto the queue, ten to a batch."""
        sqs = self.client()
        for start in range(0, len(bodies), 10):
            sqs.send_message_batch(QueueUrl=queue, Entries=[
                {"Id": str(n), "MessageBody": body.decode()}
                for n, body in enumerate(bodies[start:start + 10])])

    def queue(self, visibility_seconds: int = 30) -> str:
        """A new queue with its dead-letter queue (maxReceiveCount 3); its URL."""
        sqs = self.client()
        name = f"q{uuid.uuid4().hex[:12]}"
        dead = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        return sqs.create_queue(QueueName=name, Attributes={
            "VisibilityTimeout": str(visibility_seconds),
            "RedrivePolicy": f'{{"deadLetterTargetArn":"{arn}","maxReceiveCount":"3"}}',
        })["QueueUrl"]


@contextmanager
def elasticmq(home: Path) -> Iterator[SqsServer]:
    """ElasticMQ on a free loopback port under `home`, stopped on leaving (tests and bench)."""
    java = require_java()
    fetch_jars(LIBS, POM, "ElasticMQ")
    port = free_port()
    config = home / "elasticmq.conf"
    config.write_text(
        'include classpath("application.conf")\n'
        f'node-address {{ protocol = http, host = 127.0.0.1, port = {port}, context-path = "" }}\n'
        f'rest-sqs {{ enabled = true, bind-port = {port}, bind-hostname = "127.0.0.1", '
        "sqs-limits = strict }\n"
        "rest-stats { enabled = false }\n")
    log = (home / "elasticmq.log").open("wb")
    process = subprocess.Popen([java, "-Xmx256m", f"-Dconfig.file={config}", "-cp",
                                f"{LIBS}/*", "org.elasticmq.server.Main"],
                               stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/?Action=ListQueues", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((home / "elasticmq.log").read_text()) from None
                time.sleep(0.3)
        yield SqsServer(endpoint)
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture(scope="session")
def sqs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqsServer]:
    with elasticmq(tmp_path_factory.mktemp("elasticmq")) as server:
        yield server
