"""Case data is criminal-offence data: free text never leaks out of the worker (SPEC §5, §11).

Names and addresses ride in unknown fields, in `case.closed.reason` (free text by contract) and
in malformed messages. Alerts, deadlines records, dead-letter reasons, the worker's log and its
metrics carry CRNs and codes only, and the worker's table, which keeps every event of a case,
keeps no free text: its changelog topic is read here, and its files are the worker's user's
alone. (A dead letter's value is the message unchanged, by SPEC §8: that topic is readable by
nobody but operators granted it.)
"""

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from casewatch.kafka.settings import Settings
from casewatch.worker.app import REASON_HEADER
from tests.support.live import WorkerProcess, read_topic, run_through_worker
from tests.support.mutations import FREE_TEXT
from tests.worker.test_worker import replayed, simulated

WORDS = ("Jane", "Smith", "Acacia", "Darlington,")


def with_free_text(stream: bytes) -> bytes:
    lines = []
    for index, line in enumerate(stream.splitlines()):
        event = json.loads(line)
        if index % 7 == 0:
            event["notes"] = FREE_TEXT  # unknown fields are ignored, never carried
            event["detail"]["freeText"] = FREE_TEXT
        if event["eventType"] == "case.closed":
            event["detail"]["reason"] = f"Moved in with {FREE_TEXT}"
        lines.append(json.dumps(event).encode())
    crn = json.loads(lines[0])["crn"]
    # Close, with free text as the reason, a case that has an alert open at the end.
    report = replayed(stream)
    still_open = min((a for a in report["alerts"] if a["status"] == "OPEN"),
                     key=lambda a: a["openedAt"])
    closing = {"eventId": "privacy-close", "eventType": "case.closed", "version": 1,
               "occurredAt": report["asOf"], "crn": still_open["crn"],
               "detail": {"reason": FREE_TEXT}}
    bad = [
        {"eventId": "privacy-1", "eventType": FREE_TEXT, "version": 1, "crn": crn,
         "occurredAt": "2025-05-01T10:00:00Z", "detail": {}},
        {"eventId": "privacy-2", "eventType": "contact.recorded", "version": 1, "crn": FREE_TEXT,
         "occurredAt": "2025-05-01T10:00:00Z", "detail": {}},
        {"eventId": "privacy-3", "eventType": "contact.recorded", "version": FREE_TEXT,
         "crn": crn, "occurredAt": "2025-05-01T10:00:00Z", "detail": {}},
        {"eventId": "privacy-4", "eventType": "contact.recorded", "version": 1, "crn": crn,
         "occurredAt": FREE_TEXT, "detail": {"contactId": FREE_TEXT, "type": FREE_TEXT}},
    ]
    return b"\n".join([*lines, json.dumps(closing).encode(),
                       *(json.dumps(b).encode() for b in bad)]) + b"\n"


def test_free_text_never_leaves_the_worker(settings: Settings, workers: list[WorkerProcess],
                                           tmp_path: Path) -> None:
    stream = with_free_text(simulated(30, seed=4))
    assert stream.count(b"Jane Smith") > 10
    worker = run_through_worker(settings, workers, tmp_path / "w1", stream,
                                "2025-09-01T00:00:00Z")
    with urllib.request.urlopen(f"http://127.0.0.1:{worker.web_port}/metrics",
                                timeout=10) as response:
        metrics = response.read().decode()
    alerts = read_topic(settings, settings.alerts_topic("north-east"))
    dead = read_topic(settings, settings.dead_letter_topic)
    reasons = [dict(headers)[REASON_HEADER].decode() for _, _, headers in dead]
    assert len(alerts) > 50 and len(reasons) == 4 and "casewatch_events_total" in metrics
    closed = [json.loads(v) for _, v, _ in alerts if json.loads(v)["resolution"] == "CASE_CLOSED"]
    assert closed, "a closed case's alerts are in the sample"
    kept = [value for _, value, _ in read_topic(settings, f"{settings.app_id}-cases-changelog")
            + read_topic(settings, settings.deadlines_topic("north-east")) if value]
    assert any(b"privacy-close" in value for value in kept), "the closure with free text is kept"
    log = worker.log.read_text()
    for word in WORDS:
        assert not any(word.encode() in value for _, value, _ in alerts), word
        assert not any(word.encode() in value for value in kept), word
        assert not any(word in reason for reason in reasons), (word, reasons)
        assert word not in log, word
        assert word not in metrics, word
    assert_case_table_not_served(worker.web_port, json.loads(alerts[0][1])["crn"])
    # The table's files on disk hold case events: the worker's user alone may read them.
    state = tmp_path / "w1"
    made = [state, *state.rglob("*")]
    assert any(path.suffix == ".sst" or path.name.startswith("MANIFEST") for path in made)
    opened = [path for path in made if path.stat().st_mode & 0o077]
    assert not opened, [f"{path} {path.stat().st_mode & 0o777:o}" for path in opened]


def assert_case_table_not_served(port: int, crn: str) -> None:
    """faust serves its tables' rows over HTTP unless told not to (`/table/cases/{key}/`), and
    where each key lives (`/router/...`): neither is offered by the worker's web server."""
    for path in ("/table/", "/table/cases/", f"/table/cases/{crn}/", "/router/",
                 f"/router/cases/{crn}/"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
        assert refused.value.code == 404, path
