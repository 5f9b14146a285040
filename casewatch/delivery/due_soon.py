"""The due-soon list each team's daily digest carries (SPEC §10). Pure.

The worker publishes each case's pending deadlines (deadlines topics, key CRN) whenever they
change. The board keeps the latest record per case and, per PDU, team and manager, makes one
Alertmanager alert, `CasewatchDueSoon`, whose annotation lists every deadline falling due by
the N-th working day after the London date of the clock: the worker's clock as the records
carry it (the watermark with an event clock), so a replayed history gets the lists it had then.
The alert is labelled severity LOW so it joins the team's digest group; it carries no CRN
label, so no case inhibition touches it.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from casewatch.delivery.outbox import RESOLVED_RESEND, Labels, parse, wire
from casewatch.engine.calendar import add_working_days, london_date
from casewatch.engine.worklist import SEVERITY_RANK

ALERTNAME = "CasewatchDueSoon"


@dataclass
class _Sent:
    firing: bool
    at: datetime


class DueSoonBoard:
    def __init__(self, working_days: int, resend: timedelta) -> None:
        self.working_days = working_days
        self.resend = resend
        self._records: dict[tuple[str, str], dict[str, Any]] = {}  # (region, crn) → record
        self._clock: datetime | None = None
        self._changed = False
        self._sent: dict[Labels, _Sent] = {}

    def offer(self, record: dict[str, Any]) -> None:
        key = (record["region"], record["crn"])
        if self._records.get(key) == record:
            return
        self._records[key] = record
        moment = parse(record["asOf"])
        if self._clock is None or moment > self._clock:
            self._clock = moment
        self._changed = True

    def lists(self) -> dict[Labels, list[dict[str, Any]]]:
        """Per team and manager, the deadlines due by the horizon, soonest first."""
        if self._clock is None:
            return {}
        last = add_working_days(london_date(self._clock), self.working_days).isoformat()
        teams: dict[Labels, list[dict[str, Any]]] = defaultdict(list)
        for record in self._records.values():
            soon = [d for d in record["deadlines"] if d["dueDate"] and d["dueDate"] <= last]
            if soon:
                teams[_labels(record)].extend(soon)
        for deadlines in teams.values():
            deadlines.sort(key=lambda d: (d["dueDate"], SEVERITY_RANK.get(d["severity"], 9),
                                          d["summary"]))
        return dict(teams)

    def due(self, now: datetime) -> list[tuple[Labels, dict[str, Any]]]:
        """Alerts to post: every list when something changed or the re-send is due; a team
        whose list emptied is resolved, and re-sent resolved for 15 minutes."""
        lists = self.lists()
        out = []
        for labels, deadlines in lists.items():
            sent = self._sent.get(labels)
            if self._changed or sent is None or not sent.firing or now - sent.at >= self.resend:
                out.append((labels, self._payload(labels, deadlines, now)))
        for labels, sent in list(self._sent.items()):
            if labels in lists:
                continue
            if not sent.firing and now - sent.at > RESOLVED_RESEND:
                del self._sent[labels]
            else:
                out.append((labels, {"labels": dict(labels), "annotations": {},
                                     "startsAt": wire(now), "endsAt": wire(now)}))
        return out

    def sent(self, labels: Labels, payload: dict[str, Any], now: datetime) -> None:
        firing = payload["endsAt"] > wire(now)
        before = self._sent.get(labels)
        if firing or before is None or before.firing:
            self._sent[labels] = _Sent(firing, now)
        self._changed = False

    def _payload(self, labels: Labels, deadlines: list[dict[str, Any]],
                 now: datetime) -> dict[str, Any]:
        lines = [f"{d['dueDate']}  {d['severity']:<8} {d['ruleId']:<8} {d['summary']}"
                 for d in deadlines]
        return {
            "labels": dict(labels),
            "annotations": {
                "summary": f"{len(deadlines)} deadline(s) fall due in the next "
                           f"{self.working_days} working days",
                "dueSoon": "\n".join(lines),
            },
            "startsAt": wire(now),
            "endsAt": wire(now + 4 * self.resend),
        }


def _labels(record: dict[str, Any]) -> Labels:
    return tuple(sorted({
        "alertname": ALERTNAME, "severity": "LOW", "region": record["region"],
        "pdu": record["pdu"], "team": record["team"],
        "manager": record["managerId"] or "unassigned",
    }.items()))
