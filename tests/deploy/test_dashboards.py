"""Grafana dashboards: generated from code, current, well-formed, provisioned consistently."""

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

GRAFANA = Path(__file__).resolve().parents[2] / "deploy" / "grafana"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dashboards", GRAFANA / "dashboards.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dashboards() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text())
            for path in sorted((GRAFANA / "dashboards").glob("*.json"))}


def panel_queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, PromQL) for every target, variables set to All."""
    found = []
    for name, board in dashboards().items():
        for panel in board["panels"]:
            for target in panel["targets"]:
                expr = re.sub(r"\$(region|pdu|team|measure)\b", ".*", target["expr"])
                found.append((name, panel["title"], expr.replace("$__rate_interval", "1m")))
    return found


@pytest.mark.parametrize("name", ["pdu-quality", "harm-gaps", "worker-health",
                                  "needs-equality"])
def test_committed_dashboards_are_current(name: str) -> None:
    assert (GRAFANA / "dashboards" / f"{name}.json").read_text() == generator().render(name), (
        "stale: run python deploy/grafana/dashboards.py")


def test_panels_are_well_formed() -> None:
    for name, board in dashboards().items():
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids)), name
        for panel in board["panels"]:
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24, (name, panel["title"])
            assert panel["datasource"]["uid"] == "casewatch-prometheus"
            assert panel["targets"], (name, panel["title"])


def test_the_pdu_quality_dashboard_shows_the_inspection_table() -> None:
    board = dashboards()["pdu-quality"]
    titles = [panel["title"] for panel in board["panels"]]
    assert "Case supervision score" in titles
    assert {"2.1 Assessment", "2.2 Planning", "2.3 Implementation and delivery",
            "2.4 Reviewing"} <= set(titles)
    ratings = next(p for p in board["panels"] if p["title"] == "2.1 Assessment")
    mapped = ratings["fieldConfig"]["defaults"]["mappings"][0]["options"]
    assert mapped["0"]["text"] == "Inadequate" and mapped["3"]["text"] == "Outstanding"
    assert [v["name"] for v in board["templating"]["list"]] == ["region", "pdu", "team"]


def test_provisioning_uses_the_dashboards_datasource_uid() -> None:
    text = (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text()
    assert "uid: casewatch-prometheus" in text
    assert len(panel_queries()) >= 25
