"""`casewatch publish FILE`: JSON Lines onto the case-events topic, key = CRN.

Lines are sent exactly as read, valid or not: validating is the worker's job, and a line that
is not a valid event must reach the dead-letter topic rather than vanish here. A line whose CRN
cannot be read is sent without a key.
"""

from collections.abc import Iterable

from kafka import KafkaProducer
from pydantic_core import from_json

from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings
from casewatch.progress import Progress


def crn_of(line: bytes) -> bytes | None:
    try:
        value = from_json(line)  # bounded nesting: json.loads raised RecursionError on some
    except ValueError:
        return None
    crn = value.get("crn") if isinstance(value, dict) else None
    return crn.encode() if isinstance(crn, str) else None


def publish(settings: Settings, lines: Iterable[bytes], progress: Progress | None = None) -> int:
    producer = KafkaProducer(**kafka_python(settings), acks="all", linger_ms=20, retries=5,
                             client_id="casewatch-publish")
    sent = 0
    try:
        for line in lines:
            if progress is not None:
                progress.advance(len(line))
            body = line.rstrip(b"\r\n")
            if not body.strip():
                continue
            producer.send(settings.events_topic, key=crn_of(body), value=body)
            sent += 1
        producer.flush()
    finally:
        producer.close()
        if progress is not None:
            progress.finish()
    return sent
