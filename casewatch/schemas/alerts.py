"""The alert a PDU manager acts on (SPEC §5). Each change is published as the full state."""

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from casewatch.schemas.codes import AlertStatus, Question, Resolution, Rosh, Severity


class KeyQuestionRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    standard: Annotated[str, Field(pattern=r"^2\.[1-4]$")]
    question: Question


class Alert(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    alertId: str
    ruleId: Annotated[str, Field(pattern=r"^[APIRO]-(KS|EN|DS)-[0-9]{2}$")]
    ruleName: str
    keyQuestion: KeyQuestionRef | None
    severity: Severity
    status: AlertStatus
    resolution: Resolution | None
    crn: Annotated[str, Field(pattern=r"^[A-Z][0-9]{6}$")]
    region: str
    pdu: str
    team: str
    practitionerId: str
    managerId: str | None
    rosh: Rosh | None
    openedAt: AwareDatetime
    dueDate: date | None
    resolvedAt: AwareDatetime | None
    summary: str
    recommendedAction: str
    evidence: list[str]
