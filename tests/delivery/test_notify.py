"""Events → worker → alert topics → notify → a real Alertmanager → the right manager's inbox.

The committed routing and templates (deploy/alertmanager) with a local SMTP sink and webhook,
the manager directory's example, a real broker and worker, and `casewatch notify` run as an
operator runs it (SPEC §10)."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from kafka import KafkaProducer

from casewatch.kafka.broker import free_port
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings
from tests.support.alertmanager import Alertmanager, alertmanager, wait_for
from tests.support.builders import allocated, assessment, at, contact, event
from tests.support.live import (
    PROJECT,
    WorkerProcess,
    cli,
    publish_and_start,
    run_to_end,
    wait_until_processed,
)

SPO01 = "spo01@probation.example"
SPO02 = "spo02@probation.example"


def case(crn: str, manager: str, team: str, region: str = "north-east") -> str:
    return json.dumps(allocated(at("2025-07-01"), crn=crn, rosh="HIGH", team=team,
                                region=region, manager={"id": manager}))


@pytest.fixture
def am(tmp_path: Path) -> Iterator[Alertmanager]:
    home = tmp_path / "alertmanager"
    home.mkdir()
    with alertmanager(home) as server:
        yield server


class Notifier:
    def __init__(self, settings: Settings, url: str, log: Path) -> None:
        self.settings = replace(settings, notify_port=free_port(), notify_resend_seconds=2.0)
        self.url = url
        self.log = log
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "casewatch", "notify", "--regions", "north-east",
             "--alertmanager", self.url], cwd=PROJECT,
            env={**os.environ, **self.settings.environment()},
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT)

    def kill_and_restart(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self.process = self._start()

    def metric(self, name: str) -> float:
        """The sum of a metric's series; 0 while the notifier is still starting."""
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.settings.notify_port}/metrics", timeout=5) as answer:
                lines = answer.read().decode().splitlines()
        except OSError:
            return 0.0
        return sum(float(line.rsplit(" ", 1)[1]) for line in lines
                   if line.startswith((name + " ", name + "{")))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def test_managers_get_their_cases_resolutions_and_silences_once(
    settings: Settings, workers: list[WorkerProcess], tmp_path: Path, am: Alertmanager,
) -> None:
    stream = "\n".join([
        case("A000001", "SPO01", "team-a"), case("A000002", "SPO01", "team-a"),
        case("A000003", "SPO01", "team-a"),  # silenced below: a known exception
        # Allocated on Tuesday 8 July: its enquiries are due on the 15th, within five working
        # days of the 10th, so they are on team A's due-soon list in its digest.
        json.dumps(allocated(at("2025-07-08"), crn="A000004", rosh="HIGH", team="team-a",
                             manager={"id": "SPO01"})),
        # A curfew without checks (CRITICAL); an assessment without strengths (LOW) follows
        # once the CRITICAL alert is in Alertmanager, below.
        case("A000005", "SPO01", "team-a"),
        json.dumps(event("requirement.added", at("2025-07-02"), crn="A000005",
                         requirementId="rq1", type="CURFEW")),
        case("B000001", "SPO02", "team-b"),
        case("L000001", "SPO09", "team-l", region="london"),  # another region's notifier's
    ]).encode() + b"\n"
    publish_and_start(settings, workers, tmp_path / "state", stream,
                      regions=("north-east", "london"))
    am.silence({"crn": "A000003"})
    notifier = Notifier(settings, am.url, tmp_path / "notify.log")
    try:
        # 10 July: the allocation enquiries (HIGH) and the first contact (MEDIUM) are overdue.
        run_to_end(settings, workers, at("2025-07-10"))
        wait_for(lambda: am.inbox.to(SPO01) and am.inbox.to(SPO02), what="both managers mailed")
        wait_for(lambda: any("A000002" in am.inbox.text(m) for m in am.inbox.to(SPO01)),
                 what="A000002 in SPO01's mail")
        wait_for(lambda: any("Case A000001 (RoSH HIGH)" in am.inbox.text(m)
                             for m in am.inbox.to(SPO01)), what="A000001 in SPO01's mail")
        first = next(m for m in am.inbox.to(SPO01) if "Case A000001 (" in am.inbox.text(m))
        body = am.inbox.text(first)
        assert "team-a" in str(first["Subject"])
        # Cases, not alerts: one entry per CRN, its alerts under it.
        assert body.count("Case A000001 ") == 1
        assert "What to do:" in body and "Due 2025-07-08; open since 8 Jul 2025 23:00 UTC" in body
        assert "B000001" not in body  # another manager's case
        assert all("A000001" not in am.inbox.text(m) for m in am.inbox.to(SPO02))
        wait_for(lambda: any("Due soon" in am.inbox.text(m) for m in am.inbox.to(SPO01)),
                 what="team A's digest with its due-soon list")
        digest = next(text for text in map(am.inbox.text, am.inbox.to(SPO01))
                      if "Due soon" in text)
        assert ("2025-07-15  HIGH     A-KS-01  Case A000004: a police domestic-abuse "
                "safeguarding enquiry is due by 2025-07-15.") in digest
        assert "Case A000004 (RoSH" not in digest  # nothing of it is overdue yet
        wait_for(lambda: any("CRITICAL A-KS-07: Case A000005" in am.inbox.text(m)
                             for m in am.inbox.to(SPO01)), what="A000005's curfew mailed")
        # The LOW alert is inhibited while the CRITICAL one is open. Alertmanager inhibits only
        # what arrives while the source alert is known to it: the two were published together
        # before, on different partitions of the alert topic, and with this test's 2 s group
        # interval a LOW alert read a moment before its CRITICAL one could be mailed.
        cli(settings, "publish", "-", stdin=json.dumps(assessment(
            at("2025-07-02", 11), crn="A000005", rosh="HIGH",
            strengthsIdentified=False)).encode() + b"\n")
        wait_for(lambda: any(a["labels"].get("crn") == "A000005"
                             and a["labels"]["severity"] == "LOW"
                             and a["status"]["state"] == "suppressed" for a in am.alerts()),
                 what="A000005's LOW alert suppressed")

        # A late first contact satisfies I-EN-01 for A000001: a resolved notification.
        cli(settings, "publish", "-", stdin=json.dumps(
            contact(at("2025-07-10", 11), crn="A000001")).encode() + b"\n")
        wait_until_processed(settings, workers)
        wait_for(lambda: any(a["labels"].get("crn") == "A000001"
                             and a["labels"].get("rule") == "I-EN-01"
                             and a["status"] == "resolved" for a in am.webhook.alerts()),
                 what="A000001's I-EN-01 resolved at the webhook")
        wait_for(lambda: any("Resolved since the last message" in am.inbox.text(m)
                             and "A000001 I-EN-01" in am.inbox.text(m)
                             for m in am.inbox.to(SPO01)), what="a resolved email")
        # That email's group (team A's digest) took in A000005's LOW alert before it was sent:
        # inhibited, it is in no email.
        assert not any("A-DS-01: Case A000005" in am.inbox.text(m) for m in am.inbox.messages)

        # Silenced: its alerts are in Alertmanager and in no notification. (Its deadlines not
        # yet due stay on the team's due-soon list: a silence mutes alerts, not the calendar.)
        assert any(a["labels"].get("crn") == "A000003" for a in am.alerts())
        assert not any("Case A000003 (" in am.inbox.text(m) for m in am.inbox.messages)
        assert not any(a["labels"].get("crn") == "A000003" for a in am.webhook.alerts())

        # Only this notifier's region: the London case never reaches Alertmanager, and an
        # alert naming London on the north-east topic is refused.
        forged = json.loads(json.dumps(am.alerts()[0]["annotations"]))
        producer = KafkaProducer(**kafka_python(settings))
        producer.send(settings.alerts_topic("north-east"), key=b"forged", value=json.dumps({
            "alertId": "forged", "ruleId": "A-KS-01", "severity": "HIGH", "status": "OPEN",
            "crn": "L000002", "region": "london", "pdu": "p", "team": "t", "managerId": "SPO09",
            "rosh": None, "openedAt": "2025-07-09T00:00:00Z", "dueDate": None,
            "resolvedAt": None, "summary": forged["summary"],
            "recommendedAction": "x"}).encode())
        producer.flush()
        producer.close()
        wait_for(lambda: notifier.metric("casewatch_notify_alerts_refused_total") == 1,
                 what="the forged alert refused")
        assert not any(a["labels"]["region"] == "london" for a in am.alerts())

        # Killed and restarted: it rebuilds from the topics and mails nobody again.
        wait_for(lambda: notifier.metric("casewatch_notify_alerts_forwarded_total") > 0)
        time.sleep(6)  # past any group interval: what is still to be mailed has gone
        sent = len(am.inbox.messages)
        notifier.kill_and_restart()
        wait_for(lambda: notifier.metric("casewatch_notify_alerts_forwarded_total") > 0,
                 what="the restarted notifier forwarding")
        time.sleep(8)
        assert len(am.inbox.messages) == sent
        firing = {(a["labels"].get("crn"), a["labels"].get("rule")) for a in am.alerts()
                  if a["status"]["state"] in ("active", "suppressed")
                  and a["endsAt"] > time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())}
        assert ("A000001", "A-KS-01") in firing and ("B000001", "A-KS-02") in firing
    finally:
        notifier.stop()
