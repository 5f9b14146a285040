"""The replay report (SPEC §7) from a caseload at its clock: alerts, key questions, ratings."""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from workers.engine.alert import wire_timestamp
from workers.engine.caseload import Caseload
from workers.engine.ratings import CaseAnswers, Ratings, answer_case, in_cohort, rate


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
    now = caseload.now
    selected = [c for c in caseload.cases.values() if in_cohort(c, cohort.first, cohort.last)]
    answers = [a for a in (answer_case(c, now, caseload.policy) for c in selected) if a]
    by_pdu: dict[str, list[CaseAnswers]] = defaultdict(list)
    for answer in answers:
        by_pdu[answer.pdu].append(answer)
    alerts = sorted(
        (v for c in selected for v in c.published.values()),
        key=lambda v: (v.opened_at, v.crn, v.rule.id, v.alert_id),
    )
    return {
        "asOf": wire_timestamp(now),
        "events": {
            "read": tally.read,
            "applied": tally.applied,
            "duplicates": tally.duplicates,
            "rejected": len(tally.rejected),
        },
        "rejected": tally.rejected,
        "alerts": (a.to_wire() for a in alerts) if stream_alerts else [a.to_wire() for a in alerts],
        **ratings_json(rate(answers)),
        "pdus": {pdu: ratings_json(rate(group)) for pdu, group in sorted(by_pdu.items())},
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

