"""Case events (SPEC §2–§3): the envelope and one model per event type.

Strict validation: wire values must already have the right JSON type (no "true" for true, no
numbers for timestamps). Unknown fields are ignored for forward compatibility; unknown
enumeration values are rejected.
"""

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from schemas.codes import (
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


class Wire(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


Id = Annotated[str, Field(min_length=1, max_length=128)]


class Practitioner(Wire):
    id: Id
    grade: Grade


class Manager(Wire):
    id: Id


class Profile(Wire):
    gender: str | None = None
    ageBand: str | None = None
    ethnicity: str | None = None


class CaseAllocatedDetail(Wire):
    region: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
    pdu: Annotated[str, Field(min_length=1, max_length=128)]
    team: Annotated[str, Field(min_length=1, max_length=128)]
    practitioner: Practitioner
    manager: Manager | None = None
    sentenceType: SentenceType
    rosh: Rosh | None = None
    registrations: list[str] = []
    profile: Profile | None = None


class CaseTransferredDetail(Wire):
    region: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)] | None = None
    pdu: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    team: Annotated[str, Field(min_length=1, max_length=128)]
    practitioner: Practitioner
    manager: Manager | None = None


class CaseClosedDetail(Wire):
    # The reason is free text: validated for presence, never copied into alerts or state.
    reason: str


class RegistrationDetail(Wire):
    code: Annotated[str, Field(min_length=1, max_length=16)]
    level: str | None = None
    category: str | None = None


class EnquiryRequestedDetail(Wire):
    enquiryId: Id
    agency: EnquiryAgency
    reason: EnquiryReason


class EnquiryRespondedDetail(Wire):
    enquiryId: Id
    outcome: EnquiryOutcome


class AssessmentCompletedDetail(Wire):
    assessmentId: Id
    kind: AssessmentKind
    rosh: Rosh
    riskTo: list[RiskTo] = []
    whoAtRiskRecorded: bool = False
    natureOfRiskRecorded: bool = False
    sourcesUsed: list[Source] = []
    needs: list[Need] = []
    strengthsIdentified: bool = False
    personInvolved: bool = False
    diversityConsidered: bool = False
    countersignedBy: str | None = None


class Objective(Wire):
    area: ObjectiveArea
    need: Need | None = None


class PlanCompletedDetail(Wire):
    planId: Id
    kind: PlanKind
    objectives: list[Objective] = []
    contingencyPlan: bool = False
    victimSafetyPlanning: bool = False
    personInvolved: bool = False
    contactFrequencyDays: Annotated[int, Field(ge=1, le=366)] | None = None
    countersignedBy: str | None = None


class RequirementAddedDetail(Wire):
    requirementId: Id
    type: RequirementType


class RequirementRefDetail(Wire):
    requirementId: Id


class ContactRecordedDetail(Wire):
    contactId: Id
    type: ContactType
    outcome: ContactOutcome
    structuredIntervention: bool = False
    agency: str | None = None


class ReferralMadeDetail(Wire):
    referralId: Id
    service: Service


class ReferralStartedDetail(Wire):
    referralId: Id


class IntelligenceReceivedDetail(Wire):
    intelligenceId: Id
    kind: IntelligenceKind
    source: IntelligenceSource


class ReviewCompletedDetail(Wire):
    reviewId: Id
    personInvolved: bool = False
    riskOfHarmReviewed: bool = False
    agencyInput: list[ReviewAgency] = []
    planUpdated: bool = False


class OversightRecordedDetail(Wire):
    oversightId: Id
    kind: OversightKind
    managerId: Id
    actionsRecorded: bool = False


class SupervisionSuspendedDetail(Wire):
    exitPlan: bool = False


class EmptyDetail(Wire):
    pass


class Envelope(Wire):
    eventId: Id
    version: Literal[1]
    occurredAt: AwareDatetime
    crn: Annotated[str, Field(pattern=CRN_PATTERN)]


class CaseAllocated(Envelope):
    eventType: Literal["case.allocated"]
    detail: CaseAllocatedDetail


class CaseTransferred(Envelope):
    eventType: Literal["case.transferred"]
    detail: CaseTransferredDetail


class CaseClosed(Envelope):
    eventType: Literal["case.closed"]
    detail: CaseClosedDetail


class RegistrationAdded(Envelope):
    eventType: Literal["registration.added"]
    detail: RegistrationDetail


class RegistrationRemoved(Envelope):
    eventType: Literal["registration.removed"]
    detail: RegistrationDetail


class EnquiryRequested(Envelope):
    eventType: Literal["enquiry.requested"]
    detail: EnquiryRequestedDetail


class EnquiryResponded(Envelope):
    eventType: Literal["enquiry.responded"]
    detail: EnquiryRespondedDetail


class AssessmentCompleted(Envelope):
    eventType: Literal["assessment.completed"]
    detail: AssessmentCompletedDetail


class PlanCompleted(Envelope):
    eventType: Literal["plan.completed"]
    detail: PlanCompletedDetail


class RequirementAdded(Envelope):
    eventType: Literal["requirement.added"]
    detail: RequirementAddedDetail


class RequirementStarted(Envelope):
    eventType: Literal["requirement.started"]
    detail: RequirementRefDetail


class RequirementEnded(Envelope):
    eventType: Literal["requirement.ended"]
    detail: RequirementRefDetail


class ContactRecorded(Envelope):
    eventType: Literal["contact.recorded"]
    detail: ContactRecordedDetail


class ReferralMade(Envelope):
    eventType: Literal["referral.made"]
    detail: ReferralMadeDetail


class ReferralStarted(Envelope):
    eventType: Literal["referral.started"]
    detail: ReferralStartedDetail


class IntelligenceReceived(Envelope):
    eventType: Literal["intelligence.received"]
    detail: IntelligenceReceivedDetail


class ReviewCompleted(Envelope):
    eventType: Literal["review.completed"]
    detail: ReviewCompletedDetail


class OversightRecorded(Envelope):
    eventType: Literal["oversight.recorded"]
    detail: OversightRecordedDetail


class SupervisionSuspended(Envelope):
    eventType: Literal["supervision.suspended"]
    detail: SupervisionSuspendedDetail


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
