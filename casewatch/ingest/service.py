"""`casewatch ingest hmpps`: an SQS queue of HMPPS domain events to the input topic (SPEC §13).

Each receive long-polls for up to 10 bodies. Each body is mapped (`mapping`); its casewatch
events go to the input topic (key: CRN), a body that cannot be mapped goes unchanged to the
dead-letter topic with its reason in the `casewatch-reason` header, and a type casewatch does
not use is counted. A message is deleted from the queue only once Kafka has acknowledged
(acks=all) everything it became: a broker that is away leaves it on the queue, and SQS delivers
it again after its visibility timeout, when it maps to the same eventIds (a duplicate the
worker ignores, SPEC §2). At least once, and nothing lost.

The shell around the pure mapping: the SQS client and the Kafka producer are handed in.
"""

import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kafka import KafkaProducer
from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Counter, Histogram

from casewatch.ingest.detail import Sources, Unreachable
from casewatch.ingest.envelope import Refusal, open_body
from casewatch.ingest.mapping import NeedsDetail, Unused, map_event
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("casewatch.ingest")
# Event types named as label values, at most: past this many an unexpected one is "other", so
# a producer inventing types cannot grow the metrics without bound.
MOST_TYPES = 100


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.received = Counter("casewatch_ingest_received", "SQS messages received",
                                registry=registry)
        self.mapped = Counter("casewatch_ingest_mapped",
                              "bodies mapped to casewatch events and published", registry=registry)
        self.events = Counter("casewatch_ingest_events_published",
                              "casewatch events acknowledged by Kafka", registry=registry)
        self.ignored = Counter("casewatch_ingest_ignored", "bodies of types casewatch does not "
                               "use, or needs a detail fetch for, deleted",
                               ["event_type"], registry=registry)
        self.dead_lettered = Counter("casewatch_ingest_dead_lettered",
                                     "bodies that cannot be mapped, sent to the dead letters",
                                     registry=registry)
        self.publish_failures = Counter("casewatch_ingest_publish_failures", "messages left on "
                                        "the queue because Kafka did not acknowledge them",
                                        registry=registry)
        self.receive_failures = Counter("casewatch_ingest_receive_failures",
                                        "receives or deletes the queue did not answer",
                                        registry=registry)
        self.fetch_failures = Counter("casewatch_ingest_fetch_failures",
                                      "detail fetches that failed", registry=registry)
        self.receive_seconds = Histogram("casewatch_ingest_receive_seconds",
                                         "one SQS receive, long polling included",
                                         registry=registry)
        self._types: set[str] = set()

    def ignore(self, event_type: str) -> None:
        if event_type not in self._types and len(self._types) < MOST_TYPES:
            self._types.add(event_type)
        self.ignored.labels(event_type if event_type in self._types else "other").inc()


def producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(**kafka_python(settings), acks="all", linger_ms=5, retries=5,
                         client_id="casewatch-ingest")


def take(settings: Settings, sqs: "SQSClient", kafka: KafkaProducer, metrics: IngestMetrics,
         sources: Sources | None = None) -> int:
    """One receive: map (fetching details through `sources`), publish, and delete what Kafka
    acknowledged. A message whose detail could not be fetched stays. The messages taken."""
    started = time.monotonic()
    answer = sqs.receive_message(QueueUrl=settings.ingest_queue_url, MaxNumberOfMessages=10,
                                 WaitTimeSeconds=settings.ingest_wait_seconds)
    metrics.receive_seconds.observe(time.monotonic() - started)
    messages = answer.get("Messages", [])
    settled: list[str] = []  # receipt handles safe to delete
    # Each message's receipt handle, the sends it waits for, and how many are case events.
    sent: list[tuple[str, list[Any], int]] = []
    for message in messages:
        metrics.received.inc()
        receipt = message["ReceiptHandle"]
        body = message.get("Body", "").encode()
        try:
            mapped = map_event(open_body(body), sources)
        except Unreachable as failure:
            metrics.fetch_failures.inc()
            log.warning("a detail fetch failed (%s): the message stays on the queue",
                        failure.reason)
            continue
        except Refusal as refusal:
            metrics.dead_lettered.inc()
            sent.append((receipt, [kafka.send(settings.dead_letter_topic, value=body, headers=[
                ("casewatch-reason", refusal.reason.encode())])], 0))
            continue
        if isinstance(mapped, Unused | NeedsDetail):
            metrics.ignore(mapped.event_type)
            settled.append(receipt)
            continue
        metrics.mapped.inc()
        sent.append((receipt, [kafka.send(settings.events_topic, key=event["crn"].encode(),
                                          value=json.dumps(event).encode())
                               for event in mapped], len(mapped)))
    try:
        kafka.flush(timeout=30)
    except KafkaError as error:
        log.warning("Kafka did not acknowledge in time (%s): the messages stay on the queue",
                    type(error).__name__)
    for receipt, sends, events in sent:
        if all(send.is_done and send.succeeded() for send in sends):
            metrics.events.inc(events)
            settled.append(receipt)
        else:
            metrics.publish_failures.inc()
    for start in range(0, len(settled), 10):
        sqs.delete_message_batch(QueueUrl=settings.ingest_queue_url, Entries=[
            {"Id": str(n), "ReceiptHandle": r} for n, r in enumerate(settled[start:start + 10])])
    return len(messages)


def sqs_client(settings: Settings) -> "SQSClient":
    """The SDK's client, credentials and region the SDK's standard way; CASEWATCH_SQS_ENDPOINT
    for a local SQS-compatible server."""
    import boto3

    return boto3.client("sqs", endpoint_url=settings.sqs_endpoint or None)


def serve(settings: Settings, sqs: "SQSClient", kafka: KafkaProducer, metrics: IngestMetrics,
          sources: Sources | None = None, running: Callable[[], bool] = lambda: True) -> None:
    """Take from the queue until `running` says stop. A queue that cannot be reached is said
    in one line (its error's kind, never a message body) and tried again."""
    from botocore.exceptions import BotoCoreError, ClientError

    while running():
        try:
            take(settings, sqs, kafka, metrics, sources)
        except (BotoCoreError, ClientError) as error:
            metrics.receive_failures.inc()
            log.warning("the queue did not answer (%s); trying again", type(error).__name__)
            time.sleep(1)
