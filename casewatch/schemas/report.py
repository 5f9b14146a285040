"""The replay report printed by `casewatch replay --format json` (SPEC §7)."""

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from casewatch.schemas.alerts import Alert
from casewatch.schemas.codes import Question, Rating


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventCounts(Strict):
    read: int
    applied: int
    duplicates: int
    rejected: int


class RejectedLine(Strict):
    line: int
    eventId: str | None
    reason: str


class KeyQuestionResult(Strict):
    standard: str
    question: Question
    yes: int
    no: int
    ratio: Annotated[float, Field(ge=0, le=1)] | None


class StandardResult(Strict):
    standard: str
    name: str
    rating: Rating | None
    score: Annotated[int, Field(ge=0, le=3)] | None
    lowestRatio: Annotated[float, Field(ge=0, le=1)] | None


class CaseSupervisionScore(Strict):
    score: int
    max: int


class Ratings(Strict):
    keyQuestions: list[KeyQuestionResult]
    standards: list[StandardResult]
    caseSupervisionScore: CaseSupervisionScore


class ReplayReport(Strict):
    asOf: AwareDatetime
    events: EventCounts
    rejected: list[RejectedLine]
    alerts: list[Alert]
    keyQuestions: list[KeyQuestionResult]
    standards: list[StandardResult]
    caseSupervisionScore: CaseSupervisionScore
    pdus: dict[str, Ratings]
