"""Case events (SPEC §2–§3): the envelope and one model per event type.

Strict validation: wire values must already have the right JSON type (no "true" for true, no
numbers for timestamps). Unknown fields are ignored for forward compatibility; unknown
enumeration values are rejected.
"""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, TypeAdapter
from pydantic.dataclasses import dataclass

from casewatch.schemas.codes import (
    AssessmentKind,
    ContactOutcome,
    ContactType,
    EnquiryAgency,
    EnquiryOutcome,
    EnquiryReason,
    Grade,
    IntelligenceKind,
    IntelligenceSource,
    Need,
    ObjectiveArea,
    OversightKind,
    PlanKind,
    RequirementType,
    ReviewAgency,
    RiskTo,
    Rosh,
    SentenceType,
    Service,
    Source,
)

CRN_PATTERN = r"^[A-Z][0-9]{6}$"


# Slotted, frozen dataclasses rather than BaseModels: an engine keeps every event of every case,
# and a BaseModel instance carries a __dict__ and a set of the fields given (1,955 B per event
# measured, against ~500 B as slots).
WIRE = ConfigDict(strict=True, extra="ignore")


Id = Annotated[str, Field(min_length=1, max_length=128)]


def _in_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


WITHHELD = "withheld"


def _withheld(text: str) -> str:
    return WITHHELD


# Free text by contract (it may name people and places): checked for presence and type, then
# replaced, so its words are in no event casewatch holds nor in anything written from one, such
# as the worker's table and its changelog topic, which keep every event of a case.
FreeText = Annotated[str, AfterValidator(_withheld)]


# An instant, held in UTC: the offset a producer wrote carries no meaning past validation (dates
# are reckoned in Europe/London from the instant), and one shared tzinfo saves 40 B per event.
Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class Practitioner:
    id: Id
    grade: Grade


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class Manager:
    id: Id


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class Profile:
    gender: str | None = None
    ageBand: str | None = None
    ethnicity: str | None = None


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class CaseAllocatedDetail:
    region: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
    pdu: Annotated[str, Field(min_length=1, max_length=128)]
    team: Annotated[str, Field(min_length=1, max_length=128)]
    practitioner: Practitioner
    manager: Manager | None = None
    sentenceType: SentenceType
    rosh: Rosh | None = None
    registrations: tuple[str, ...] = ()
    profile: Profile | None = None


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class CaseTransferredDetail:
    region: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)] | None = None
    pdu: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    team: Annotated[str, Field(min_length=1, max_length=128)]
    practitioner: Practitioner
    manager: Manager | None = None


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class CaseClosedDetail:
    reason: FreeText


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class RegistrationDetail:
    code: Annotated[str, Field(min_length=1, max_length=16)]
    level: str | None = None
    category: str | None = None


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class EnquiryRequestedDetail:
    enquiryId: Id
    agency: EnquiryAgency
    reason: EnquiryReason


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class EnquiryRespondedDetail:
    enquiryId: Id
    outcome: EnquiryOutcome


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class AssessmentCompletedDetail:
    assessmentId: Id
    kind: AssessmentKind
    rosh: Rosh
    riskTo: tuple[RiskTo, ...] = ()
    whoAtRiskRecorded: bool = False
    natureOfRiskRecorded: bool = False
    sourcesUsed: tuple[Source, ...] = ()
    needs: tuple[Need, ...] = ()
    strengthsIdentified: bool = False
    personInvolved: bool = False
    diversityConsidered: bool = False
    countersignedBy: str | None = None


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class Objective:
    area: ObjectiveArea
    need: Need | None = None


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class PlanCompletedDetail:
    planId: Id
    kind: PlanKind
    objectives: tuple[Objective, ...] = ()
    contingencyPlan: bool = False
    victimSafetyPlanning: bool = False
    personInvolved: bool = False
    contactFrequencyDays: Annotated[int, Field(ge=1, le=366)] | None = None
    countersignedBy: str | None = None


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class RequirementAddedDetail:
    requirementId: Id
    type: RequirementType


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class RequirementRefDetail:
    requirementId: Id


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class ContactRecordedDetail:
    contactId: Id
    type: ContactType
    outcome: ContactOutcome
    structuredIntervention: bool = False
    agency: str | None = None


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class ReferralMadeDetail:
    referralId: Id
    service: Service


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class ReferralStartedDetail:
    referralId: Id


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class IntelligenceReceivedDetail:
    intelligenceId: Id
    kind: IntelligenceKind
    source: IntelligenceSource


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class ReviewCompletedDetail:
    reviewId: Id
    personInvolved: bool = False
    riskOfHarmReviewed: bool = False
    agencyInput: tuple[ReviewAgency, ...] = ()
    planUpdated: bool = False


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class OversightRecordedDetail:
    oversightId: Id
    kind: OversightKind
    managerId: Id
    actionsRecorded: bool = False


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class SupervisionSuspendedDetail:
    exitPlan: bool = False


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class EmptyDetail:
    pass


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class Envelope:
    eventId: Id
    version: Literal[1]
    occurredAt: Instant
    crn: Annotated[str, Field(pattern=CRN_PATTERN)]


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class CaseAllocated(Envelope):
    eventType: Literal["case.allocated"]
    detail: CaseAllocatedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class CaseTransferred(Envelope):
    eventType: Literal["case.transferred"]
    detail: CaseTransferredDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class CaseClosed(Envelope):
    eventType: Literal["case.closed"]
    detail: CaseClosedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class RegistrationAdded(Envelope):
    eventType: Literal["registration.added"]
    detail: RegistrationDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class RegistrationRemoved(Envelope):
    eventType: Literal["registration.removed"]
    detail: RegistrationDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class EnquiryRequested(Envelope):
    eventType: Literal["enquiry.requested"]
    detail: EnquiryRequestedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class EnquiryResponded(Envelope):
    eventType: Literal["enquiry.responded"]
    detail: EnquiryRespondedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class AssessmentCompleted(Envelope):
    eventType: Literal["assessment.completed"]
    detail: AssessmentCompletedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class PlanCompleted(Envelope):
    eventType: Literal["plan.completed"]
    detail: PlanCompletedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class RequirementAdded(Envelope):
    eventType: Literal["requirement.added"]
    detail: RequirementAddedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class RequirementStarted(Envelope):
    eventType: Literal["requirement.started"]
    detail: RequirementRefDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class RequirementEnded(Envelope):
    eventType: Literal["requirement.ended"]
    detail: RequirementRefDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class ContactRecorded(Envelope):
    eventType: Literal["contact.recorded"]
    detail: ContactRecordedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class ReferralMade(Envelope):
    eventType: Literal["referral.made"]
    detail: ReferralMadeDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class ReferralStarted(Envelope):
    eventType: Literal["referral.started"]
    detail: ReferralStartedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class IntelligenceReceived(Envelope):
    eventType: Literal["intelligence.received"]
    detail: IntelligenceReceivedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class ReviewCompleted(Envelope):
    eventType: Literal["review.completed"]
    detail: ReviewCompletedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class OversightRecorded(Envelope):
    eventType: Literal["oversight.recorded"]
    detail: OversightRecordedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class SupervisionSuspended(Envelope):
    eventType: Literal["supervision.suspended"]
    detail: SupervisionSuspendedDetail


@dataclass(config=WIRE, frozen=True, slots=True, kw_only=True)
class SupervisionResumed(Envelope):
    eventType: Literal["supervision.resumed"]
    detail: EmptyDetail = EmptyDetail()


CaseEvent = Annotated[
    CaseAllocated
    | CaseTransferred
    | CaseClosed
    | RegistrationAdded
    | RegistrationRemoved
    | EnquiryRequested
    | EnquiryResponded
    | AssessmentCompleted
    | PlanCompleted
    | RequirementAdded
    | RequirementStarted
    | RequirementEnded
    | ContactRecorded
    | ReferralMade
    | ReferralStarted
    | IntelligenceReceived
    | ReviewCompleted
    | OversightRecorded
    | SupervisionSuspended
    | SupervisionResumed,
    Field(discriminator="eventType"),
]

EVENT_TYPES: tuple[str, ...] = (
    "case.allocated",
    "case.transferred",
    "case.closed",
    "registration.added",
    "registration.removed",
    "enquiry.requested",
    "enquiry.responded",
    "assessment.completed",
    "plan.completed",
    "requirement.added",
    "requirement.started",
    "requirement.ended",
    "contact.recorded",
    "referral.made",
    "referral.started",
    "intelligence.received",
    "review.completed",
    "oversight.recorded",
    "supervision.suspended",
    "supervision.resumed",
)

case_event_adapter: TypeAdapter[CaseEvent] = TypeAdapter(CaseEvent)
# A case's events in one bulk table row (engine/snapshot.py `bulk_row`).
case_events_adapter: TypeAdapter[list[CaseEvent]] = TypeAdapter(list[CaseEvent])
