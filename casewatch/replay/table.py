"""The inspection-style table a quality lead reads at a glance (replay's default output)."""

from collections import Counter
from collections.abc import Iterable
from typing import Any

from casewatch.schemas.codes import SEVERITY_ORDER

QUESTION_TITLES = {
    "engaging": "engaging the person",
    "desistance": "supporting desistance",
    "keeping_safe": "keeping other people safe",
}
RATING_TITLES = {
    "OUTSTANDING": "Outstanding",
    "GOOD": "Good",
    "REQUIRES_IMPROVEMENT": "Requires improvement",
    "INADEQUATE": "Inadequate",
    None: "not rated (no case in scope)",
}


def render(report: dict[str, Any], alert_limit: int) -> str:
    lines: list[str] = []
    events = report["events"]
    lines.append(f"casewatch — case supervision as of {report['asOf']}")
    lines.append(
        f"events: {events['read']} read, {events['applied']} applied, "
        f"{events['duplicates']} duplicates, {events['rejected']} rejected"
    )
    lines.append("")
    lines.extend(_ratings_block("All PDUs", report))
    for pdu, ratings in report["pdus"].items():
        if len(report["pdus"]) > 1:
            lines.append("")
            lines.extend(_ratings_block(f"PDU {pdu}", ratings))
    lines.append("")
    lines.extend(_alerts_block(report["alerts"], alert_limit))
    if report["rejected"]:
        lines.append("")
        lines.append(f"Rejected lines ({len(report['rejected'])}):")
        for rejected in report["rejected"][:alert_limit]:
            lines.append(f"  line {rejected['line']}: {rejected['reason']}")
        if len(report["rejected"]) > alert_limit:
            lines.append(f"  … and {len(report['rejected']) - alert_limit} more (--format json)")
    return "\n".join(lines) + "\n"


def _ratings_block(title: str, ratings: dict[str, Any]) -> list[str]:
    score = ratings["caseSupervisionScore"]
    lines = [f"{title}: case supervision {score['score']}/{score['max']}"]
    by_standard = {s["standard"]: s for s in ratings["standards"]}
    for standard, result in by_standard.items():
        rating = RATING_TITLES[result["rating"]]
        lines.append(f"  {standard} {result['name']:<28} {rating}")
        for kq in ratings["keyQuestions"]:
            if kq["standard"] != standard:
                continue
            cases = kq["yes"] + kq["no"]
            percent = f"{round(100 * kq['ratio']):>3}%" if kq["ratio"] is not None else "   –"
            lines.append(
                f"      {percent}  {QUESTION_TITLES[kq['question']]:<27} "
                f"({kq['yes']} of {cases} cases)"
            )
    return lines


def _alerts_block(alerts: Iterable[dict[str, Any]], limit: int) -> list[str]:
    """One pass over the alerts, oldest first as the report lists them: the longest-standing
    gaps are the ones to act on, so the first `limit` of each severity are the ones shown."""
    counts: Counter[str] = Counter()
    by_rule: dict[str, Counter[str]] = {severity: Counter() for severity in SEVERITY_ORDER}
    shown: dict[str, list[dict[str, Any]]] = {severity: [] for severity in SEVERITY_ORDER}
    for alert in alerts:
        if alert["status"] != "OPEN":
            continue
        severity = alert["severity"]
        counts[severity] += 1
        by_rule[severity][alert["ruleId"]] += 1
        if len(shown[severity]) < limit:
            shown[severity].append(alert)
    total = sum(counts.values())
    summary = ", ".join(f"{counts[s]} {s}" for s in SEVERITY_ORDER if counts[s])
    lines = [f"Open alerts: {total}" + (f" ({summary})" if summary else "")]
    for severity in SEVERITY_ORDER:
        if not counts[severity]:
            continue
        rules = ", ".join(f"{rule} ×{n}" for rule, n in sorted(by_rule[severity].items()))
        lines.append(f"  {severity} — {rules}")
        for alert in shown[severity]:
            lines.append(f"    {alert['crn']}  {alert['ruleId']:<8} {alert['team']:<16} "
                         f"since {alert['openedAt'][:10]}  {alert['summary']}")
        if counts[severity] > limit:
            lines.append(f"    … and {counts[severity] - limit} more {severity} (--format json "
                         "lists them all)")
    return lines
