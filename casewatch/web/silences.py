"""A manager's silence of one case's alerts of one rule, as Alertmanager's v2 API takes it, and
the silences Alertmanager holds read back as the worklist shows them. Pure.

A silence carries codes only: the case's CRN and the rule as matchers, the manager's user name
as `createdBy`, and a reason from a closed list as its comment, never free text, so nothing a
person types reaches Alertmanager, its emails or its logs.
"""

from datetime import datetime, timedelta
from typing import Any

from casewatch.delivery.outbox import ALERTNAME, parse, wire
from casewatch.delivery.standing import Silence

# Why a manager silences a case's alert: each code with what the page says.
REASONS = {
    "AWAITING_PARTNER_AGENCY": "Waiting on a partner agency's reply",
    "ACTION_BOOKED": "The action is booked",
    "PERSON_IN_CUSTODY": "The person is in custody",
    "PERSON_IN_HOSPITAL": "The person is in hospital",
    "RECORDED_ELSEWHERE": "Done, recorded in another system",
    "TRANSFER_IN_PROGRESS": "The case is being transferred",
}
DAYS = (1, 3, 7, 14, 28)  # how long a silence may last


class SilenceRefused(ValueError):
    pass


def silence_of(crn: str, rule: str, days: int, reason: str, user: str,
               now: datetime) -> dict[str, Any]:
    """The body of POST /api/v2/silences; SilenceRefused for a period or reason not offered."""
    if reason not in REASONS:
        raise SilenceRefused("choose a reason from the list")
    if days not in DAYS:
        raise SilenceRefused("choose how long from the list")
    return {
        "matchers": [_equal("alertname", ALERTNAME), _equal("crn", crn), _equal("rule", rule)],
        "startsAt": wire(now), "endsAt": wire(now + timedelta(days=days)),
        "createdBy": user, "comment": reason,
    }


def silences_held(silences: list[dict[str, Any]]) -> list[Silence]:
    """Alertmanager's active silences that name one case and one rule of casewatch's alerts."""
    held = []
    for item in silences:
        try:
            if item["status"]["state"] != "active":
                continue
            matchers = {m["name"]: m["value"] for m in item["matchers"]
                        if not m.get("isRegex") and m.get("isEqual", True)}
            if matchers.get("alertname") != ALERTNAME or not {"crn", "rule"} <= matchers.keys():
                continue
            reason = str(item.get("comment", ""))
            held.append(Silence(str(item["id"]), matchers["crn"], matchers["rule"],
                                parse(item["endsAt"]), str(item.get("createdBy", "")),
                                reason if reason in REASONS else "OTHER"))
        except (KeyError, TypeError, ValueError):
            continue  # not a silence of this shape: not casewatch's to show
    return held


def _equal(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "value": value, "isRegex": False, "isEqual": True}
