"""SPEC §9 metrics, recorded by the shells from what the engine returns.

Both shells feed the same recorder the same way (every event's outcome, every alert change, the
caseload at refresh time), so `casewatch replay --metrics-out` writes exactly the numbers a
worker that processed the same events exports. Workers export counts; ratios, ratings and the
score are recording rules (deploy/prometheus), so several workers' numbers add up. Labels are
organisational codes only: never a CRN or a person.
"""

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client import Counter as CounterMetric
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from casewatch.analysis.disclosure import control, shown
from casewatch.engine.alert import AlertView
from casewatch.engine.caseload import Caseload
from casewatch.metrics.tally import CaseloadTally
from casewatch.schemas.codes import AlertStatus

ALERT_LABELS = ("region", "pdu", "team", "rule")
PROCESSING_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                      0.1, 0.25, 1.0)
DELAY_BUCKETS = (1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400,
                 30 * 86400)


class QualityMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = CounterMetric("casewatch_events", "Case events by type and outcome",
                                    ["event_type", "outcome"], registry=registry)
        self.processing = Histogram("casewatch_event_processing_seconds",
                                    "Time to apply one event", buckets=PROCESSING_BUCKETS,
                                    registry=registry)
        self.delay = Histogram("casewatch_event_delay_seconds",
                               "Wall-clock time minus occurredAt when the worker applied an event",
                               buckets=DELAY_BUCKETS, registry=registry)
        self.opened = CounterMetric("casewatch_alerts_opened", "Alerts opened",
                                    [*ALERT_LABELS, "severity"], registry=registry)
        self.resolved = CounterMetric("casewatch_alerts_resolved", "Alerts resolved",
                                      [*ALERT_LABELS, "resolution"], registry=registry)
        self.open = Gauge("casewatch_alerts_open", "Alerts open now",
                          [*ALERT_LABELS, "severity"], registry=registry)
        self.watermark = Gauge("casewatch_watermark_timestamp_seconds",
                               "Greatest occurredAt applied so far", registry=registry)
        self.unread = Gauge("casewatch_partition_cases_unread",
                            "Cases of a partition taken on not yet read through: their alerts "
                            "not yet announced again, the partition's gauges withheld",
                            ["partition"], registry=registry)
        self.open_cases = Gauge("casewatch_partition_cases_open",
                                "Cases of a partition kept decoded in memory (at most "
                                "CASEWATCH_OPEN_CASES between messages)", ["partition"],
                                registry=registry)
        self.cases = CaseloadCollector()
        registry.register(self.cases)
        self._open_by: dict[Hashable, Counter[tuple[str, ...]]] = {}
        self._watermark = float("-inf")

    def event(self, event_type: str | None, outcome: str,
              occurred_at: datetime | None = None) -> None:
        """One message's outcome. A type the contract does not know is labelled "unknown", so
        bad input cannot grow the label set."""
        self.events.labels(event_type or "unknown", outcome).inc()
        if occurred_at is not None and outcome == "applied":
            moment = occurred_at.timestamp()
            if moment > self._watermark:  # the watermark only moves forward
                self._watermark = moment
                self.watermark.set(moment)

    def alerts(self, changes: Iterable[AlertView], owner: Hashable = None) -> None:
        """Alert changes as the engine publishes them. Each carries the state it replaces, so
        nothing per alert is remembered here: only the open count per label set and `owner`
        (a worker's partition), to hand back when the owner goes."""
        held = self._open_by.setdefault(owner, Counter())
        for change in changes:
            labels = _labels(change)
            severity = change.rule.severity.value
            previous = change.before
            was_open = previous is not None and previous.status == AlertStatus.OPEN
            if was_open:
                assert previous is not None
                self._move(held, (*_labels(previous), severity), -1)
            if change.status == AlertStatus.OPEN:
                self._move(held, (*labels, severity), 1)
                if not was_open:
                    self.opened.labels(*labels, severity).inc()
            else:
                if previous is None:
                    self.opened.labels(*labels, severity).inc()  # found already resolved
                if previous is None or was_open:
                    resolution = change.resolution.value if change.resolution else "NONE"
                    self.resolved.labels(*labels, resolution).inc()

    def baseline(self, views: Iterable[AlertView], owner: Hashable = None) -> None:
        """Alerts this process took over (restored from state), each once: open ones count as
        open, but they were opened before, so the opened and resolved counters do not move."""
        held = self._open_by.setdefault(owner, Counter())
        for view in views:
            if view.status == AlertStatus.OPEN:
                self._move(held, (*_labels(view), view.rule.severity.value), 1)

    def release(self, owner: Hashable) -> None:
        """Alerts another worker owns now: no longer counted as open here."""
        for labels, count in self._open_by.pop(owner, Counter()).items():
            if count:
                self.open.labels(*labels).dec(count)

    def _move(self, held: Counter[tuple[str, ...]], labels: tuple[str, ...], by: int) -> None:
        held[labels] += by
        self.open.labels(*labels).inc(by)

    def caseloads(self, caseloads: Iterable[Caseload], warming: Collection[Caseload] = ()) -> int:
        return self.cases.refresh(caseloads, warming)


def _labels(view: AlertView) -> tuple[str, str, str, str]:
    a = view.assignment
    return a.region, a.pdu, a.team, view.rule.id


class CaseloadCollector(Collector):
    """Key-question answers, active cases and oldest open alerts, as of the last refresh.

    Each caseload (a replay's, or each partition a worker owns) has a tally that recounts only
    the cases changed since the last refresh (casewatch/metrics/tally.py); a refresh then
    adds the tallies' totals up, at a cost that follows the labels, not the cases. Figures are
    copied out at refresh, so a scrape never reads a tally mid-update.
    """

    def __init__(self) -> None:
        self._tallies: dict[Caseload, CaseloadTally] = {}
        self._answers: dict[tuple[str, ...], int] = {}
        self._active: dict[tuple[str, ...], int] = {}
        self._oldest: dict[tuple[str, ...], float] = {}
        self._groups: dict[tuple[str, ...], int] = {}
        self._breached: dict[tuple[str, ...], int] = {}
        self._needs: dict[tuple[str, ...], int] = {}

    def refresh(self, caseloads: Iterable[Caseload], warming: Collection[Caseload] = ()) -> int:
        """Bring the figures up to date; returns how many cases were recounted. A caseload not
        given (a partition handed to another worker) no longer counts; one `warming` (a
        partition not yet read through since this process took it on) is kept up to date but
        not exported, so a partial count never shows as the whole."""
        kept = {caseload: self._tallies.get(caseload) or CaseloadTally(caseload)
                for caseload in caseloads}
        self._tallies = kept
        recounted = sum(tally.refresh() for tally in kept.values())
        tallies = {c: tally for c, tally in kept.items() if c not in warming}
        answers: Counter[tuple[str, ...]] = Counter()
        active: Counter[tuple[str, ...]] = Counter()
        oldest: dict[tuple[str, ...], float] = {}
        for tally in tallies.values():
            for key, scoped in tally.scoped.items():
                if scoped:
                    # Both answers are exported, zero included, so a ratio of 0 is a value and
                    # not a missing series.
                    yes = tally.yes[key]
                    answers[(*key, "yes")] += yes
                    answers[(*key, "no")] += scoped - yes
            active.update(+tally.active)
            for key, age in tally.oldest_ages().items():
                oldest[key] = max(age, oldest.get(key, 0.0))
        self._answers, self._active, self._oldest = dict(answers), dict(active), oldest
        shares = list(tallies.values())
        # A dimension's groups add up to the PDU's cases; a measure's, to its breached cases.
        self._groups = controlled(sum_of(t.groups for t in shares), line_of=(0, 1, 2))
        self._breached = controlled(sum_of(t.breached for t in shares), line_of=(0, 1, 2, 4))
        self._needs = {key: value for key, count in sum_of(t.needs for t in shares).items()
                       if (value := shown(count)) is not None}  # a case has several needs
        return recounted

    def tally_of(self, caseload: Caseload) -> CaseloadTally:
        """The tally kept for a caseload, made now if none is (the next refresh keeps it if it
        is given the caseload)."""
        tally = self._tallies.get(caseload)
        if tally is None:
            tally = self._tallies[caseload] = CaseloadTally(caseload)
        return tally

    def collect(self) -> Iterator[GaugeMetricFamily]:
        answers = GaugeMetricFamily(
            "casewatch_key_question_cases", "In-scope cases by key-question answer",
            labels=["region", "pdu", "standard", "question", "answer"])
        for labels, count in sorted(self._answers.items()):
            answers.add_metric(list(labels), count)
        yield answers
        active = GaugeMetricFamily("casewatch_cases_active", "Allocated cases not closed",
                                   labels=["region", "pdu", "team", "rosh"])
        for labels, count in sorted(self._active.items()):
            active.add_metric(list(labels), count)
        yield active
        oldest = GaugeMetricFamily(
            "casewatch_alerts_open_oldest_age_seconds",
            "Age, on the engine's clock, of the oldest open alert per team and severity",
            labels=["region", "pdu", "team", "severity"])
        for labels, age in sorted(self._oldest.items()):
            oldest.add_metric(list(labels), age)
        yield oldest
        # SPEC §12, live: disclosure-controlled (a hidden count is no series at all).
        for name, text, names, values in (
            ("casewatch_analysis_group_cases", "Cases per profile group (<10 hidden, else "
             "rounded to 5)", ["region", "pdu", "dimension", "group"], self._groups),
            ("casewatch_analysis_group_breached", "Cases per profile group with a standing "
             "breach of the measure (<10 hidden, else rounded to 5)",
             ["region", "pdu", "dimension", "group", "measure"], self._breached),
            ("casewatch_analysis_need_cases", "Cases whose latest assessment has the need, by "
             "stage (<10 hidden, else rounded to 5)", ["region", "pdu", "team", "need", "stage"],
             self._needs),
        ):
            family = GaugeMetricFamily(name, text, labels=names)
            for key, count in sorted(values.items()):
                family.add_metric(list(key), count)
            yield family


def sum_of(counters: Iterable[Counter[Any]]) -> Counter[Any]:
    total: Counter[Any] = Counter()
    for counter in counters:
        total.update(counter)
    return total


def controlled(counts: Counter[Any], line_of: tuple[int, ...]) -> dict[Any, int]:
    """Disclosure control over lines of counts that add up to a known total: keys that agree on
    the `line_of` positions form one line (the rest of the key, the group, varies along it)."""
    lines: dict[tuple[str, ...], list[Any]] = {}
    for key, count in counts.items():
        if count > 0:
            lines.setdefault(tuple(key[i] for i in line_of), []).append(key)
    found: dict[Any, int] = {}
    for keys in lines.values():
        keys.sort()
        for key, value in zip(keys, control([counts[k] for k in keys]), strict=True):
            if value is not None:
                found[key] = value
    return found
