"""A case's facts: every accepted event, indexed by kind and kept in event-time order.

Lists are ordered by (occurredAt, eventId) whatever order events arrived in, so anything read
from them is a function of the set of events only: the root of order independence (SPEC §1).
Derived timelines (RoSH, registrations) are rebuilt lazily when an event that feeds them arrives.
"""

from bisect import bisect_right, insort
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, NamedTuple, TypeVar

from casewatch.schemas.codes import (
    ContactOutcome,
    ContactType,
    EnquiryAgency,
    EnquiryOutcome,
    IntelligenceKind,
    RequirementType,
    Rosh,
)
from casewatch.schemas.events import (
    AssessmentCompleted,
    CaseAllocated,
    CaseClosed,
    CaseEvent,
    CaseTransferred,
    ContactRecorded,
    EnquiryRequested,
    EnquiryResponded,
    IntelligenceReceived,
    OversightRecorded,
    PlanCompleted,
    ReferralMade,
    ReferralStarted,
    RegistrationAdded,
    RegistrationRemoved,
    RequirementAdded,
    RequirementEnded,
    RequirementStarted,
    ReviewCompleted,
    SupervisionResumed,
    SupervisionSuspended,
)

E = TypeVar("E")

ROSH_RANK = {Rosh.LOW: 0, Rosh.MEDIUM: 1, Rosh.HIGH: 2, Rosh.VERY_HIGH: 3}
ROSH_BY_CODE = {"RLRH": Rosh.LOW, "RMRH": Rosh.MEDIUM, "RHRH": Rosh.HIGH, "RVHR": Rosh.VERY_HIGH}
# ADVP domestic-abuse perpetrator, REG30 domestic-abuse history (SPEC §3, 2026-12-03: as
# HMPPS's own tiering reads it).
DA_CODES = frozenset({"ADVP", "REG30"})
CHILD_CODES = frozenset({"RCPR", "RCCO", "RCHD"})
TREATMENT_REQUIREMENTS = frozenset({
    RequirementType.DRUG_REHABILITATION,
    RequirementType.ALCOHOL_TREATMENT,
    RequirementType.MENTAL_HEALTH_TREATMENT,
})
NEW_CONCERN_INTELLIGENCE = frozenset({
    IntelligenceKind.NEW_RELATIONSHIP,
    IntelligenceKind.CHILD_CONTACT_CHANGE,
    IntelligenceKind.DOMESTIC_INCIDENT,
})


class Occurrence(NamedTuple, Generic[E]):
    at: datetime  # occurredAt normalised to UTC
    event_id: str
    event: E


@dataclass(frozen=True, slots=True)
class RiskState:
    """The derived risk facts of SPEC §3 at one instant."""

    rosh: Rosh | None
    codes: frozenset[str]

    @property
    def da(self) -> bool:
        return not self.codes.isdisjoint(DA_CODES)

    @property
    def child(self) -> bool:
        return not self.codes.isdisjoint(CHILD_CODES)

    @property
    def mapp(self) -> bool:
        return "MAPP" in self.codes

    @property
    def elevated(self) -> bool:
        return (self.rosh is not None and ROSH_RANK[self.rosh] >= 1) or self.da or self.child or (
            self.mapp
        )

    @property
    def high_risk(self) -> bool:
        return is_high(self.rosh) or self.mapp or "RCPR" in self.codes


NO_RISK = RiskState(None, frozenset())


def is_high(rosh: Rosh | None) -> bool:
    """RoSH HIGH or VERY_HIGH."""
    return rosh is not None and ROSH_RANK[rosh] >= 2
NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Assignment:
    region: str
    pdu: str
    team: str
    practitioner_id: str
    manager_id: str | None


def at_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@dataclass
class CaseFacts:
    allocations: list[Occurrence[CaseAllocated]] = field(default_factory=list)
    transfers: list[Occurrence[CaseTransferred]] = field(default_factory=list)
    closures: list[Occurrence[CaseClosed]] = field(default_factory=list)
    registrations: list[Occurrence[RegistrationAdded | RegistrationRemoved]] = field(
        default_factory=list
    )
    requests: list[Occurrence[EnquiryRequested]] = field(default_factory=list)
    responses: list[Occurrence[EnquiryResponded]] = field(default_factory=list)
    assessments: list[Occurrence[AssessmentCompleted]] = field(default_factory=list)
    plans: list[Occurrence[PlanCompleted]] = field(default_factory=list)
    requirements: list[Occurrence[RequirementAdded]] = field(default_factory=list)
    requirement_starts: list[Occurrence[RequirementStarted]] = field(default_factory=list)
    requirement_ends: list[Occurrence[RequirementEnded]] = field(default_factory=list)
    contacts: list[Occurrence[ContactRecorded]] = field(default_factory=list)
    referrals: list[Occurrence[ReferralMade]] = field(default_factory=list)
    referral_starts: list[Occurrence[ReferralStarted]] = field(default_factory=list)
    intelligence: list[Occurrence[IntelligenceReceived]] = field(default_factory=list)
    reviews: list[Occurrence[ReviewCompleted]] = field(default_factory=list)
    oversight: list[Occurrence[OversightRecorded]] = field(default_factory=list)
    suspensions: list[Occurrence[SupervisionSuspended | SupervisionResumed]] = field(
        default_factory=list
    )
    # Subsets kept alongside the lists above because rules read them on every contact.
    attended: list[Occurrence[ContactRecorded]] = field(default_factory=list)
    home_visits: list[Occurrence[ContactRecorded]] = field(default_factory=list)
    resumptions: list[Occurrence[SupervisionResumed]] = field(default_factory=list)
    latest_added_at: datetime = NEVER  # time of the last event added
    _risk: list[tuple[datetime, str, RiskState]] | None = None
    _risk_times: list[datetime] = field(default_factory=list)
    _usable: dict[EnquiryAgency, list[Occurrence[EnquiryResponded]]] | None = None
    _first_assignment: Assignment | None = None
    # Values rules derive from RoSH, registrations and plans, kept until one of those changes.
    memo: dict[str, dict[Any, Any]] = field(default_factory=dict)

    def add(self, event: CaseEvent) -> None:
        occurrence = Occurrence(at_utc(event.occurredAt), event.eventId, event)
        self.latest_added_at = occurrence.at
        _insert(getattr(self, _LIST_BY_TYPE[event.eventType]), occurrence)
        if isinstance(event, ContactRecorded) and event.detail.outcome == ContactOutcome.ATTENDED:
            _insert(self.attended, occurrence)
            if event.detail.type == ContactType.HOME_VISIT:
                _insert(self.home_visits, occurrence)
        elif isinstance(event, SupervisionResumed):
            _insert(self.resumptions, occurrence)
        elif isinstance(event, EnquiryRequested | EnquiryResponded):
            self._usable = None
        if event.eventType in _RISK_TYPES:
            self._risk = None
            self.memo.clear()
        elif isinstance(event, PlanCompleted):
            self.memo.clear()
        if isinstance(event, CaseAllocated):
            self._first_assignment = None

    def occurrences(self) -> Iterator[Occurrence[Any]]:
        """Every accepted event once, list by list (each list in time order)."""
        for name in _EVENT_LISTS:
            yield from getattr(self, name)

    # -- case frame ------------------------------------------------------------------------

    @property
    def allocation(self) -> Occurrence[CaseAllocated] | None:
        return self.allocations[0] if self.allocations else None

    @property
    def closed_at(self) -> datetime | None:
        return self.closures[0].at if self.closures else None

    def assignment_at(self, moment: datetime | None) -> Assignment | None:
        """Who holds the case at `moment` (None: the latest known), folding transfers in order."""
        allocation = self.allocation
        if allocation is None:
            return None
        if not self.transfers or (moment is not None and moment < self.transfers[0].at):
            if self._first_assignment is None:
                detail = allocation.event.detail
                self._first_assignment = Assignment(
                    detail.region, detail.pdu, detail.team, detail.practitioner.id,
                    detail.manager.id if detail.manager else None)
            return self._first_assignment
        detail = allocation.event.detail
        region, pdu, team = detail.region, detail.pdu, detail.team
        practitioner = detail.practitioner.id
        manager = detail.manager.id if detail.manager else None
        for transfer in self.transfers:
            if moment is not None and transfer.at > moment:
                break
            if transfer.at < allocation.at:
                continue
            moved = transfer.event.detail
            region = moved.region or region
            pdu = moved.pdu or pdu
            team = moved.team
            practitioner = moved.practitioner.id
            manager = moved.manager.id if moved.manager else None
        return Assignment(region, pdu, team, practitioner, manager)

    # -- risk ------------------------------------------------------------------------------

    def risk_timeline(self) -> list[tuple[datetime, str, RiskState]]:
        """RiskState after each event that changes RoSH or registrations, in event-time order."""
        if self._risk is None:
            self._risk = self._build_risk()
            self._risk_times = [at for at, _, _ in self._risk]
        return self._risk

    def risk_at(self, moment: datetime) -> RiskState:
        """Risk as of `moment`, including events that occurred exactly then."""
        timeline = self.risk_timeline()
        if timeline and moment >= timeline[-1][0]:
            return timeline[-1][2]
        index = bisect_right(self._risk_times, moment)
        return timeline[index - 1][2] if index else NO_RISK

    def _build_risk(self) -> list[tuple[datetime, str, RiskState]]:
        changes: list[tuple[datetime, str, Rosh | None, tuple[str, ...], tuple[str, ...]]] = []
        for allocated in self.allocations:
            listed = tuple(allocated.event.detail.registrations)
            at_allocation = allocated.event.detail.rosh or _highest_rosh_code(listed)
            changes.append((allocated.at, allocated.event_id, at_allocation, listed, ()))
        for assessment in self.assessments:
            assessed = assessment.event.detail.rosh
            changes.append((assessment.at, assessment.event_id, assessed, (), ()))
        for registration in self.registrations:
            code = registration.event.detail.code
            if isinstance(registration.event, RegistrationAdded):
                changes.append((registration.at, registration.event_id, ROSH_BY_CODE.get(code),
                                (code,), ()))
            else:
                changes.append((registration.at, registration.event_id, None, (), (code,)))
        changes.sort(key=lambda change: (change[0], change[1]))
        timeline: list[tuple[datetime, str, RiskState]] = []
        rosh: Rosh | None = None
        codes: frozenset[str] = frozenset()
        for at, event_id, new_rosh, added, removed in changes:
            rosh = new_rosh or rosh
            codes = (codes | set(added)) - set(removed)
            timeline.append((at, event_id, RiskState(rosh, codes)))
        return timeline

    # -- enquiries -------------------------------------------------------------------------

    def agency_of(self, enquiry_id: str) -> EnquiryAgency | None:
        for request in self.requests:
            if request.event.detail.enquiryId == enquiry_id:
                return request.event.detail.agency
        return None

    def usable_responses(self, agency: EnquiryAgency) -> list[Occurrence[EnquiryResponded]]:
        """Usable responses (not INSUFFICIENT_DETAIL) to enquiries to `agency`, in time order."""
        if self._usable is None:
            agencies = {r.event.detail.enquiryId: r.event.detail.agency for r in self.requests}
            self._usable = {agency: [] for agency in EnquiryAgency}
            for response in self.responses:
                asked = agencies.get(response.event.detail.enquiryId)
                if asked and response.event.detail.outcome != EnquiryOutcome.INSUFFICIENT_DETAIL:
                    self._usable[asked].append(response)
        return self._usable[agency]

    # -- suspension ------------------------------------------------------------------------

    def suspended_at(self, moment: datetime) -> bool:
        """Whether Probation Reset suspension is in force at `moment` (last change at or before)."""
        if not self.suspensions:
            return False
        index = bisect_right(self.suspensions, (moment, "\U0010ffff"))
        return index > 0 and isinstance(self.suspensions[index - 1].event, SupervisionSuspended)


def _insert(target: list[Occurrence[Any]], occurrence: Occurrence[Any]) -> None:
    if not target or target[-1] < occurrence:
        target.append(occurrence)  # the common case: events arrive in time order
    else:
        insort(target, occurrence)


def topics(event: CaseEvent, facts: "CaseFacts") -> tuple[str, ...]:
    """What an event can change, finer than its type, so rules re-run only when they must.

    "risk" marks events that can change RoSH or registrations (read through `risk_at`);
    "enquiry.agency_known" a request whose response arrived first, which tells rules whose
    information that response was.
    """
    if event.eventType in _RISK_TYPES:
        return (event.eventType, "risk")
    if isinstance(event, EnquiryRequested):
        enquiry_id = event.detail.enquiryId
        if any(r.event.detail.enquiryId == enquiry_id for r in facts.responses):
            return ("enquiry.requested", "enquiry.agency_known")
        return ("enquiry.requested",)
    if isinstance(event, ContactRecorded):
        if event.detail.outcome == ContactOutcome.FAILED_TO_ATTEND:
            return ("contact.recorded", "contact.failed")
        if event.detail.outcome != ContactOutcome.ATTENDED:
            return ("contact.recorded",)
        if event.detail.type == ContactType.HOME_VISIT:
            return ("contact.recorded", "contact.attended", "contact.home_visit")
        return ("contact.recorded", "contact.attended")
    if isinstance(event, EnquiryResponded):
        if event.detail.outcome == EnquiryOutcome.INSUFFICIENT_DETAIL:
            return ("enquiry.responded", "enquiry.thin")
        return ("enquiry.responded", "enquiry.usable")
    if isinstance(event, RequirementAdded):
        if event.detail.type == RequirementType.CURFEW:
            return ("requirement.added", "requirement.curfew")
        if event.detail.type in TREATMENT_REQUIREMENTS:
            return ("requirement.added", "requirement.treatment")
    if isinstance(event, IntelligenceReceived) and event.detail.kind in NEW_CONCERN_INTELLIGENCE:
        return ("intelligence.received", "intelligence.new_concern")
    return (event.eventType,)


def _highest_rosh_code(codes: tuple[str, ...]) -> Rosh | None:
    levels = [ROSH_BY_CODE[code] for code in codes if code in ROSH_BY_CODE]
    return max(levels, key=ROSH_RANK.__getitem__) if levels else None


_LIST_BY_TYPE = {
    "case.allocated": "allocations",
    "case.transferred": "transfers",
    "case.closed": "closures",
    "registration.added": "registrations",
    "registration.removed": "registrations",
    "enquiry.requested": "requests",
    "enquiry.responded": "responses",
    "assessment.completed": "assessments",
    "plan.completed": "plans",
    "requirement.added": "requirements",
    "requirement.started": "requirement_starts",
    "requirement.ended": "requirement_ends",
    "contact.recorded": "contacts",
    "referral.made": "referrals",
    "referral.started": "referral_starts",
    "intelligence.received": "intelligence",
    "review.completed": "reviews",
    "oversight.recorded": "oversight",
    "supervision.suspended": "suspensions",
    "supervision.resumed": "suspensions",
}
_EVENT_LISTS = tuple(dict.fromkeys(_LIST_BY_TYPE.values()))
_RISK_TYPES = frozenset(
    {"case.allocated", "assessment.completed", "registration.added", "registration.removed"}
)
