"""The analysis as text: three tables a PDU head can read in a terminal or an email."""

from typing import Any

SUPPRESSED = "<10"


def render(doc: dict[str, Any]) -> str:
    lines = [f"casewatch — analysis for the PDU head as of {doc['asOf']}"
             + (f" (PDU {doc['scope']['pdu']})" if doc["scope"]["pdu"] else ""),
             "Counts below 10 are shown as <10 and others rounded to the nearest 5"
             if doc["disclosureControl"] else "EXACT COUNTS: for the PDU's own case-level work",
             "", "Needs and services (latest assessment of each case)",
             f"  {'need':<30} {'service':<30} {'cases':>6} {'referred':>9} {'started':>8} "
             f"{'not referred in 20 days':>24}"]
    for row in doc["needs"]:
        # A need no commissioned service meets has no referral figures (not suppressed ones).
        referral = (("—",) * 3 if row["service"] is None else
                    tuple(_n(row[k]) for k in ("referred", "started", "notReferred")))
        lines.append(f"  {row['need']:<30} {row['service'] or '—':<30} {_n(row['cases']):>6} "
                     f"{referral[0]:>9} {referral[1]:>8} {referral[2]:>24}")
    lines += ["", "Disproportionality: rate of cases with a standing breach, and the relative rate "
              "index against the reference group (95% interval); * where the interval excludes 1"]
    by_measure: dict[str, list[dict[str, Any]]] = {}
    for row in doc["disproportionality"]:
        by_measure.setdefault(row["measure"], []).append(row)
    for measure, rows in by_measure.items():
        lines.append(f"  {measure}")
        for row in rows:
            lines.append(f"    {row['dimension']:<10} {row['group']:<11} "
                         f"cases {_n(row['cases']):>6}  rate {_rate(row['rate']):>5}  "
                         f"{_index(row)}".rstrip())
    for kind, name in (("teams", "team"), ("managers", "managerId")):
        lines += ["", f"Oversight capacity by {'team' if kind == 'teams' else 'manager'}",
                  f"  {'pdu':<26} {name:<34} {'cases':>6} {'high risk':>9} {'I-KS-03':>8} "
                  f"{'O-KS-01':>8} {'HIGH+CRIT per practitioner':>27}"]
        for row in doc["oversight"][kind]:
            per = row["openHighAndCriticalPerPractitioner"]
            lines.append(f"  {row['pdu']:<26} {row[name]:<34} {_n(row['cases']):>6} "
                         f"{_n(row['highRiskCases']):>9} {_n(row['openI-KS-03']):>8} "
                         f"{_n(row['openO-KS-01']):>8} {SUPPRESSED if per is None else per:>27}")
    return "\n".join(lines) + "\n"


def _n(value: int | None) -> str:
    return SUPPRESSED if value is None else f"{value:,}"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _index(row: dict[str, Any]) -> str:
    if row["rri"] is None:
        return ""
    if row["ciLow"] is None or row["ciHigh"] is None:
        return f"RRI {row['rri']:.2f}" + (" (reference)" if row["rri"] == 1.0 else "")
    flag = " *" if row["flagged"] else ""
    return f"RRI {row['rri']:.2f} ({row['ciLow']:.2f}–{row['ciHigh']:.2f}){flag}"
