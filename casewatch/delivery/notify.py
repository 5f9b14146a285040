"""`casewatch notify`: every regional alert, to every configured Alertmanager (SPEC §10).

The shell around the Outbox and the DueSoonBoard: it reads the regions' compacted alert and
deadlines topics from the beginning on every start (delivery/topics.py, the reader `serve`
shares), offers each alert state to one outbox, and each case's deadlines to one board, per
Alertmanager (HA: each gets everything, each keeps its own re-send timers), and once a second
posts what is due, in batches. Its group (casewatch-notify.<app id>) only holds committed
offsets, so its lag shows how far behind the notifier is. Run two notifiers with different app
ids for a notifier that survives a host: Alertmanager de-duplicates by labels.

A notifier forwards only its own regions' alerts: it reads only their topics, and an alert on
them that names another region is refused and counted, never forwarded.
"""

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from casewatch.delivery.alertmanager import DeliveryError, batches, post_alerts
from casewatch.delivery.due_soon import ALERTNAME as DUE_SOON
from casewatch.delivery.due_soon import DueSoonBoard
from casewatch.delivery.outbox import Outbox
from casewatch.delivery.topics import AlertTopics
from casewatch.errors import CommandError
from casewatch.kafka.acl import NOTIFY_GROUP
from casewatch.kafka.admin import alert_regions
from casewatch.kafka.settings import Settings

log = logging.getLogger("casewatch.notify")
RETRY_SECONDS = 5.0  # after a failed post, wait this long before trying that Alertmanager again
DUE_SOON_WORKING_DAYS = 5  # SPEC §10's default horizon, as `casewatch worklist --horizon`


class NotifyMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.forwarded = Counter("casewatch_notify_alerts_forwarded",
                                 "Alerts posted to an Alertmanager", ["alertmanager"],
                                 registry=registry)
        self.failures = Counter("casewatch_notify_send_failures",
                                "Posts to an Alertmanager that failed", ["alertmanager"],
                                registry=registry)
        self.latency = Histogram("casewatch_notify_request_seconds",
                                 "Time for an Alertmanager to answer a post", ["alertmanager"],
                                 registry=registry)
        self.refused = Counter("casewatch_notify_alerts_refused",
                               "Alerts read that name a region this notifier does not serve",
                               registry=registry)
        self.tracked = Gauge("casewatch_notify_alerts_tracked",
                             "Alertmanager alerts the notifier keeps sending", registry=registry)
        self.catching_up = Gauge("casewatch_notify_catching_up",
                                 "1 while the notifier is still reading the alert topics' history",
                                 registry=registry)


class Target:
    """One Alertmanager, its outbox of case alerts and its board of due-soon lists."""

    def __init__(self, url: str, resend: timedelta) -> None:
        self.url = url
        self.outbox = Outbox(resend)
        self.board = DueSoonBoard(DUE_SOON_WORKING_DAYS, resend)
        self.retry_at = 0.0  # monotonic

    @property
    def label(self) -> str:
        return self.url.split("://", 1)[-1].rstrip("/")


def notify(settings: Settings, regions: list[str], urls: list[str], *,
           serve_metrics: bool = True, should_stop: Callable[[], bool] = lambda: False) -> None:
    if not urls:
        raise CommandError("no Alertmanager: give --alertmanager URL or "
                           "CASEWATCH_ALERTMANAGER_URLS")
    regions = regions or alert_regions(settings)
    if not regions:
        raise CommandError("no region has an alert topic yet: give --regions")
    registry = CollectorRegistry()
    metrics = NotifyMetrics(registry)
    if serve_metrics:
        start_http_server(settings.notify_port, addr=settings.web_host, registry=registry)
    resend = timedelta(seconds=settings.notify_resend_seconds)
    targets = [Target(url, resend) for url in urls]
    topics = AlertTopics(settings, regions, client_id="casewatch-notify",
                         group=f"{NOTIFY_GROUP}.{settings.app_id}",
                         refused=lambda topic: metrics.refused.inc())
    try:
        metrics.catching_up.set(1 if topics.catching_up else 0)
        log.warning("notify: %s to %s; reading %d alert states to catch up",
                    ", ".join(regions), ", ".join(t.label for t in targets), topics.backlog)
        while not should_stop():
            now = datetime.now(UTC)
            for record in topics.poll():
                for target in targets:
                    if record.kind == "deadlines":
                        target.board.offer(record.value)
                    else:
                        target.outbox.offer(record.value, now, catching_up=record.catching_up)
            metrics.catching_up.set(1 if topics.catching_up else 0)
            for target in targets:
                _deliver(target, now, metrics)
            metrics.tracked.set(len(targets[0].outbox))
    finally:
        topics.close()


def _deliver(target: Target, now: datetime, metrics: NotifyMetrics) -> None:
    if time.monotonic() < target.retry_at:
        return
    lists = target.board.due(now)
    due = target.outbox.due(now) + lists
    for batch in batches(due):
        started = time.perf_counter()
        try:
            post_alerts(target.url, [payload for _, payload in batch])
        except DeliveryError as error:
            metrics.failures.labels(target.label).inc()
            log.error("notify: %s; retrying in %.0fs", error, RETRY_SECONDS)
            target.retry_at = time.monotonic() + RETRY_SECONDS
            return  # what was not sent stays due
        metrics.latency.labels(target.label).observe(time.perf_counter() - started)
        metrics.forwarded.labels(target.label).inc(len(batch))
        for labels, payload in batch:
            if dict(labels).get("alertname") == DUE_SOON:
                target.board.sent(labels, payload, now)
            else:
                target.outbox.sent(labels, now)
