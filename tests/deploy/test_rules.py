"""Prometheus rules and configuration, checked with the tools that run them."""

import shutil
import subprocess
from pathlib import Path

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
