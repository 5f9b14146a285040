"""A case's state as table rows and back, for the worker's durable table (RocksDB + changelog).

What is stored is what cannot be derived: the case's accepted events (in wire form) and the
alert states last published for it. Facts and breaches are re-derived on restore, so a restored
case continues exactly as the uninterrupted one would, including withdrawals of alerts it had
published.

Format 2 appends one row per change, so a change writes only what changed: the event just
applied (if any), the alert states it changed and the case's clock. Bytes written per event do
not grow with the case's history (format 1 wrote the whole compressed history every time), and
a change is still one table write (one changelog message), as before. Keys start with the CRN,
so a partition's rows group by case, and end with the case's write number:

    CRN, a zero byte, the write number (8 bytes, big-endian)
        -> {"now": ..., "event": {...} or null, "alerts": [alert state, ...]}

Restoring a case applies its rows in write order: every event, and the last state of each
alert. A format-1 row (a zlib-compressed whole case at key CRN) is still read, first, as the
case's beginning; later rows follow it. So an existing table needs no rebuild.

Format 3 adds, beside each case's rows, its summary: what a worker must know of a case it has
not read (its clock, its next transition, how many rows it has), so a restart reads summaries,
not cases. Summary keys start with a byte below every CRN, so they sort together:

    0x01, CRN -> {"now": ..., "next": ... or null, "writes": n}

A table whose every case has a summary carries the row FORMAT_ROW; one without it (written by
an earlier version, or new) is read whole once and its summaries written then.

A change row's event may also be a list of events: `casewatch rebuild` writes each case as one
such row (its write 0: every event and every alert state; more only for a history too long for
one Kafka message) and its summary, so a national table is half a million changelog messages
rather than one per event (rebuild/state.py).
"""

import json
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from casewatch.engine.alert import AlertView
from casewatch.engine.case import CaseState
from casewatch.engine.facts import Assignment
from casewatch.engine.policy import Policy
from casewatch.engine.rules import RULES, RULES_BY_ID
from casewatch.schemas.codes import AlertStatus, Resolution, Rosh
from casewatch.schemas.events import CaseEvent, case_event_adapter, case_events_adapter

SEPARATOR = b"\x00"
# A change row's value is joined from these, and cut at them again when read.
NOW_AT = b'{"now":"'
EVENT_AT = b'","event":'
ALERTS_AT = b',"alerts":'
SUMMARY = b"\x01"
FORMAT_ROW = (b"\x02format", b"3")
# The fingerprint of the policy and rules the table's alert states were computed under (§14).
POLICY_KEY = b"\x02policy"

Row = tuple[bytes, bytes]


def fingerprint_row(found: str) -> Row:
    """The row that says a table's alert states are as the policy and rules of fingerprint
    `found` place them."""
    return POLICY_KEY, found.encode()


def rows_prefix(crn: str) -> bytes:
    """Every row of the case's history starts with this (the format-1 row is the CRN alone)."""
    return crn.encode()


def is_case_row(key: bytes) -> bool:
    """A row of a case's history (CRNs start with a capital), not a summary or the format
    row, nor a row the table's host keeps beside them (faust's changelog offset)."""
    return b"A" <= key[:1] <= b"Z"


@dataclass(frozen=True, slots=True)
class Summary:
    crn: str
    now: datetime
    next_at: datetime | None
    writes: int


def summary_row(crn: str, now: datetime, next_at: datetime | None, writes: int) -> Row:
    return SUMMARY + crn.encode(), json.dumps(
        {"now": now.isoformat(), "next": next_at.isoformat() if next_at else None,
         "writes": writes}, separators=(",", ":")).encode()


def read_summary(row: Row) -> Summary:
    key, value = row
    found = json.loads(value)
    return Summary(key[len(SUMMARY):].decode(), datetime.fromisoformat(found["now"]),
                   datetime.fromisoformat(found["next"]) if found["next"] else None,
                   found["writes"])


def change_row(case: CaseState, now: datetime, write: int, *, event: CaseEvent | None = None,
               alerts: Iterable[str] = ()) -> Row:
    """The row one change to `case` appends: its `write`-th (numbered from 0)."""
    event_json = (case_event_adapter.dump_json(event, exclude_none=True) if event is not None
                  else b"null")
    return _row(case, now, write, event_json, alerts)


def bulk_rows(case: CaseState, now: datetime, most_bytes: int = 512 * 2**10) -> list[Row]:
    """`case` as few rows as its events fit in, `most_bytes` of events a row (a long history
    stays under Kafka's message limit); the last carries every alert state."""
    rows: list[Row] = []
    held: list[bytes] = []
    size = 0
    for occurrence in case.facts.occurrences():
        event = case_event_adapter.dump_json(occurrence.event, exclude_none=True)
        if held and size + len(event) > most_bytes:
            rows.append(_row(case, now, len(rows), b"[" + b",".join(held) + b"]", ()))
            held, size = [], 0
        held.append(event)
        size += len(event) + 1
    rows.append(_row(case, now, len(rows), b"[" + b",".join(held) + b"]", case.published))
    return rows


def _row(case: CaseState, now: datetime, write: int, event_json: bytes,
         alerts: Iterable[str]) -> Row:
    key = case.crn.encode() + SEPARATOR + write.to_bytes(8, "big")
    states = b",".join(json.dumps(_view_to_json(case.published[alert_id]),
                                  separators=(",", ":")).encode()
                       for alert_id in dict.fromkeys(alerts))
    return key, (NOW_AT + now.isoformat().encode() + EVENT_AT + event_json + ALERTS_AT + b"["
                 + states + b"]}")


def whole_case_rows(case: CaseState, now: datetime) -> list[Row]:
    """Rows that restore `case` as it is: one per event, the last carrying every alert state."""
    events = [o.event for o in case.facts.occurrences()]
    rows = [change_row(case, now, number, event=event) for number, event in enumerate(events)]
    rows.append(change_row(case, now, len(events), alerts=case.published))
    return rows


@dataclass(frozen=True)
class Restored:
    case: CaseState
    now: datetime
    writes: int  # rows the case has: the number its next write takes


def restore_rows(rows: Iterable[Row], policy: Policy) -> Iterator[Restored]:
    """Every case in `rows` (in any order; summary and format rows are skipped)."""
    by_case: dict[bytes, list[Row]] = defaultdict(list)
    for key, value in rows:
        if is_case_row(key):
            by_case[key.split(SEPARATOR, 1)[0]].append((key, value))
    for crn, found in by_case.items():
        yield restore_case(crn.decode(), found, policy)


def restore_case(crn: str, rows: Iterable[Row], policy: Policy) -> Restored:
    """One case from its rows (any order): its history as of its last row."""
    key_of_format_1 = crn.encode()
    case = CaseState(crn)
    now: datetime | None = None
    published: dict[str, AlertView] = {}
    writes = 0
    for key, value in sorted(rows):  # the format-1 row (key CRN alone) first, then by write
        if key == key_of_format_1:
            now = _read_format_1(case, value, published)
            continue
        found_now, event_json, alerts = _split_change(value)
        now = datetime.fromisoformat(found_now)
        if event_json.startswith(b"["):  # a bulk row (rebuild)
            for event in case_events_adapter.validate_json(event_json):
                _add(case, event)
        elif event_json != b"null":
            # Validated as JSON, as on the wire: strict mode takes timestamps and codes as text.
            _add(case, case_event_adapter.validate_json(event_json))
        for item in json.loads(alerts):
            view = _view_from_json(item)
            published[view.alert_id] = view
        writes = int.from_bytes(key[len(key_of_format_1) + 1:], "big") + 1
    if now is None:
        raise ValueError(f"no rows for case {crn}")
    return Restored(_finish(case, now, published, policy), now, writes)


def _split_change(value: bytes) -> tuple[str, bytes, bytes]:
    """A change row's clock, event JSON and alert states JSON, cut where change_row joined
    them, so the event is parsed once, by its validator (half of a case's read was parsing it
    as JSON, writing it out again and parsing it again). The alert states come last and hold
    only codes, ids and timestamps, so the last `,"alerts":` is theirs whatever text the event
    holds (in JSON, a quote inside a string is escaped)."""
    if not value.startswith(NOW_AT) or not value.endswith(b"}"):
        raise ValueError("not a change row")
    head, found, rest = value.partition(EVENT_AT)
    cut = rest.rfind(ALERTS_AT)
    if not found or cut < 0:
        raise ValueError("not a change row")
    return head[len(NOW_AT):].decode(), rest[:cut], rest[cut + len(ALERTS_AT):-1]


def _read_format_1(case: CaseState, data: bytes, published: dict[str, AlertView]) -> datetime:
    document = json.loads(zlib.decompress(data))
    if document.get("format") != 1:
        raise ValueError(f"unknown case snapshot format {document.get('format')!r}")
    for raw in document["events"]:
        _add(case, case_event_adapter.validate_json(json.dumps(raw)))
    for item in document["published"]:
        view = _view_from_json(item)
        published[view.alert_id] = view
    return datetime.fromisoformat(document["now"])


def _add(case: CaseState, event: CaseEvent) -> None:
    if event.eventId not in case.event_ids:
        case.event_ids.add(event.eventId)
        case.facts.add(event)


def _finish(case: CaseState, now: datetime, published: dict[str, AlertView],
            policy: Policy) -> CaseState:
    if case.facts.allocation is not None:
        for rule in RULES:
            case._evaluate(rule, policy, now, [], [])
    case.published.update(published)
    case._schedule(now)
    return case


def _view_to_json(view: AlertView) -> list[Any]:
    a = view.assignment
    return [
        view.alert_id, view.rule.id, view.crn, view.status.value,
        view.resolution.value if view.resolution else None, view.opened_at.isoformat(),
        view.due.isoformat() if view.due else None,
        view.resolved_at.isoformat() if view.resolved_at else None,
        [a.region, a.pdu, a.team, a.practitioner_id, a.manager_id],
        view.rosh.value if view.rosh else None, [list(pair) for pair in view.details],
        list(view.evidence),
    ]


def _view_from_json(item: list[Any]) -> AlertView:
    (alert_id, rule_id, crn, status, resolution, opened_at, due, resolved_at, assignment, rosh,
     details, evidence) = item
    return AlertView(
        alert_id=alert_id,
        rule=RULES_BY_ID[rule_id],
        crn=crn,
        status=AlertStatus(status),
        resolution=Resolution(resolution) if resolution else None,
        opened_at=datetime.fromisoformat(opened_at),
        due=date.fromisoformat(due) if due else None,
        resolved_at=datetime.fromisoformat(resolved_at) if resolved_at else None,
        assignment=Assignment(*assignment),
        rosh=Rosh(rosh) if rosh else None,
        details=tuple((key, value) for key, value in details),
        evidence=tuple(evidence),
    )
