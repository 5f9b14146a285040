"""`casewatch demo`: the streaming path end to end on a local broker, for `./run demo`.

Starts the local broker (if it is not running), publishes a simulated PDU to fresh demo topics,
runs a worker in event-clock mode, shows alerts arriving as a regional team would see them,
advances the clock to the end of the stream, prints the inspection table and one team's
worklist (what its manager sees), and checks that the worker's final alert states are exactly
what `casewatch replay` computes from the same file.
"""

import json
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from casewatch.delivery.worklist import build_worklist
from casewatch.delivery.worklist_render import text
from casewatch.engine.caseload import Caseload
from casewatch.engine.policy import Policy
from casewatch.engine.worklist import Scope, cases_to_act
from casewatch.kafka.admin import admin_client, create_topics
from casewatch.kafka.broker import Broker
from casewatch.kafka.follow import render
from casewatch.kafka.lag import caught_up
from casewatch.kafka.publish import publish
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings
from casewatch.replay.evaluate import evaluate
from casewatch.replay.report import Cohort, build_report
from casewatch.replay.table import render as render_table
from casewatch.schemas.codes import SEVERITY_ORDER
from casewatch.worker.supervisor import SupervisedWorker

PROJECT = Path(__file__).resolve().parents[2]
STALL_SECONDS = 60  # the demo's worker exits on a stall this long and is restarted


def run_demo(events_path: Path, workdir: Path, shown: int = 12) -> bool:
    """Run the demo on `events_path`; True when the worker agreed with replay."""
    broker = Broker()
    started_broker = not broker.running()
    print(f"Starting the local Kafka broker on {broker.bootstrap}..." if started_broker
          else f"Using the Kafka broker already running on {broker.bootstrap}.", file=sys.stderr)
    # Simulated cases only, on loopback: PLAINTEXT is enough here. A deployment, and the
    # secure broker (`./run broker start --secure`), authenticate every client (SPEC §11).
    print("The demo broker is PLAINTEXT on loopback, with simulated cases only; "
          "`./run broker start --secure` runs one with SASL_SSL and ACLs.", file=sys.stderr)
    broker.start()
    run = f"demo{int(time.time())}"
    settings = Settings().isolated(run, broker.bootstrap, partitions=4, clock="event",
                                   state_dir=workdir / run)
    _forget_earlier_demos(settings, keep=run)
    create_topics(settings, ["north-east"])
    lines = events_path.read_bytes().splitlines(keepends=True)
    sent = publish(settings, lines)
    print(f"Published {sent} case events to {settings.events_topic}; starting the worker...",
          file=sys.stderr)
    worker = DemoWorker(settings, workdir / f"{run}.log")
    try:
        caseload, tally = evaluate(lines, policy=Policy(), as_of=None)
        report = build_report(caseload, tally, Cohort())
        alerts = _watch(settings, worker, report["asOf"], shown)
    finally:
        worker.stop()
        if started_broker:
            broker.stop()
    print()
    print(render_table(report, alert_limit=5), end="")
    print()
    print(_team_worklist(caseload), end="")
    expected = standing({a["alertId"]: a for a in report["alerts"]})
    agreed = standing(alerts) == expected
    withdrawn = len(alerts) - len(standing(alerts))
    print(f"\nThe worker published {len(alerts)} alerts ({withdrawn} later withdrawn). The "
          f"{len(standing(alerts))} that stand {'match' if agreed else 'DO NOT match'} "
          f"casewatch replay of the same events exactly.")
    return agreed


def standing(alerts: dict[str, Any]) -> dict[str, Any]:
    """Alerts that count (SPEC §5). Which transient alerts a worker publishes and then withdraws
    depends on each partition's clock, so only these are comparable across partitionings."""
    return {key: alert for key, alert in alerts.items() if alert["resolution"] != "WITHDRAWN"}


def _team_worklist(caseload: Caseload, shown: int = 10) -> str:
    """What a manager sees: the worklist of the team with the most cases needing action."""
    assert caseload.now is not None
    rows = cases_to_act(caseload.cases.values(), caseload.now)
    if not rows:
        return "No case needs action.\n"
    teams = Counter((r.assignment.pdu, r.assignment.team) for r in rows)
    (pdu, team), _ = teams.most_common(1)[0]
    doc = build_worklist(caseload, Scope(pdu, team), horizon_days=5)
    return (f"What the manager of {team} sees (`casewatch worklist .demo/events.jsonl --team "
            f"{team}`; --format html for a page to print):\n\n" + text(doc, shown))


class DemoWorker(SupervisedWorker):
    """The demo's worker: a crashed agent or a lost partition shows as a stall, the worker exits
    and is restarted from its committed offsets; after a few restarts the demo gives up."""

    RESTARTS = 3

    def __init__(self, settings: Settings, log: Path) -> None:
        super().__init__(settings, log, STALL_SECONDS)

    def supervise(self) -> bool:
        returncode = self.process.poll()
        if returncode is not None and self.exits >= self.RESTARTS:
            raise RuntimeError(f"the demo worker stopped {self.exits + 1} times; see {self.log}")
        if not super().supervise():
            return False
        print(f"The worker exited (status {returncode}: see {self.log}); restarting it from its "
              "committed offsets.", file=sys.stderr)
        return True


def _watch(settings: Settings, worker: DemoWorker, as_of: str, shown: int) -> dict[str, Any]:
    """Print alerts as they arrive until the worker has done everything; return final states."""
    from casewatch.worker.clock import advance

    topic = settings.alerts_topic("north-east")
    consumer = KafkaConsumer(**kafka_python(settings), auto_offset_reset="earliest",
                             consumer_timeout_ms=1000)
    consumer.assign([TopicPartition(topic, p) for p in range(settings.partitions)])
    latest: dict[str, Any] = {}
    advanced = False
    next_report = 500
    while True:
        for message in consumer:
            alert = json.loads(message.value)
            new = alert["alertId"] not in latest
            latest[alert["alertId"]] = alert
            if new and len(latest) <= shown:
                print(render(alert))
            elif len(latest) >= next_report:
                next_report += 500
                severities = Counter(a["severity"] for a in latest.values())
                summary = ", ".join(f"{severities[s]} {s}" for s in SEVERITY_ORDER
                                    if severities[s])
                print(f"  … {len(latest)} alerts so far ({summary})", file=sys.stderr)
        worker.supervise()
        if caught_up(settings, (settings.events_topic, settings.ticks_topic)):
            if advanced:
                break
            advance(settings, datetime.fromisoformat(as_of))
            advanced = True
    consumer.close()
    return latest


def _forget_earlier_demos(settings: Settings, keep: str) -> None:
    admin = admin_client(settings)
    try:
        old = [t for t in admin.list_topics() if t.startswith("demo") and not t.startswith(keep)]
        if old:
            admin.delete_topics(old)
    finally:
        admin.close()
