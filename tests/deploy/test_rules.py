"""Prometheus rules and Alertmanager routing, checked with the tools that run them."""

import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def run(*command: str, cwd: Path = DEPLOY) -> str:
    tool = shutil.which(command[0])
    assert tool is not None, f"{command[0]} is missing: ./run test installs it"
    result = subprocess.run([tool, *command[1:]], capture_output=True, text=True, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_rules_are_valid() -> None:
    assert "SUCCESS" in run("promtool", "check", "rules", "prometheus/rules/casewatch.rules.yml")


def test_rule_unit_tests_pass() -> None:
    assert "SUCCESS" in run("promtool", "test", "rules", "casewatch.test.yml",
                            cwd=DEPLOY / "prometheus" / "tests")


def test_prometheus_config_is_valid() -> None:
    run("promtool", "check", "config", "--syntax-only", "prometheus/prometheus.yml")


def test_alertmanager_config_is_valid() -> None:
    run("amtool", "check-config", "alertmanager/alertmanager.yml")


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        # One page per PDU: a critical case alert in Durham goes to that PDU's manager.
        (["alertname=CasewatchCriticalCaseAlertOpen", "severity=page", "region=north-east",
          "pdu=county-durham-darlington", "team=t1", "rule=A-KS-07"],
         "county-durham-darlington-manager"),
        (["alertname=CasewatchStandardInadequate", "severity=warning", "region=north-east",
          "pdu=county-durham-darlington", "standard=2.3"], "county-durham-darlington-quality"),
        (["alertname=CasewatchCriticalCaseAlertOpen", "severity=page", "region=north-east",
          "pdu=tees-valley", "team=t9"], "tees-valley-manager"),
        (["alertname=CasewatchStandardInadequate", "severity=warning", "region=north-east",
          "pdu=northumberland"], "north-east-quality"),
        (["alertname=CasewatchWorkerDown", "severity=page", "team=operations"], "operations"),
        (["alertname=CasewatchStandardInadequate", "region=yorkshire", "pdu=leeds"],
         "quality-unrouted"),
        # Per-case alerts from casewatch notify: CRITICAL and HIGH at once, the rest as a digest,
        # whatever the region (the manager directory addresses them).
        *[(["alertname=CasewatchCaseAlert", f"severity={severity}", "region=north-east",
            "pdu=county-durham-darlington", "team=t1", "manager=SPO01", "crn=X123456",
            "rule=I-KS-01"], receiver)
          for severity, receiver in (("CRITICAL", "case-prompt"), ("HIGH", "case-prompt"),
                                     ("MEDIUM", "case-digest"), ("LOW", "case-digest"))],
        (["alertname=CasewatchCaseAlert", "severity=HIGH", "region=wales", "pdu=cardiff",
          "team=t2", "manager=unassigned", "crn=X000001", "rule=A-KS-01"], "case-prompt"),
        # A team's due-soon list joins its daily digest.
        (["alertname=CasewatchDueSoon", "severity=LOW", "region=north-east",
          "pdu=county-durham-darlington", "team=t1", "manager=SPO01"], "case-digest"),
    ],
)
def test_alerts_route_by_region_and_pdu(labels: list[str], receivers: str) -> None:
    out = run("amtool", "config", "routes", "test",
              "--config.file=alertmanager/alertmanager.yml", *labels)
    assert out.strip() == receivers
