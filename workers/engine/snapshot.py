"""A case's state as bytes and back, for the worker's durable table (RocksDB + changelog).

What is stored is what cannot be derived: the case's accepted events (in wire form) and the
alert states last published for it. Facts and breaches are re-derived on restore, so a restored
case continues exactly as the uninterrupted one would, including withdrawals of alerts it had
published. Stored as compact JSON, zlib-compressed.
"""

import json
import zlib
from datetime import date, datetime
from typing import Any

from schemas.codes import AlertStatus, Resolution, Rosh
from schemas.events import CaseEvent, case_event_adapter
from workers.engine.alert import AlertView
from workers.engine.case import CaseState
from workers.engine.facts import Assignment
from workers.engine.policy import Policy
from workers.engine.rules import RULES, RULES_BY_ID

FORMAT = 1


def snapshot(case: CaseState, now: datetime) -> bytes:
    # Each event's JSON is made once per case and kept: a snapshot is taken after every change,
    # and re-serialising the whole history each time would make it quadratic in practice.
    wire = case.wire
    events = []
    for occurrence in case.facts.occurrences():  # any order: restore re-sorts as it adds
        text = wire.get(occurrence.event_id)
        if text is None:
            text = wire[occurrence.event_id] = case_event_adapter.dump_json(
                occurrence.event, exclude_none=True)
        events.append(text)
    head = json.dumps({"format": FORMAT, "crn": case.crn, "now": now.isoformat(),
                       "published": [_view_to_json(v) for v in case.published.values()]},
                      separators=(",", ":")).encode()
    return zlib.compress(head[:-1] + b',"events":[' + b",".join(events) + b"]}", 1)


def restore(data: bytes, policy: Policy) -> tuple[CaseState, datetime]:
    document = json.loads(zlib.decompress(data))
    if document.get("format") != FORMAT:
        raise ValueError(f"unknown case snapshot format {document.get('format')!r}")
    case = CaseState(document["crn"])
    now = datetime.fromisoformat(document["now"])
    for raw in document["events"]:
        # Validated as JSON, as on the wire: strict mode takes timestamps and codes as strings.
        event: CaseEvent = case_event_adapter.validate_json(json.dumps(raw))
        case.event_ids.add(event.eventId)
        case.facts.add(event)
    if case.facts.allocation is not None:
        for rule in RULES:
            case._evaluate(rule, policy, now, [], [])
    for item in document["published"]:
        view = _view_from_json(item)
        case.published[view.alert_id] = view
    case._schedule(now)
    return case, now


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
