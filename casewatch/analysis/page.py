"""The analysis as one html page a PDU head opens, prints or attaches: tables, and charts where
people would rather look than read, all made from the analysis document."""

from datetime import datetime
from typing import Any

from casewatch.analysis import charts
from casewatch.analysis.profile import GROUPS
from casewatch.engine.calendar import LONDON
from casewatch.pages.jinja import templates

DIMENSION_NAMES = {"ethnicity": "ethnicity", "gender": "gender", "ageBand": "age band"}


def html(doc: dict[str, Any]) -> str:
    rates = [(dimension, chart) for dimension in GROUPS
             if (chart := charts.rates_by_group(doc["disproportionality"], dimension))]
    scope = doc["scope"]["pdu"]
    return templates.get_template("analysis.html").render(
        doc=doc, title=f"Needs, equality and oversight — {scope or 'all PDUs'}",
        as_of=datetime.fromisoformat(doc["asOf"]).astimezone(LONDON).strftime("%d %B %Y %H:%M"),
        charts={"needs": charts.needs_and_referrals(doc["needs"]), "rates": rates,
                "oversight": charts.oversight_load(doc["oversight"]["teams"])},
        flagged=[row for row in doc["disproportionality"] if row["flagged"]],
        dimension_names=DIMENSION_NAMES,
        n=lambda value: "<10" if value is None else f"{value:,}",
        percent=lambda value: "—" if value is None else f"{100 * value:.0f}%")
