"""The worklist as a manager reads it: plain text for a terminal, one html page to open, print
or attach. Both are made from SPEC §10's JSON document, and show only CRNs and codes."""

from collections import Counter
from datetime import datetime
from typing import Any

from casewatch.delivery.worklist import days_open
from casewatch.engine.calendar import LONDON
from casewatch.pages.jinja import templates
from casewatch.schemas.codes import SEVERITY_ORDER


def london(wire: str) -> str:
    """A wire timestamp as a London date and time, the way people in a PDU read it."""
    return datetime.fromisoformat(wire).astimezone(LONDON).strftime("%a %d %b %Y %H:%M")


def title(doc: dict[str, Any]) -> str:
    scope = doc["scope"]
    where = " / ".join(p for p in (scope["pdu"], scope["team"]) if p) or "all PDUs"
    return f"Worklist — {where}"


def severities(doc: dict[str, Any]) -> str:
    counts = Counter(case["highestSeverity"] for case in doc["cases"])
    return ", ".join(f"{counts[s]} {s}" for s in SEVERITY_ORDER if counts[s])


def text(doc: dict[str, Any], limit: int) -> str:
    as_of = doc["asOf"]
    lines = [f"{title(doc)}, as of {london(as_of)} (London)",
             f"{len(doc['cases'])} cases need action"
             + (f" (by highest open alert: {severities(doc)})" if doc["cases"] else ""), ""]
    for rank, case in enumerate(doc["cases"][:limit], start=1):
        team = "" if doc["scope"]["team"] else f"team {case['team']}  "
        lines.append(f"{rank:>3}. {case['crn']}  RoSH {case['rosh'] or 'unknown'}  {team}"
                     f"practitioner {case['practitionerId']}  "
                     f"manager {case['managerId'] or 'unassigned'}  "
                     f"open {days_open(case['oldestOpenedAt'], as_of)} days")
        for alert in case["alerts"]:
            due = (f" (due {alert['dueDate']})"
                   if alert["dueDate"] and alert["dueDate"] not in alert["summary"] else "")
            lines.append(f"     {alert['severity']:<8} {alert['ruleId']}  {alert['summary']}{due}")
            lines.append(f"{'':14}→ {alert['recommendedAction']}")
    if len(doc["cases"]) > limit:
        lines.append(f"  … and {len(doc['cases']) - limit} more cases (--limit, --format json)")
    horizon = doc["horizon"]
    lines += ["", f"Due in the next {horizon['workingDays']} working days "
              f"(due by {horizon['lastDueDate']}): {len(doc['dueSoon'])}"]
    for due in doc["dueSoon"][:limit]:
        lines.append(f"  {due['dueDate']}  {due['severity']:<8} {due['ruleId']}  "
                     f"{due['summary']} (practitioner {due['practitionerId']})")
    if len(doc["dueSoon"]) > limit:
        lines.append(f"  … and {len(doc['dueSoon']) - limit} more")
    return "\n".join(lines) + "\n"


def html(doc: dict[str, Any]) -> str:
    return templates.get_template("worklist.html").render(
        doc=doc, title=title(doc), severities=severities(doc), london=london,
        days_open=lambda wire: days_open(wire, doc["asOf"]))
