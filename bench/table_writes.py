"""Bytes the worker writes to its table (and so to the table's changelog) per event.

    ./run bench writes

For one case given 10 and then 100 events (an allocation, then attended contacts, with the
alerts they open and satisfy), each event's writes as the worker makes them (its partition
shell, casewatch/worker/watch.py): format 3 appends one row with the event and the alert states
it changed, and rewrites the case's summary (engine/snapshot.py). The baseline, in the same
run, is format 1: the whole case's history, compressed, on every change. Each table row is one
RocksDB put and one changelog message of the same key and value, so the figures are both.
"""

import json
import zlib
from datetime import UTC, datetime, timedelta

from casewatch.engine.caseload import Caseload
from casewatch.engine.policy import Policy
from casewatch.engine.snapshot import _view_to_json
from casewatch.schemas.events import case_event_adapter
from casewatch.worker.watch import PartitionWatch

START = datetime(2025, 7, 1, 9, tzinfo=UTC)


def event(number: int) -> dict[str, object]:
    base = {"eventId": f"e{number:05d}", "version": 1, "crn": "X123456",
            "occurredAt": (START + timedelta(hours=4 * number)).isoformat()}
    if number == 0:
        return {**base, "eventType": "case.allocated", "detail": {
            "region": "north-east", "pdu": "pdu-a", "team": "team-a",
            "practitioner": {"id": "PR1", "grade": "PO"}, "manager": {"id": "SPO1"},
            "sentenceType": "COMMUNITY_ORDER", "rosh": "MEDIUM", "registrations": []}}
    return {**base, "eventType": "contact.recorded", "detail": {
        "contactId": f"c{number}", "type": "OFFICE", "outcome": "ATTENDED"}}


def whole_case(caseload: Caseload) -> int:
    """Format 1's write: the case's every event and alert state, compressed."""
    case = caseload.cases["X123456"]
    assert caseload.now is not None
    events = [json.loads(case_event_adapter.dump_json(o.event, exclude_none=True))
              for o in case.facts.occurrences()]
    return len(zlib.compress(json.dumps({
        "format": 1, "crn": case.crn, "now": caseload.now.isoformat(),
        "published": [_view_to_json(v) for v in case.published.values()],
        "events": events}, separators=(",", ":")).encode(), 1)) + len(case.crn)


def main() -> None:
    watch = PartitionWatch(Policy())
    written: list[int] = []  # per event, format 3: the change and the summary
    rows: list[int] = []
    whole: list[int] = []
    for number in range(100):
        outcome = watch.on_message(json.dumps(event(number)).encode())
        assert outcome.rejection is None and not outcome.duplicate
        written.append(sum(len(key) + len(value) for key, value in outcome.rows))
        rows.append(len(outcome.rows))
        whole.append(whole_case(watch.caseload))
    print("event  format 3 (change + summary)  format 1 (the whole case)  ratio")
    for index in (9, 99):
        print(f"{index + 1:>5}  {written[index]:>18,} B in {rows[index]} rows  "
              f"{whole[index]:>24,} B  {whole[index] / written[index]:5.1f}")
    mean3 = sum(written) / len(written)
    mean1 = sum(whole) / len(whole)
    print(f"mean over 100 events: format 3 {mean3:,.0f} B, format 1 {mean1:,.0f} B")


if __name__ == "__main__":
    main()
