"""What stands now, as the alert and deadlines topics say: each alert's latest state, each case's
pending deadlines, and the silences a manager made, for the live worklist (`casewatch serve`).
Pure: records in, SPEC §10's worklist, a case and a PDU's overview out.

The view keeps, per alert, the few fields it ranks and counts by and the state as the worker
wrote it (bytes, decoded only for the cases a page shows), so a national caseload fits in
memory. Resolved alerts are kept for `RECENT` after they resolve, for the case page, then
dropped. Every change bumps the version of the teams it touches, which is what a page waits on
to update itself.

The clock is the worker's as far as the topics tell it: the latest deadlines record's asOf or
alert change, whichever is later (with an event clock, a replayed history shows the worklist it
had then). Records are published only when they change, so this can trail the worker's clock;
a service beside a worker on the wall clock passes the wall clock as `now`.

Ranking is SPEC §10's, as `casewatch worklist` ranks a replay: highest open severity, then RoSH,
then the oldest openedAt, then the CRN.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from casewatch.delivery.outbox import parse
from casewatch.engine.alert import wire_timestamp
from casewatch.engine.calendar import add_working_days, london_date
from casewatch.engine.worklist import ROSH_RANK, SEVERITY_RANK, UNKNOWN_ROSH, horizon
from casewatch.schemas.codes import SEVERITY_ORDER, Rosh

RECENT = timedelta(days=28)  # how long a resolved alert stays on its case's page
Place = tuple[str, str]  # (pdu, team)


@dataclass(slots=True)
class _Held:
    """One alert's latest state: what the view ranks and counts by, and the state itself."""

    crn: str
    place: Place
    open: bool
    severity: str
    opened_at: datetime
    resolved_at: datetime | None
    raw: bytes


@dataclass(frozen=True, slots=True)
class Silence:
    """A silence a manager made in Alertmanager on one case's alerts of one rule."""

    silence_id: str
    crn: str
    rule: str
    ends_at: datetime
    created_by: str
    reason: str


@dataclass(frozen=True)
class Filters:
    """A worklist narrowed to one practitioner's cases, or to cases with an open alert of one
    severity (their other alerts still shown)."""

    practitioner: str | None = None
    severity: str | None = None


class Standing:
    def __init__(self) -> None:
        self._alerts: dict[str, _Held] = {}  # alertId → latest state
        self._cases: dict[str, set[str]] = defaultdict(set)  # CRN → its alertIds held
        self._places: dict[Place, set[str]] = defaultdict(set)  # (pdu, team) → CRNs there
        self._region: dict[str, str] = {}  # PDU → its region
        self._records: dict[str, dict[str, Any]] = {}  # CRN → its pending deadlines
        self._silences: dict[tuple[str, str], Silence] = {}  # (CRN, rule) → longest silence
        self._versions: Counter[Place] = Counter()
        self._record_clock: datetime | None = None  # the latest deadlines record's asOf
        self._alert_clock: datetime | None = None  # the latest alert change's
        self.changes = 0  # every change counted, for whoever waits on any
        # Worklists made since their team last changed: everyone watching a team asks for the
        # same one after each change.
        self._made: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}

    # -- what comes in ------------------------------------------------------------------------

    def offer_alert(self, alert: dict[str, Any], raw: bytes) -> None:
        key, crn = alert["alertId"], alert["crn"]
        place = (alert["pdu"], alert["team"])
        before = self._alerts.get(key)
        if before is not None and before.raw == raw:
            return  # a repeat delivery of the state held
        self._region[alert["pdu"]] = alert["region"]
        resolved_at = parse(alert["resolvedAt"]) if alert.get("resolvedAt") else None
        self._alert_clock = _later(self._alert_clock, resolved_at or parse(alert["openedAt"]))
        if before is not None:
            self._touch(before.place)
            self._leave(key, before)
        held = _Held(crn, place, alert["status"] == "OPEN", alert["severity"],
                     parse(alert["openedAt"]), resolved_at, raw)
        if self._stale(held):
            return
        self._alerts[key] = held
        self._cases[crn].add(key)
        self._places[place].add(crn)
        self._touch(place)

    def offer_deadlines(self, record: dict[str, Any]) -> None:
        crn = record["crn"]
        before = self._records.get(crn)
        if before == record:
            return
        self._record_clock = _later(self._record_clock, parse(record["asOf"]))
        if before is not None:
            self._touch((before["pdu"], before["team"]))
            self._forget_place(crn, (before["pdu"], before["team"]))
        self._region[record["pdu"]] = record["region"]
        self._records[crn] = record
        place = (record["pdu"], record["team"])
        self._places[place].add(crn)
        self._touch(place)

    def silence(self, silences: Iterable[Silence]) -> None:
        """The silences Alertmanager holds now; those ended are left out by the caller."""
        now: dict[tuple[str, str], Silence] = {}
        for item in silences:
            key = (item.crn, item.rule)
            if key not in now or item.ends_at > now[key].ends_at:
                now[key] = item
        if now == self._silences:
            return
        for (crn, _), _ in set(now.items() ^ self._silences.items()):
            place = self.place_of(crn)
            if place is not None:
                self._touch(place)
        self._silences = now

    def prune(self) -> int:
        """Drop resolved alerts older than RECENT: how many went."""
        gone = [(key, held) for key, held in self._alerts.items() if self._stale(held)]
        for key, held in gone:
            self._touch(held.place)
            self._leave(key, held)
        return len(gone)

    # -- what goes out ------------------------------------------------------------------------

    @property
    def clock(self) -> datetime | None:
        if self._record_clock is None or self._alert_clock is None:
            return self._record_clock or self._alert_clock
        return max(self._record_clock, self._alert_clock)

    def version(self, places: Iterable[Place]) -> int:
        """A number that changes whenever anything shown for these teams does."""
        return sum(self._versions[p] for p in places)

    def places(self) -> list[tuple[str, str, str]]:
        """Every (region, pdu, team) the view holds a case for, sorted."""
        return sorted((self._region.get(pdu, ""), pdu, team)
                      for (pdu, team), crns in self._places.items() if crns)

    def practitioners(self, place: Place, horizon_days: int,
                      now: datetime | None = None) -> list[str]:
        """Everyone holding a case of the team's worklist, sorted: to choose one of them."""
        doc = self.worklist(place, horizon_days, now=now)
        return sorted({c["practitionerId"] for c in doc["cases"]}
                      | {d["practitionerId"] for d in doc["dueSoon"] if d["practitionerId"]})

    def place_of(self, crn: str) -> Place | None:
        """The case's team now: its deadlines record's, else its open alerts', else its latest
        alert's. None for a case the view does not hold."""
        record = self._records.get(crn)
        if record is not None:
            return record["pdu"], record["team"]
        held = [self._alerts[k] for k in self._cases.get(crn, ())]
        if not held:
            return None
        return max(held, key=lambda h: (h.open, h.resolved_at or h.opened_at)).place

    def worklist(self, place: Place, horizon_days: int, filters: Filters = Filters(),
                 now: datetime | None = None) -> dict[str, Any]:
        """SPEC §10's worklist object for one team, with each alert's silence if any, as of
        `now` (the wall clock where the worker runs on it; the view's clock by default)."""
        now = now or self._now()
        key = (place, horizon_days, filters, now)
        made = self._made.get(key)
        if made is not None and made[0] == self._versions[place]:
            return made[1]
        if len(self._made) > 1024:
            self._made.clear()
        doc = self._worklist(place, horizon_days, filters, now)
        self._made[key] = (self._versions[place], doc)
        return doc

    def _worklist(self, place: Place, horizon_days: int, filters: Filters,
                  now: datetime) -> dict[str, Any]:
        pdu, team = place
        last = add_working_days(london_date(now), horizon_days)
        cases = []
        for crn in self._places.get(place, ()):
            alerts = [self._decoded(k) for k in self._cases.get(crn, ())
                      if self._alerts[k].open and self._alerts[k].place == place]
            if not alerts:
                continue
            case = self._case_row(crn, alerts)
            if filters.practitioner and case["practitionerId"] != filters.practitioner:
                continue
            if filters.severity and all(a["severity"] != filters.severity
                                        for a in case["alerts"]):
                continue
            cases.append(case)
        cases.sort(key=case_rank)
        soon = [row for crn in self._places.get(place, ())
                for row in self._due(crn, place, now, last.isoformat())
                if not filters.practitioner or row["practitionerId"] == filters.practitioner]
        soon.sort(key=lambda r: (r["dueDate"], SEVERITY_RANK[r["severity"]], r["crn"],
                                 r["ruleId"], r["alertId"]))
        return {
            "asOf": wire_timestamp(now),
            "scope": {"pdu": pdu, "team": team},
            "horizon": {"workingDays": horizon_days, "lastDueDate": last.isoformat(),
                        "until": wire_timestamp(horizon(now, horizon_days))},
            "cases": cases,
            "dueSoon": [{k: v for k, v in row.items() if k != "alertId"} for row in soon],
        }

    def case(self, crn: str, now: datetime | None = None) -> dict[str, Any] | None:
        """One case: its open and recently resolved alerts (evidence included), its pending
        deadlines, its team and manager. None for a case the view does not hold."""
        place = self.place_of(crn)
        if place is None:
            return None
        now = now or self._now()
        alerts = [self._decoded(k) for k in self._cases.get(crn, ())]
        open_ = sorted((a for a in alerts if a["status"] == "OPEN"), key=alert_rank)
        resolved = sorted((a for a in alerts if a["status"] != "OPEN"),
                          key=lambda a: a["resolvedAt"] or "", reverse=True)
        record = self._records.get(crn)
        latest = max(alerts, key=lambda a: (a["status"] == "OPEN", a["resolvedAt"] or "",
                                            a["openedAt"]), default=None)
        holder = record or latest or {}
        return {
            "asOf": wire_timestamp(now),
            "crn": crn, "region": self._region.get(place[0]), "pdu": place[0],
            "team": place[1], "practitionerId": holder.get("practitionerId"),
            "managerId": holder.get("managerId"),
            "rosh": latest["rosh"] if latest else None,
            "open": [self._with_silence(a) for a in open_],
            "resolved": resolved,
            "deadlines": sorted(record["deadlines"] if record else [],
                                key=lambda d: (d["dueDate"] or "", d["ruleId"])),
        }

    def overview(self, pdu: str, horizon_days: int, now: datetime | None = None) -> (
        dict[str, Any]
    ):
        """The PDU's teams side by side: cases needing action, open alerts by severity, the
        oldest open, and what falls due by the horizon."""
        now = now or self._now()
        last = add_working_days(london_date(now), horizon_days).isoformat()
        teams = []
        for region, place_pdu, team in self.places():
            if place_pdu != pdu:
                continue
            place = (pdu, team)
            held = [self._alerts[k] for crn in self._places[place]
                    for k in self._cases.get(crn, ()) if self._alerts[k].place == place
                    and self._alerts[k].open]
            counts = Counter(h.severity for h in held)
            teams.append({
                "pdu": pdu, "team": team, "region": region,
                "cases": len({h.crn for h in held}),
                "open": {s.value: counts[s.value] for s in SEVERITY_ORDER},
                "oldestOpenedAt": wire_timestamp(min(h.opened_at for h in held))
                if held else None,
                "dueSoon": sum(len(self._due(crn, place, now, last))
                               for crn in self._places[place]),
            })
        return {"asOf": wire_timestamp(now), "pdu": pdu, "horizon": {
            "workingDays": horizon_days, "lastDueDate": last}, "teams": teams}

    def __len__(self) -> int:
        return len(self._alerts)

    # -- inside -------------------------------------------------------------------------------

    def _now(self) -> datetime:
        if self.clock is None:
            raise LookupError("nothing read yet")
        return self.clock

    def _stale(self, held: _Held) -> bool:
        clock = self.clock
        return (not held.open and held.resolved_at is not None and clock is not None
                and clock - held.resolved_at > RECENT)

    def _touch(self, place: Place) -> None:
        self._versions[place] += 1
        self.changes += 1

    def _leave(self, key: str, held: _Held) -> None:
        del self._alerts[key]
        keys = self._cases[held.crn]
        keys.discard(key)
        if not keys:
            del self._cases[held.crn]
        self._forget_place(held.crn, held.place)

    def _forget_place(self, crn: str, place: Place) -> None:
        """The case leaves a team's set when nothing of it is held there any longer."""
        record = self._records.get(crn)
        if record is not None and (record["pdu"], record["team"]) == place:
            return
        if any(self._alerts[k].place == place for k in self._cases.get(crn, ())):
            return
        crns = self._places.get(place)
        if crns is not None:
            crns.discard(crn)

    def _decoded(self, key: str) -> dict[str, Any]:
        alert: dict[str, Any] = json.loads(self._alerts[key].raw)
        return alert

    def _with_silence(self, alert: dict[str, Any]) -> dict[str, Any]:
        silence = self._silences.get((alert["crn"], alert["ruleId"]))
        if silence is None:
            return alert
        return {**alert, "silence": {"id": silence.silence_id,
                                     "until": wire_timestamp(silence.ends_at),
                                     "by": silence.created_by, "reason": silence.reason}}

    def _case_row(self, crn: str, alerts: list[dict[str, Any]]) -> dict[str, Any]:
        alerts.sort(key=alert_rank)
        first = alerts[0]
        return {
            "crn": crn, "pdu": first["pdu"], "team": first["team"],
            "practitionerId": first["practitionerId"], "managerId": first["managerId"],
            "rosh": first["rosh"], "highestSeverity": first["severity"],
            "oldestOpenedAt": wire_timestamp(min(parse(a["openedAt"]) for a in alerts)),
            "alerts": [{key: a[key] for key in ("alertId", "ruleId", "severity", "openedAt",
                                                "dueDate", "summary", "recommendedAction")}
                       | ({"silence": s} if (s := self._with_silence(a).get("silence")) else {})
                       for a in alerts],
        }

    def _due(self, crn: str, place: Place, now: datetime, last: str) -> list[dict[str, Any]]:
        """The case's deadlines falling due from today to `last`, as due-soon rows."""
        record = self._records.get(crn)
        if record is None or (record["pdu"], record["team"]) != place:
            return []
        today = london_date(now).isoformat()
        return [{"crn": crn, "team": record["team"],
                 "practitionerId": record.get("practitionerId"),
                 "managerId": record["managerId"], "ruleId": d["ruleId"],
                 "severity": d["severity"], "dueDate": d["dueDate"], "summary": d["summary"],
                 "alertId": d["alertId"]}
                for d in record["deadlines"] if d["dueDate"] and today <= d["dueDate"] <= last]


def _later(clock: datetime | None, moment: datetime) -> datetime:
    return moment if clock is None or moment > clock else clock


def alert_rank(alert: dict[str, Any]) -> tuple[int, datetime, str, str]:
    """An open alert's place within its case, as the engine orders them."""
    return (SEVERITY_RANK[alert["severity"]], parse(alert["openedAt"]), alert["ruleId"],
            alert["alertId"])


def case_rank(case: dict[str, Any]) -> tuple[int, int, datetime, str]:
    """SPEC §10: highest open severity, RoSH (VERY_HIGH first, unknown last), oldest openedAt,
    then the CRN so the order is total."""
    rosh = case["rosh"]
    return (SEVERITY_RANK[case["highestSeverity"]],
            ROSH_RANK[Rosh(rosh)] if rosh else UNKNOWN_ROSH,
            parse(case["oldestOpenedAt"]), case["crn"])
