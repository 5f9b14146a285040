"""Draw the PDU quality dashboard's layout as HTML, filled with one PDU's replay numbers.

    casewatch replay events.jsonl --format json > report.json
    python deploy/grafana/render_layout.py report.json PDU out.html
    chromium --headless --screenshot=out.png --window-size=1240,860 out.html

Grafana cannot run here, so this is not a Grafana screenshot: it places each panel where the
dashboard JSON puts it (same grid, titles and colours) and fills it with the numbers replay
computes, which the recording rules reproduce exactly.
"""

import html
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

BOARD = Path(__file__).resolve().parent / "dashboards" / "pdu-quality.json"
COLUMN, ROW = 50, 30
COLOURS = {0: "#c4162a", 1: "#ff780a", 2: "#37872d", 3: "#19730e"}
NAMES = {0: "Inadequate", 1: "Requires improvement", 2: "Good", 3: "Outstanding"}
QUESTIONS = {"engaging": "Engaging the person", "desistance": "Desistance",
             "keeping_safe": "Keeping other people safe"}


def colour(ratio: float) -> str:
    return COLOURS[3 if ratio >= 0.8 else 2 if ratio >= 0.65 else 1 if ratio >= 0.5 else 0]


def body(panel: dict[str, Any], pdu: dict[str, Any], alerts: list[dict[str, Any]]) -> str:
    title = panel["title"]
    if title == "Case supervision score":
        score = pdu["caseSupervisionScore"]
        return f'<div class="big">{score["score"]}<small> / {score["max"]}</small></div>'
    standards = {s["standard"]: s for s in pdu["standards"]}
    standard = title.split()[0]
    if panel["type"] == "stat" and standard in standards:
        rated = standards[standard]["score"]
        if rated is None:
            return '<div class="big muted">not rated</div>'
        return (f'<div class="rating" style="background:{COLOURS[rated]}">'
                f"{NAMES[rated]}</div>")
    if panel["type"] == "bargauge" and standard in standards:
        rows = []
        for kq in pdu["keyQuestions"]:
            if kq["standard"] == standard and kq["ratio"] is not None:
                width = round(100 * kq["ratio"])
                rows.append(f'<div class="bar"><span>{QUESTIONS[kq["question"]]}</span>'
                            f'<div class="track"><div style="width:{width}%;background:'
                            f'{colour(kq["ratio"])}"></div></div><b>{width}%</b></div>')
        return "".join(rows)
    if title == "Open alerts by team":
        counts = Counter(a["team"].rsplit("-", 2)[-2] + "-" + a["team"].rsplit("-", 1)[-1]
                         for a in alerts if a["status"] == "OPEN")
        return "".join(f"<div class='row'><span>{html.escape(team)}</span><b>{n}</b></div>"
                       for team, n in sorted(counts.items()))
    return '<div class="muted">trend over time (needs Prometheus history)</div>'


def render(report: dict[str, Any], pdu_name: str) -> str:
    board = json.loads(BOARD.read_text())
    pdu = report["pdus"][pdu_name]
    alerts = [a for a in report["alerts"] if a["pdu"] == pdu_name]
    panels = []
    for panel in board["panels"]:
        grid = panel["gridPos"]
        if grid["y"] >= 23:
            continue
        style = (f"left:{grid['x'] * COLUMN}px;top:{grid['y'] * ROW + 60}px;"
                 f"width:{grid['w'] * COLUMN - 8}px;height:{grid['h'] * ROW - 8}px")
        panels.append(f'<div class="panel" style="{style}"><h3>{html.escape(panel["title"])}'
                      f"</h3>{body(panel, pdu, alerts)}</div>")
    return f"""<!doctype html><meta charset="utf-8"><style>
body{{background:#111217;color:#ccccdc;font:13px sans-serif;margin:8px;position:relative}}
header{{font-size:16px;padding:6px 2px}} header small{{color:#8e8e8e}}
.panel{{position:absolute;background:#181b1f;border:1px solid #2c3235;border-radius:3px;
padding:6px;box-sizing:border-box;overflow:hidden}}
h3{{margin:0 0 6px;font-size:12px;font-weight:500;color:#ccccdc}}
.big{{font-size:44px;text-align:center;margin-top:20px;color:#fff}}
.big small{{font-size:20px;color:#8e8e8e}} .muted{{color:#8e8e8e}}
.rating{{color:#fff;font-size:18px;text-align:center;padding:36px 4px;border-radius:3px}}
.bar{{display:grid;grid-template-columns:1fr;margin:6px 0}} .bar span{{font-size:11px}}
.track{{background:#22252b;height:14px;margin-right:44px}} .track div{{height:14px}}
.bar b{{position:relative;top:-15px;text-align:right}}
.row{{display:flex;justify-content:space-between;border-bottom:1px solid #2c3235;padding:3px}}
</style><header>casewatch — PDU quality <small>region north-east · PDU {html.escape(pdu_name)}
· as of {html.escape(report["asOf"])} · rendered from the dashboard layout with replay's numbers,
not a Grafana screenshot</small></header>{"".join(panels)}"""


if __name__ == "__main__":
    report_path, pdu, out = sys.argv[1:4]
    Path(out).write_text(render(json.loads(Path(report_path).read_text()), pdu))
