"""The shipped Alertmanager configuration is a production template that pages someone: checked
by amtool, every region and operations routed to a receiver that emails a person (addressed by
the directory, with a fallback), its placeholders marked and undeliverable, and a real
Alertmanager mailing operations and a region's quality team."""

import json
import re
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from casewatch.delivery.directory import parse, template
from casewatch.kafka.acl import DEFAULT_REGIONS
from tests.deploy.test_rules import DEPLOY, run
from tests.support.alertmanager import alertmanager, wait_for

CONFIG = "--config.file=alertmanager/alertmanager.yml"
EXAMPLE = DEPLOY / "alertmanager" / "managers.example.toml"


def test_the_config_is_valid() -> None:
    assert "SUCCESS" in run("amtool", "check-config", "alertmanager/alertmanager.yml")


def routed(*labels: str) -> str:
    return run("amtool", "config", "routes", "test", CONFIG, *labels).strip()


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        # Per-case alerts from casewatch notify: CRITICAL and HIGH at once, the rest as a digest,
        # whatever the region (the directory addresses them).
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
        # A region nobody listed yet still reaches the fallback mailbox, never nobody.
        (["alertname=CasewatchStandardInadequate", "severity=warning", "region=yorkshire",
          "pdu=leeds"], "region-quality"),
    ],
)
def test_case_alerts_route_as_spec_10_says(labels: list[str], receiver: str) -> None:
    assert routed(*labels) == receiver


@pytest.mark.parametrize("region", DEFAULT_REGIONS)
def test_every_region_is_routed(region: str) -> None:
    assert routed("alertname=CasewatchStandardInadequate", "severity=warning",
                  f"region={region}", "pdu=p1", "standard=2.3") == "region-quality"
    assert routed("alertname=CasewatchCriticalCaseAlertOpen", "severity=page",
                  f"region={region}", "pdu=p1", "team=t1", "rule=A-KS-07") == "pdu-head"


@pytest.mark.parametrize("alert", ["CasewatchWorkerDown", "CasewatchPartitionStalled",
                                   "CasewatchNotifyFailing", "CasewatchDeadLetters",
                                   "CasewatchConsumerLagGrowing", "CasewatchInputGaps",
                                   "CasewatchIngestFailing"])
def test_every_operational_alert_reaches_operations(alert: str) -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus/rules/casewatch.rules.yml").read_text())
    (rule,) = [r for g in rules["groups"] for r in g["rules"] if r.get("alert") == alert]
    labels = [f"{k}={v}" for k, v in rule["labels"].items()]
    assert routed(f"alertname={alert}", *labels) == "operations"


def test_every_receiver_emails_someone() -> None:
    config = yaml.safe_load((DEPLOY / "alertmanager/alertmanager.yml").read_text())
    for receiver in config["receivers"]:
        assert receiver.get("email_configs"), f"{receiver['name']} emails nobody"


def test_placeholders_are_marked_and_undeliverable() -> None:
    """Every address and host a deployment must set is under .example (RFC 2606: it never
    delivers) and marked PLACEHOLDER; nothing points at a loopback port nobody listens on."""
    text = (DEPLOY / "alertmanager/alertmanager.yml").read_text()
    assert "127.0.0.1" not in text and "localhost" not in text
    for line in text.splitlines():
        hosts = re.findall(r"[\w.-]+\.example\b", line)
        if hosts and not line.lstrip().startswith("#"):
            marked = "PLACEHOLDER" in line or "PLACEHOLDER" in _previous(text, line)
            assert marked, f"not marked PLACEHOLDER: {line.strip()}"


def _previous(text: str, line: str) -> str:
    lines = text.splitlines()
    index = lines.index(line)
    return "\n".join(lines[max(0, index - 2):index])


@pytest.mark.parametrize(("name", "labels", "address"), [
    ("casewatch.region.address", {"region": "london"}, "quality.london@probation.example"),
    ("casewatch.region.address", {"region": "yorkshire"}, "national-quality@probation.example"),
    ("casewatch.pdu.address", {"pdu": "tees-valley"}, "pdu-head.tees-valley@probation.example"),
    ("casewatch.operations.address", {}, "casewatch-operations@probation.example"),
    ("casewatch.manager.address", {"manager": "SPO02"}, "spo02@probation.example"),
])
def test_the_directory_addresses_each_receiver(tmp_path: Path, name: str, labels: dict[str, str],
                                              address: str) -> None:
    (tmp_path / "managers.tmpl").write_text(template(parse(EXAMPLE.read_text())))
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"receiver": "r", "status": "firing", "alerts": [],
                                "groupLabels": labels, "commonLabels": labels,
                                "commonAnnotations": {}, "externalURL": ""}))
    rendered = run("amtool", "template", "render", f"--template.glob={tmp_path}/managers.tmpl",
                   f"--template.data={data}", f'--template.text={{{{ template "{name}" . }}}}')
    assert rendered.strip() == address


def test_a_real_alertmanager_mails_operations_and_a_region(tmp_path: Path) -> None:
    now = time.time()
    alerts: list[dict[str, Any]] = [
        {"labels": {"alertname": "CasewatchWorkerDown", "severity": "page",
                    "team": "operations", "instance": "worker:6066"},
         "annotations": {"summary": "casewatch worker worker:6066 is not answering scrapes",
                         "runbook_url": "http://docs.example/runbooks/#worker-down"}},
        {"labels": {"alertname": "CasewatchStandardInadequate", "severity": "warning",
                    "region": "wales", "pdu": "cardiff", "standard": "2.3"},
         "annotations": {"summary": "2.3 is rated inadequate in cardiff",
                         "runbook_url": "http://docs.example/runbooks/#standard-inadequate"}},
    ]
    for alert in alerts:
        alert["startsAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60))
    with alertmanager(tmp_path) as server:
        request = urllib.request.Request(f"{server.url}/api/v2/alerts", method="POST",
                                         data=json.dumps(alerts).encode(),
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).read()
        for address in ("casewatch-operations@probation.example",
                        "quality.wales@probation.example"):
            wait_for(lambda a=address: server.inbox.to(a), timeout=60, what=f"mail to {address}")
        (page,) = server.inbox.to("casewatch-operations@probation.example")
        assert "CasewatchWorkerDown" in page["Subject"]
        assert "http://docs.example/runbooks/#worker-down" in server.inbox.text(page)
