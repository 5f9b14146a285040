"""Grafana dashboards as code: `python deploy/grafana/dashboards.py [--check]`.

Writes deploy/grafana/dashboards/*.json, provisioned into Grafana with the Prometheus datasource
of fixed uid `casewatch-prometheus`. --check exits 1 when the committed JSON is stale. Every
panel query is executed against a real Prometheus in the tests.
"""

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "casewatch-prometheus"}
PDU = 'region=~"$region", pdu=~"$pdu"'
TEAM = 'region=~"$region", pdu=~"$pdu", team=~"$team"'
STANDARDS = {"2.1": "Assessment", "2.2": "Planning", "2.3": "Implementation and delivery",
             "2.4": "Reviewing"}
QUESTIONS = {"engaging": "Engaging the person", "desistance": "Desistance",
             "keeping_safe": "Keeping other people safe"}
RATINGS = [
    {"type": "value", "options": {
        "0": {"text": "Inadequate", "color": "red", "index": 0},
        "1": {"text": "Requires improvement", "color": "orange", "index": 1},
        "2": {"text": "Good", "color": "green", "index": 2},
        "3": {"text": "Outstanding", "color": "dark-green", "index": 3},
    }},
]
RATIO_THRESHOLDS = {"mode": "absolute", "steps": [
    {"color": "red", "value": None}, {"color": "orange", "value": 0.5},
    {"color": "green", "value": 0.65}, {"color": "dark-green", "value": 0.8}]}


def target(expr: str, legend: str = "", ref: str = "A") -> dict[str, Any]:
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref}


def panel(kind: str, title: str, grid: tuple[int, int, int, int], targets: list[dict[str, Any]],
          description: str = "", **extra: Any) -> dict[str, Any]:
    x, y, w, h = grid
    return {"type": kind, "title": title, "description": description, "datasource": DATASOURCE,
            "gridPos": {"x": x, "y": y, "w": w, "h": h}, "targets": targets, **extra}


def variable(name: str, query: str, label: str) -> dict[str, Any]:
    return {"name": name, "label": label, "type": "query", "datasource": DATASOURCE,
            "query": {"query": query, "refId": name}, "definition": query, "refresh": 2,
            "includeAll": True, "multi": True, "allValue": ".*",
            "current": {"text": "All", "value": "$__all"}}


def dashboard(uid: str, title: str, description: str, panels: list[dict[str, Any]],
              variables: list[dict[str, Any]]) -> dict[str, Any]:
    for number, item in enumerate(panels, start=1):
        item["id"] = number
    return {"uid": uid, "title": title, "description": description, "tags": ["casewatch"],
            "timezone": "Europe/London", "schemaVersion": 39, "version": 1, "editable": False,
            "time": {"from": "now-30d", "to": "now"}, "refresh": "1m",
            "templating": {"list": variables}, "panels": panels}


def region_pdu() -> list[dict[str, Any]]:
    return [
        variable("region", "label_values(casewatch_key_question_cases, region)", "Region"),
        variable("pdu", 'label_values(casewatch_key_question_cases{region=~"$region"}, pdu)',
                 "PDU"),
    ]


def pdu_quality() -> dict[str, Any]:
    panels = [
        panel("stat", "Case supervision score", (0, 0, 8, 6), [
            target(f"sum(pdu:casewatch_case_supervision:score{{{PDU}}})", "score"),
            target(f"sum(pdu:casewatch_case_supervision:max{{{PDU}}})", "out of", "B"),
        ], "Sum of the rated standards' scores (3 Outstanding … 0 Inadequate), as the inspection "
           "scores case supervision.", options={"reduceOptions": {"calcs": ["lastNotNull"]},
                                                "textMode": "value_and_name"}),
    ]
    for index, (standard, name) in enumerate(STANDARDS.items()):
        panels.append(panel(
            "stat", f"{standard} {name}", (8 + 4 * index, 0, 4, 6),
            [target(f'min(pdu:casewatch_standard:rating{{{PDU}, standard="{standard}"}})',
                    "rating")],
            "Rated from the lowest key-question ratio: Outstanding ≥ 80%, Good ≥ 65%, "
            "Requires improvement ≥ 50%.",
            fieldConfig={"defaults": {"mappings": RATINGS, "color": {"mode": "thresholds"},
                                      "thresholds": {"mode": "absolute", "steps": [
                                          {"color": "red", "value": None},
                                          {"color": "orange", "value": 1},
                                          {"color": "green", "value": 2},
                                          {"color": "dark-green", "value": 3}]}},
                         "overrides": []},
            options={"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"},
        ))
    for index, (standard, name) in enumerate(STANDARDS.items()):
        panels.append(panel(
            "bargauge", f"{standard} {name}: key questions", (6 * index, 6, 6, 8),
            [target(
                f'sum by (question) (casewatch_key_question_cases{{{PDU}, standard="{standard}",'
                f' answer="yes"}}) / (sum by (question) (casewatch_key_question_cases{{{PDU}, '
                f'standard="{standard}"}}) > 0)', "{{question}}")],
            "Share of in-scope cases answered Yes, over the PDUs selected.",
            fieldConfig={"defaults": {"unit": "percentunit", "min": 0, "max": 1,
                                      "thresholds": RATIO_THRESHOLDS,
                                      "color": {"mode": "thresholds"}}, "overrides": []},
            options={"orientation": "horizontal", "displayMode": "gradient",
                     "reduceOptions": {"calcs": ["lastNotNull"]}},
        ))
    panels.append(panel(
        "timeseries", "Key questions over time", (0, 14, 16, 9),
        [target(f"pdu:casewatch_key_question:ratio{{{PDU}}}",
                "{{pdu}} {{standard}} {{question}}")],
        "How each key question moves between inspections.",
        fieldConfig={"defaults": {"unit": "percentunit", "min": 0, "max": 1}, "overrides": []},
    ))
    panels.append(panel(
        "table", "Open alerts by team", (16, 14, 8, 9),
        [target(f"sum by (team, severity) (casewatch_alerts_open{{{TEAM}}})", "",
                )],
        "Where the open practice gaps are, team by team.",
        options={"showHeader": True}, transformations=[{"id": "reduce", "options": {}}],
    ))
    panels.append(panel(
        "bargauge", "Active cases by RoSH", (0, 23, 12, 6),
        [target(f"sum by (rosh) (casewatch_cases_active{{{TEAM}}})", "{{rosh}}")],
        options={"orientation": "horizontal", "reduceOptions": {"calcs": ["lastNotNull"]}},
    ))
    variables = [*region_pdu(), variable(
        "team", 'label_values(casewatch_cases_active{region=~"$region", pdu=~"$pdu"}, team)',
        "Team")]
    return dashboard("casewatch-pdu-quality", "casewatch — PDU quality",
                     "The inspection's table, live: twelve key questions, four standards, the "
                     "case-supervision score.", panels, variables)


def harm_gaps() -> dict[str, Any]:
    panels = [
        panel("bargauge", "Open alerts by rule", (0, 0, 12, 10),
              [target(f"sum by (rule) (casewatch_alerts_open{{{TEAM}}})", "{{rule}}")],
              options={"orientation": "horizontal",
                       "reduceOptions": {"calcs": ["lastNotNull"]}}),
        panel("piechart", "Open alerts by severity", (12, 0, 6, 10),
              [target(f"sum by (severity) (casewatch_alerts_open{{{TEAM}}})", "{{severity}}")]),
        panel("bargauge", "Open HIGH and CRITICAL alerts by team", (18, 0, 6, 10),
              [target(f'sum by (team) (casewatch_alerts_open{{{TEAM}, '
                      f'severity=~"HIGH|CRITICAL"}})', "{{team}}")],
              options={"orientation": "horizontal",
                       "reduceOptions": {"calcs": ["lastNotNull"]}}),
        panel("timeseries", "Opened vs resolved (per hour)", (0, 10, 12, 8), [
            target(f"sum(increase(casewatch_alerts_opened_total{{{TEAM}}}[1h]))", "opened"),
            target(f"sum by (resolution) (increase(casewatch_alerts_resolved_total{{{TEAM}}}"
                   "[1h]))", "resolved {{resolution}}", "B"),
        ]),
        panel("bargauge", "Oldest open alert by team and severity", (12, 10, 12, 8),
              [target(f"max by (team, severity) (casewatch_alerts_open_oldest_age_seconds"
                      f"{{{TEAM}}})", "{{team}} {{severity}}")],
              "Age on the engine's clock of the longest-standing open alert.",
              fieldConfig={"defaults": {"unit": "s"}, "overrides": []},
              options={"orientation": "horizontal",
                       "reduceOptions": {"calcs": ["lastNotNull"]}}),
        panel("timeseries", "Open keeping-safe alerts over time", (0, 18, 24, 8),
              [target(f'sum by (rule) (casewatch_alerts_open{{{TEAM}, rule=~".-KS-.*"}})',
                      "{{rule}}")]),
    ]
    variables = [*region_pdu(), variable(
        "team", 'label_values(casewatch_alerts_open{region=~"$region", pdu=~"$pdu"}, team)',
        "Team")]
    return dashboard("casewatch-harm-gaps", "casewatch — risk-of-harm gaps",
                     "Open alerts by rule, severity and team; opened against resolved; ageing.",
                     panels, variables)


def worker_health() -> dict[str, Any]:
    panels = [
        panel("timeseries", "Events per second by outcome", (0, 0, 12, 8),
              [target("sum by (outcome) (rate(casewatch_events_total[$__rate_interval]))",
                      "{{outcome}}")], fieldConfig={"defaults": {"unit": "ops"},
                                                     "overrides": []}),
        panel("timeseries", "Processing time per event (p50, p99)", (12, 0, 12, 8), [
            target("histogram_quantile(0.5, sum by (le) (rate("
                   "casewatch_event_processing_seconds_bucket[$__rate_interval])))", "p50"),
            target("histogram_quantile(0.99, sum by (le) (rate("
                   "casewatch_event_processing_seconds_bucket[$__rate_interval])))", "p99", "B"),
        ], fieldConfig={"defaults": {"unit": "s"}, "overrides": []}),
        panel("timeseries", "Event delay, wall clock minus occurredAt (p50, p95)", (0, 8, 12, 8), [
            target("histogram_quantile(0.5, sum by (le) (rate("
                   "casewatch_event_delay_seconds_bucket[$__rate_interval])))", "p50"),
            target("histogram_quantile(0.95, sum by (le) (rate("
                   "casewatch_event_delay_seconds_bucket[$__rate_interval])))", "p95", "B"),
        ], fieldConfig={"defaults": {"unit": "s"}, "overrides": []}),
        panel("timeseries", "Consumer lag by topic", (12, 8, 12, 8),
              [target("sum by (topic) (faust_topic_partition_end_offset - on (topic, partition) "
                      "faust_topic_partition_offset_commited)", "{{topic}}")]),
        panel("timeseries", "Dead letters per minute", (0, 16, 8, 8),
              [target('sum by (event_type) (rate(casewatch_events_total{outcome="rejected"}'
                      "[$__rate_interval])) * 60 or on () vector(0)", "{{event_type}}")],
              "Rejected messages sent to the dead-letter topic; 0 when there are none."),
        panel("stat", "Rebalances", (8, 16, 4, 8),
              [target("sum(faust_total_rebalances)", "rebalances")]),
        panel("stat", "Watermark lag", (12, 16, 6, 8),
              [target("time() - max(casewatch_watermark_timestamp_seconds)", "behind")],
              "How far the newest applied event is behind now.",
              fieldConfig={"defaults": {"unit": "s"}, "overrides": []}),
        panel("stat", "Workers up", (18, 16, 6, 8),
              [target('sum(up{job="casewatch-worker"})', "up")]),
    ]
    return dashboard("casewatch-worker-health", "casewatch — worker health",
                     "Throughput, latency, event delay, lag, dead letters and rebalances.",
                     panels, [])


def needs_equality() -> dict[str, Any]:
    """SPEC §12 live: the counts are disclosure-controlled by the worker (a count below 10 is
    no series; others are rounded to 5), so a small group is absent, never shown as zero."""
    cases = f"casewatch_analysis_group_cases{{{PDU}}}"
    breached = f'casewatch_analysis_group_breached{{{PDU}, measure=~"$measure"}}'
    reference = 'group=~"WHITE|MALE|30-39"'  # one per dimension, as SPEC §12 names them
    rate = f"sum by (dimension, group) ({breached}) / sum by (dimension, group) ({cases})"
    horizontal = {"orientation": "horizontal", "reduceOptions": {"calcs": ["lastNotNull"]}}
    panels = [
        panel("bargauge", "Rate of cases with a standing breach, by group", (0, 0, 12, 12),
              [target(rate, "{{dimension}} {{group}}")],
              "Of each group's cases, the share with a standing breach of the chosen measure.",
              fieldConfig={"defaults": {"unit": "percentunit", "min": 0, "max": 1},
                           "overrides": []}, options=horizontal),
        panel("bargauge", "Relative rate against the reference group", (12, 0, 12, 12),
              [target(f"({rate}) / on (dimension) group_left () (sum by (dimension) "
                      f'(casewatch_analysis_group_breached{{{PDU}, measure=~"$measure", '
                      f"{reference}}}) / sum by (dimension) (casewatch_analysis_group_cases"
                      f"{{{PDU}, {reference}}}))", "{{dimension}} {{group}}")],
              "Each group's rate divided by the reference group's (White, male, 30-39). "
              "Intervals and flags are in casewatch analyse, where the exact counts are.",
              options=horizontal),
        panel("bargauge", "Needs against referrals", (0, 12, 12, 12),
              [target(f"sum by (need, stage) (casewatch_analysis_need_cases{{{TEAM}}})",
                      "{{need}} {{stage}}")],
              "Cases whose latest assessment has the need; of them, referred to its service, "
              "referral started, and not referred within 20 working days.",
              options=horizontal),
        panel("bargauge", "Cases by group", (12, 12, 12, 12),
              [target(f"sum by (dimension, group) ({cases})", "{{dimension}} {{group}}")],
              "Groups of fewer than 10 cases are not shown.", options=horizontal),
    ]
    variables = [*region_pdu(), variable(
        "team", 'label_values(casewatch_analysis_need_cases{region=~"$region", pdu=~"$pdu"}, '
        "team)", "Team (needs)"), {
        **variable("measure", "label_values(casewatch_analysis_group_breached, measure)",
                   "Measure"),
        "includeAll": False, "multi": False, "current": {"text": "A-KS-05", "value": "A-KS-05"},
    }]
    return dashboard("casewatch-needs-equality", "casewatch — PDU needs and equality",
                     "Needs and services, and breach rates by ethnicity, gender and age band "
                     "(the inspection's recommendations 3 and 5), disclosure-controlled.",
                     panels, variables)


DASHBOARDS = {"pdu-quality": pdu_quality, "harm-gaps": harm_gaps,
              "worker-health": worker_health, "needs-equality": needs_equality}


def render(name: str) -> str:
    return json.dumps(DASHBOARDS[name](), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for name in DASHBOARDS:
        path = OUT / f"{name}.json"
        if "--check" in argv:
            if not path.exists() or path.read_text() != render(name):
                stale.append(path.name)
        else:
            OUT.mkdir(exist_ok=True)
            path.write_text(render(name))
    if stale:
        print(f"stale dashboards: {', '.join(stale)}; run python deploy/grafana/dashboards.py",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
