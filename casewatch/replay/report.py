"""The replay report (SPEC §7) from a caseload at its clock: alerts, key questions, ratings."""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from casewatch.engine.alert import AlertView, wire_timestamp
from casewatch.engine.caseload import Caseload
from casewatch.engine.ratings import AnswerTally, CaseAnswers, Ratings, answer_case, in_cohort


@dataclass
class EventTally:
    read: int = 0
    applied: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Cohort:
    first: date | None = None
    last: date | None = None


def build_report(caseload: Caseload, tally: EventTally, cohort: Cohort, *,
                 stream_alerts: bool = False) -> dict[str, Any]:
    """SPEC §7's report. With `stream_alerts`, "alerts" is a one-pass iterator that builds each
    alert's JSON as it is read: a national report holds millions, which as dicts would cost
    more memory than the caseload (write it with `write_json`)."""
    assert caseload.now is not None
    ratings, alerts = cohort_results(caseload, cohort)
    wire = (a.to_wire() for a in alerts)
    return assemble(caseload.now, tally, ratings, wire if stream_alerts else list(wire))


def alert_order(view: AlertView) -> tuple[datetime, str, str, str]:
    """The report lists alerts by when they opened, then by case, rule and id."""
    return view.opened_at, view.crn, view.rule.id, view.alert_id


class CohortRatings:
    """The cohort's answers counted as cases are answered, overall and per PDU."""

    def __init__(self) -> None:
        self.overall = AnswerTally()
        self.by_pdu: dict[str, AnswerTally] = defaultdict(AnswerTally)

    def add(self, answers: CaseAnswers | None) -> None:
        if answers is not None:
            self.overall.add(answers)
            self.by_pdu[answers.pdu].add(answers)

    def absorb(self, other: "CohortRatings") -> None:
        """Count another part of the cohort's cases in (a partition replayed apart)."""
        self.overall.absorb(other.overall)
        for pdu, tally in other.by_pdu.items():
            self.by_pdu[pdu].absorb(tally)


def cohort_results(caseload: Caseload, cohort: Cohort) -> tuple[CohortRatings, list[AlertView]]:
    """The cohort's cases answered at the caseload's clock, and their alerts in the report's
    order: all a report needs of a caseload (the whole one, or a partition of it)."""
    assert caseload.now is not None
    selected = [c for c in caseload.cases.values() if in_cohort(c, cohort.first, cohort.last)]
    ratings = CohortRatings()
    for case in selected:
        ratings.add(answer_case(case, caseload.now, caseload.policy))
    alerts = sorted((v for c in selected for v in c.published.values()), key=alert_order)
    return ratings, alerts


def assemble(now: datetime, tally: EventTally, ratings: CohortRatings,
             alerts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {
        "asOf": wire_timestamp(now),
        "events": {
            "read": tally.read,
            "applied": tally.applied,
            "duplicates": tally.duplicates,
            "rejected": len(tally.rejected),
        },
        "rejected": tally.rejected,
        "alerts": alerts,
        **ratings_json(ratings.overall.ratings()),
        "pdus": {pdu: ratings_json(pdu_tally.ratings())
                 for pdu, pdu_tally in sorted(ratings.by_pdu.items())},
    }


def write_json(report: dict[str, Any], stream: IO[str]) -> None:
    """The report as `json.dumps(report, ensure_ascii=False)` writes it, alerts one at a time."""
    stream.write("{")
    for position, (key, value) in enumerate(report.items()):
        stream.write(f"{', ' if position else ''}{json.dumps(key)}: ")
        if key != "alerts":
            stream.write(json.dumps(value, ensure_ascii=False))
            continue
        stream.write("[")
        for number, alert in enumerate(value):
            stream.write(f"{', ' if number else ''}{json.dumps(alert, ensure_ascii=False)}")
        stream.write("]")
    stream.write("}\n")


def ratings_json(ratings: Ratings) -> dict[str, Any]:
    return {
        "keyQuestions": [
            {"standard": kq.standard, "question": kq.question.value, "yes": kq.yes, "no": kq.no,
             "ratio": kq.ratio}
            for kq in ratings.key_questions
        ],
        "standards": [
            {"standard": s.standard, "name": s.name,
             "rating": s.rating.value if s.rating else None, "score": s.score,
             "lowestRatio": s.lowest_ratio}
            for s in ratings.standards
        ],
        "caseSupervisionScore": {"score": ratings.score, "max": ratings.max_score},
    }

