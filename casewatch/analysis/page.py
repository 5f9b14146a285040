"""The analysis as one html page a PDU head opens, prints or attaches: tables, and charts where
people would rather look than read, all made from the analysis document."""

from datetime import datetime
from typing import Any

from casewatch.analysis import charts
from casewatch.analysis.profile import GROUPS, REFERENCE, measure_name
from casewatch.engine.calendar import LONDON
from casewatch.pages.jinja import templates

DIMENSION_NAMES = {"ethnicity": "ethnicity", "gender": "gender", "ageBand": "age band"}


def html(doc: dict[str, Any]) -> str:
    rates = {dimension: charts.rates_by_group(doc["disproportionality"], dimension)
             for dimension in GROUPS}
    scope = doc["scope"]["pdu"]
    return templates.get_template("analysis.html").render(
        doc=doc, title=f"Needs, equality and oversight — {scope or 'all PDUs'}",
        as_of=datetime.fromisoformat(doc["asOf"]).astimezone(LONDON).strftime("%d %B %Y %H:%M"),
        charts={"needs": charts.needs_and_referrals(doc["needs"]), "rates": rates,
                "oversight": charts.oversight_load(doc["oversight"]["teams"])},
        flagged=[row for row in doc["disproportionality"] if row["flagged"]],
        compared=any(row["ciLow"] is not None for row in doc["disproportionality"]),
        uncharted={dimension: uncharted(doc["disproportionality"], dimension)
                   for dimension in GROUPS},
        dimension_names=DIMENSION_NAMES, measure_name=measure_name,
        n=lambda value: "<10" if value is None else f"{value:,}",
        percent=lambda value: "—" if value is None else f"{100 * value:.0f}%")


def uncharted(rows: list[dict[str, Any]], dimension: str) -> list[str]:
    """The groups with cases that no chart can show: their counts are suppressed (fewer than
    10, or one that would reveal such a count), so no rate or index is computed for them."""
    present = {r["group"] for r in rows if r["dimension"] == dimension}
    charted = {r["group"] for r in rows if r["dimension"] == dimension and r["ciLow"] is not None}
    return [g for g in GROUPS[dimension]
            if g in present and g not in charted and g != REFERENCE[dimension]]
