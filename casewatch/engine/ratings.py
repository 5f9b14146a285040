"""Key questions, standard ratings and the case-supervision score: the inspection's method (§6)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from casewatch.engine.calendar import breach_time, due_date, london_date
from casewatch.engine.case import CaseState
from casewatch.engine.facts import Occurrence
from casewatch.engine.policy import Policy
from casewatch.schemas.codes import Question, Rating

STANDARD_NAMES = {
    "2.1": "Assessment",
    "2.2": "Planning",
    "2.3": "Implementation and delivery",
    "2.4": "Reviewing",
}
QUESTION_ORDER = (Question.ENGAGING, Question.DESISTANCE, Question.KEEPING_SAFE)
BANDS = ((0.80, Rating.OUTSTANDING, 3), (0.65, Rating.GOOD, 2),
         (0.50, Rating.REQUIRES_IMPROVEMENT, 1), (0.0, Rating.INADEQUATE, 0))
KeyQuestion = tuple[str, Question]


@dataclass(frozen=True)
class CaseAnswers:
    """One case's answers: for each in-scope standard, whether each key question is Yes."""

    crn: str
    region: str
    pdu: str
    team: str
    answers: dict[KeyQuestion, bool]


@dataclass(frozen=True)
class KeyQuestionResult:
    standard: str
    question: Question
    yes: int
    no: int

    @property
    def ratio(self) -> float | None:
        total = self.yes + self.no
        return self.yes / total if total else None


@dataclass(frozen=True)
class StandardResult:
    standard: str
    lowest_ratio: float | None

    @property
    def name(self) -> str:
        return STANDARD_NAMES[self.standard]

    @property
    def rating(self) -> Rating | None:
        return _band(self.lowest_ratio)[0]

    @property
    def score(self) -> int | None:
        return _band(self.lowest_ratio)[1]


@dataclass(frozen=True)
class Ratings:
    key_questions: list[KeyQuestionResult]
    standards: list[StandardResult]

    @property
    def score(self) -> int:
        return sum(s.score for s in self.standards if s.score is not None)

    @property
    def max_score(self) -> int:
        return 3 * sum(1 for s in self.standards if s.score is not None)


def answer_case(case: CaseState, now: datetime, policy: Policy) -> CaseAnswers | None:
    """The case's key-question answers as of `now`; None for a case not yet allocated."""
    facts = case.facts
    allocation = facts.allocation
    assignment = facts.assignment_at(now)
    if allocation is None or assignment is None:
        return None
    standing = case.standing(now)
    breached = {b.rule.id for b in standing}
    failing = {(b.rule.standard, b.rule.question) for b in standing if b.rule.standard}
    span = policy.span("scope", "implementation_working_days")
    in_scope = {
        "2.1": _any_by(facts.assessments, now) or "A-EN-01" in breached,
        "2.2": _any_by(facts.plans, now) or "P-EN-01" in breached,
        "2.3": now >= breach_time(due_date(allocation.at, span.amount, span.unit)),
        "2.4": _any_by(facts.reviews, now) or _any_by(facts.intelligence, now)
        or any(rule_id.startswith("R-") for rule_id in breached),
    }
    answers = {
        (standard, question): (standard, question) not in failing
        for standard, scoped in in_scope.items() if scoped
        for question in QUESTION_ORDER
    }
    return CaseAnswers(case.crn, assignment.region, assignment.pdu, assignment.team, answers)


def in_cohort(case: CaseState, first: date | None, last: date | None) -> bool:
    allocation = case.facts.allocation
    if allocation is None:
        return False
    day = london_date(allocation.at)
    return (first is None or day >= first) and (last is None or day <= last)


def rate(cases: Iterable[CaseAnswers]) -> Ratings:
    tally = AnswerTally()
    for case in cases:
        tally.add(case)
    return tally.ratings()


class AnswerTally:
    """The Yes and No counts per key question: all that rating needs of the cases, so a replay
    too large to hold its cases can rate them as it goes."""

    def __init__(self) -> None:
        self.counts = {(s, q): [0, 0] for s in STANDARD_NAMES for q in QUESTION_ORDER}

    def add(self, case: CaseAnswers) -> None:
        for key, yes in case.answers.items():
            self.counts[key][0 if yes else 1] += 1

    def absorb(self, other: "AnswerTally") -> None:
        for key, (yes, no) in other.counts.items():
            self.counts[key][0] += yes
            self.counts[key][1] += no

    def ratings(self) -> Ratings:
        key_questions = [KeyQuestionResult(s, q, yes, no)
                         for (s, q), (yes, no) in self.counts.items()]
        standards = []
        for standard in STANDARD_NAMES:
            ratios = [kq.ratio for kq in key_questions
                      if kq.standard == standard and kq.ratio is not None]
            standards.append(StandardResult(standard, min(ratios) if ratios else None))
        return Ratings(key_questions, standards)


def _band(ratio: float | None) -> tuple[Rating | None, int | None]:
    if ratio is None:
        return None, None
    for floor, rating, score in BANDS:
        if ratio >= floor:
            return rating, score
    raise AssertionError("unreachable: the last band's floor is 0")


def _any_by(occurrences: Sequence[Occurrence[Any]], now: datetime) -> bool:
    return bool(occurrences) and occurrences[0].at <= now
