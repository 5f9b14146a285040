"""What `casewatch notify` sends Alertmanager, and when (SPEC §10). Pure: alert states and the
wall clock in, Alertmanager alerts out.

Alertmanager identifies an alert by its labels, and SPEC §10's labels (rule, severity, region,
pdu, team, manager, crn) do not include the alertId: two alerts of one rule on one case (two
countersigned documents, two pieces of intelligence) are one Alertmanager alert. So the outbox
keeps every casewatch alert's latest state, and sends each *label set* as one alert: firing
while any of its casewatch alerts is OPEN (from the earliest openedAt), resolved once all are.

- Firing: re-sent every `resend` with endsAt = now + 4 × resend, so it ends by itself if the
  notifier dies, as Alertmanager expects of any client.
- Resolved: sent with endsAt = resolvedAt, or now if resolvedAt is later (an event-clock
  timestamp ahead of the wall must not keep it firing), and re-sent for 15 minutes.
- A transfer changes an alert's team or manager, so its label set: the old set is resolved.
- Alerts already resolved when the notifier starts (read while catching up on the compacted
  topics) are not sent: Alertmanager either never saw them fire, or ends them itself within
  4 × resend. So a restart re-sends what is open and nothing already delivered is repeated;
  Alertmanager's notification log suppresses a second email for what is still firing.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

ALERTNAME = "CasewatchCaseAlert"
RESOLVED_RESEND = timedelta(minutes=15)

Labels = tuple[tuple[str, str], ...]


def labels_of(alert: dict[str, Any]) -> Labels:
    """SPEC §10's labels, sorted by name: nothing else, no free text."""
    return tuple(sorted({
        "alertname": ALERTNAME, "rule": alert["ruleId"], "severity": alert["severity"],
        "region": alert["region"], "pdu": alert["pdu"], "team": alert["team"],
        "manager": alert["managerId"] or "unassigned", "crn": alert["crn"],
    }.items()))


def annotations_of(alert: dict[str, Any]) -> dict[str, str]:
    return {
        "summary": alert["summary"],
        "recommendedAction": alert["recommendedAction"],
        "dueDate": alert["dueDate"] or "",
        "openedAt": alert["openedAt"],
        "alertId": alert["alertId"],
        "rosh": alert["rosh"] or "",
    }


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def wire(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass
class _Group:
    """One Alertmanager alert: the casewatch alerts that share its labels."""

    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # alertId → latest state
    changed: bool = True  # send at the next look, whatever the timer says
    sent_at: datetime | None = None
    resolved_since: datetime | None = None  # wall time the group was first seen resolved

    def open_members(self) -> list[dict[str, Any]]:
        return [a for a in self.members.values() if a["status"] == "OPEN"]


class Outbox:
    def __init__(self, resend: timedelta) -> None:
        self.resend = resend
        self._groups: dict[Labels, _Group] = {}
        self._label_of: dict[str, Labels] = {}  # alertId → the label set it is in now

    def __len__(self) -> int:
        return len(self._groups)

    def offer(self, alert: dict[str, Any], now: datetime, *, catching_up: bool = False) -> None:
        """A casewatch alert's new state (a repeat of the same state changes nothing)."""
        key = alert["alertId"]
        labels = labels_of(alert)
        before = self._label_of.get(key)
        if before is not None and before != labels:
            self._leave(before, key, now)
        group = self._groups.get(labels)
        if group is None:
            if catching_up and alert["status"] != "OPEN":
                return  # resolved before this notifier started: nothing to deliver
            group = self._groups[labels] = _Group()
        if group.members.get(key) == alert:
            return
        group.members[key] = alert
        self._label_of[key] = labels
        group.changed = True
        group.resolved_since = None if group.open_members() else (group.resolved_since or now)

    def _leave(self, labels: Labels, key: str, now: datetime) -> None:
        group = self._groups[labels]
        del group.members[key]
        group.changed = True
        if not group.open_members():
            group.resolved_since = group.resolved_since or now

    def due(self, now: datetime) -> list[tuple[Labels, dict[str, Any]]]:
        """Alertmanager alerts to post now: changed ones, and those whose re-send is due."""
        out = []
        for labels, group in list(self._groups.items()):
            if group.resolved_since is not None and now - group.resolved_since > RESOLVED_RESEND:
                # Resolved long enough: forget it (its members cannot reopen under these labels:
                # a reopened breach is a new state, offered again).
                for key in group.members:
                    self._label_of.pop(key, None)
                del self._groups[labels]
                continue
            if not group.changed and group.sent_at is not None and (
                    now - group.sent_at < self.resend):
                continue
            out.append((labels, self._payload(labels, group, now)))
        return out

    def sent(self, labels: Labels, now: datetime) -> None:
        group = self._groups.get(labels)
        if group is not None:
            group.changed = False
            group.sent_at = now

    def _payload(self, labels: Labels, group: _Group, now: datetime) -> dict[str, Any]:
        firing = sorted(group.open_members(), key=lambda a: (a["openedAt"], a["alertId"]))
        if firing:
            shown = firing[0]
            ends = now + 4 * self.resend
            starts = parse(shown["openedAt"])
        else:
            resolved = [a for a in group.members.values() if a.get("resolvedAt")]
            shown = max(resolved or group.members.values() or [{}],
                        key=lambda a: (a.get("resolvedAt") or "", a.get("alertId", "")))
            latest = parse(shown["resolvedAt"]) if shown.get("resolvedAt") else now
            ends = min(latest, now)
            starts = min((parse(a["openedAt"]) for a in group.members.values()), default=ends)
        return {
            "labels": dict(labels),
            "annotations": annotations_of(shown) if shown else {},
            "startsAt": wire(starts),
            "endsAt": wire(ends),
        }
