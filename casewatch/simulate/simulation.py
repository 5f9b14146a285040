"""`casewatch simulate`: a synthetic but realistic PDU event stream.

Each case is a story: allocation with a RoSH and registration mix, safeguarding enquiries that
sometimes come back late or thin, induction, assessment, plan, requirements, referrals, contact
at a risk-led frequency with missed appointments, home visits, intelligence from police and
others, reviews, oversight, the odd Probation Reset suspension, transfers and closures.
`quality` is the chance each piece of practice is done well and on time. Events are written in
the order they would be recorded, which is not always the order they happened: practitioners
record some contacts days late, so the stream carries late data as a real one does.
Same arguments, same output.
"""

import heapq
import json
import random
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from typing import IO, Any

from casewatch.engine.calendar import LONDON, add_working_days, is_working_day

REGION = "north-east"
PDU_NAMES = ("county-durham-darlington", "tees-valley", "northumberland", "tyne-and-wear")
ROSH_MIX = (("LOW", 0.35), ("MEDIUM", 0.45), ("HIGH", 0.17), ("VERY_HIGH", 0.03))
NEED_SERVICES = {"ACCOMMODATION": "ACCOMMODATION", "EDUCATION_TRAINING_EMPLOYMENT":
                 "EDUCATION_TRAINING_EMPLOYMENT", "FINANCE": "FINANCE_BENEFIT_DEBT",
                 "DRUGS": "DEPENDENCY_RECOVERY", "ALCOHOL": "DEPENDENCY_RECOVERY",
                 "EMOTIONAL_WELLBEING": "PERSONAL_WELLBEING", "MENTAL_HEALTH": "MENTAL_HEALTH"}
NEEDS = ("ACCOMMODATION", "EDUCATION_TRAINING_EMPLOYMENT", "FINANCE", "RELATIONSHIPS",
         "LIFESTYLE", "DRUGS", "ALCOHOL", "THINKING_BEHAVIOUR", "ATTITUDES",
         "EMOTIONAL_WELLBEING", "MENTAL_HEALTH")

# Profiles (SPEC §12) as the seed PDU's caseload might be: County Durham and Darlington is 97%
# White in the 2021 census (its Gypsy, Roma and Traveller community among the White minorities),
# women are about 13% of people on probation, and most are in their twenties and thirties.
# Drawn from their own generator, so adding them changed no other simulated event.
ETHNICITY_MIX = (("WHITE", 0.935), ("ASIAN", 0.012), ("MIXED", 0.012), ("BLACK", 0.006),
                 ("OTHER", 0.005), ("NOT_STATED", 0.03))
GENDER_MIX = (("MALE", 0.86), ("FEMALE", 0.13), ("NOT_STATED", 0.01))
AGE_MIX = (("18-25", 0.20), ("26-29", 0.14), ("30-39", 0.31), ("40-49", 0.19), ("50-59", 0.11),
           ("60+", 0.05))
PROFILE_DIMENSIONS = {"ethnicity": ETHNICITY_MIX, "gender": GENDER_MIX, "ageBand": AGE_MIX}

CHUNK_CASES = 5_000  # cases sorted in memory at once: about 150 MB of records
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Team:
    region: str
    pdu: str
    name: str
    manager: str
    practitioners: tuple[tuple[str, str], ...]  # (id, grade)


@dataclass(order=True)
class Record:
    recorded_at: datetime
    sequence: int
    line: dict[str, Any] = field(compare=False)


class Simulation:
    def __init__(self, *, cases: int, seed: int, start: date, days: int, quality: float,
                 pdus: int = 2, plant: tuple[str, str] | None = None) -> None:
        self.cases = cases
        self.seed = seed
        self.start = start
        self.end = datetime.combine(start + timedelta(days=days), time(0), LONDON)
        self.days = days
        self.quality = quality
        self.teams = self._teams(pdus)
        # (dimension, group) whose assessments leave out safeguarding information twice as
        # often as others': a disparity for analysis to find.
        self.plant = plant

    def _teams(self, pdus: int) -> list[Team]:
        rng = random.Random(f"teams:{self.seed}")
        teams = []
        for p in range(pdus):
            pdu = PDU_NAMES[p] if p < len(PDU_NAMES) else f"pdu-{p + 1}"
            for t in range(1, 5):
                practitioners = tuple(
                    (f"PR{p}{t}{i:02d}", rng.choices(("PO", "PSO", "PQIP"), (5, 3, 2))[0])
                    for i in range(8)
                )
                teams.append(Team(REGION, pdu, f"{pdu}-team-{t}", f"SPO{p}{t}", practitioners))
        return teams

    def events(self, chunk_cases: int = CHUNK_CASES) -> Iterator[dict[str, Any]]:
        """Every event in recording order. Up to `chunk_cases` cases are sorted in memory; more
        are sorted a chunk at a time into temporary files and merged, so a national caseload
        streams in bounded memory. Ties keep case order either way (a stable sort, and a merge
        that prefers earlier chunks), so the output does not depend on the chunk size."""
        chunks = self._chunks(chunk_cases)
        if self.cases <= chunk_cases:
            for record in next(chunks, []):
                yield record.line
            return
        with ExitStack() as stack:
            runs = [_spill(chunk, stack.enter_context(tempfile.TemporaryFile("w+")))
                    for chunk in chunks]
            for _, line in heapq.merge(*runs, key=itemgetter(0)):
                yield json.loads(line)

    @staticmethod
    def _profile(rng: random.Random) -> dict[str, str]:
        return {dimension: rng.choices([g for g, _ in mix], [w for _, w in mix])[0]
                for dimension, mix in PROFILE_DIMENSIONS.items()}

    def _chunks(self, chunk_cases: int) -> Iterator[list[Record]]:
        crns: set[str] = set()
        id_rng = random.Random(f"crn:{self.seed}")
        records: list[Record] = []
        for index in range(self.cases):
            crn = f"{id_rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{id_rng.randrange(10**6):06d}"
            while crn in crns:
                crn = f"{id_rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{id_rng.randrange(10**6):06d}"
            crns.add(crn)
            profile = self._profile(random.Random(f"profile:{self.seed}:{index}"))
            story = CaseStory(self, crn, random.Random(f"case:{self.seed}:{index}"), profile)
            records.extend(story.tell())
            if (index + 1) % chunk_cases == 0 or index + 1 == self.cases:
                records.sort()
                yield records
                records = []


class CaseStory:
    def __init__(self, simulation: Simulation, crn: str, rng: random.Random,
                 profile: dict[str, str]) -> None:
        self.sim = simulation
        self.crn = crn
        self.rng = rng
        self.profile = profile
        plant = simulation.plant
        self.planted = plant is not None and profile.get(plant[0]) == plant[1]
        self.q = simulation.quality
        self.records: list[Record] = []
        self.sequence = 0
        self.counter = 0

    # -- helpers ---------------------------------------------------------------------------

    def ok(self, slip: float = 1.0) -> bool:
        """Practice done well. `slip` weighs how often this piece slips when practice is poor:
        it is done well with probability 1 - (1 - quality) * slip."""
        return self.rng.random() < 1.0 - (1.0 - self.q) * slip

    def at(self, day: date) -> datetime:
        hour = self.rng.randint(9, 16)
        return datetime.combine(day, time(hour, self.rng.choice((0, 15, 30, 45))), LONDON)

    def working(self, moment: datetime, low: int, high: int) -> datetime:
        return self.at(add_working_days(moment.astimezone(LONDON).date(),
                                        self.rng.randint(low, high)))

    def days(self, moment: datetime, low: int, high: int) -> datetime:
        day = moment.astimezone(LONDON).date() + timedelta(days=self.rng.randint(low, high))
        while not is_working_day(day):
            day += timedelta(days=1)
        return self.at(day)

    def emit(self, moment: datetime, event_type: str, detail: dict[str, Any],
             delay_days: int = 0) -> None:
        if moment >= self.sim.end:
            return
        recorded = moment + timedelta(days=delay_days)
        if recorded >= self.sim.end:
            return
        self.counter += 1
        line = {
            "eventId": f"{self.crn}-{self.counter:04d}",
            "eventType": event_type,
            "version": 1,
            "occurredAt": moment.isoformat(),
            "crn": self.crn,
            "detail": detail,
        }
        self.sequence += 1
        self.records.append(Record(recorded, self.sequence, line))

    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{self.crn}-{self.counter + 1:04d}-{self.rng.randrange(10**4):04d}"

    # -- the story -------------------------------------------------------------------------

    def tell(self) -> list[Record]:
        rng = self.rng
        sim = self.sim
        span = max(1, int(sim.days * 0.75))
        day = sim.start + timedelta(days=rng.randrange(span))
        while not is_working_day(day):
            day += timedelta(days=1)
        allocated = self.at(day)
        team = rng.choice(sim.teams)
        practitioner, grade = rng.choice(team.practitioners)
        rosh = rng.choices([r for r, _ in ROSH_MIX], [w for _, w in ROSH_MIX])[0]
        high = rosh in ("HIGH", "VERY_HIGH")
        registrations = []
        da = rng.random() < 0.32
        child = rng.random() < 0.25
        if da:
            registrations.append("ADVP")
        if child:
            registrations.append(rng.choices(("RCCO", "RCHD", "RCPR"), (5, 3, 2))[0])
        if high and rng.random() < 0.25:
            registrations.append("MAPP")
        if rng.random() < 0.08:
            registrations.append("IIOM")
        self.emit(allocated, "case.allocated", {
            "region": team.region, "pdu": team.pdu, "team": team.name,
            "practitioner": {"id": practitioner, "grade": grade},
            "manager": {"id": team.manager},
            "sentenceType": rng.choices(
                ("COMMUNITY_ORDER", "SUSPENDED_SENTENCE_ORDER", "LICENCE",
                 "POST_SENTENCE_SUPERVISION"), (4, 3, 4, 1))[0],
            "rosh": rosh,
            "registrations": registrations,
            "profile": self.profile,
        })
        responses = self.enquiries(allocated, "ALLOCATION")
        first_seen = self.working(allocated, 1, 4) if self.ok(0.4) else self.working(
            allocated, 6, 12)
        self.emit(first_seen, "contact.recorded", {
            "contactId": self.new_id("CT"), "type": "INDUCTION", "outcome": "ATTENDED"})
        needs = rng.sample(NEEDS, rng.randint(1, 4))
        assessed = self.working(allocated, 6, 15) if self.ok(0.5) else self.working(
            allocated, 21, 30)
        self.assessment(assessed, "INITIAL", rosh, da, child, needs, responses, grade,
                        team.manager)
        planned = self.working(assessed, 1, 5) if self.ok(0.4) else self.working(assessed, 15, 25)
        self.plan(planned, high, da or child or rosh != "LOW", da or child, needs, grade,
                  team.manager)
        self.requirements(allocated, responses, needs)
        self.referrals(assessed, needs)
        if high or "RCPR" in registrations or "MAPP" in registrations:
            seen = (self.working(allocated, 2, 8) if self.ok(1.2)
                    else self.working(allocated, 12, 25))
            self.oversight(seen, team.manager)
        self.supervise(allocated, rosh, da or child or rosh != "LOW", team.manager)
        if rng.random() < 0.05:
            moved = self.days(allocated, 30, 120)
            other = rng.choice([t for t in sim.teams if t.pdu == team.pdu])
            practitioner, grade = rng.choice(other.practitioners)
            self.emit(moved, "case.transferred", {
                "team": other.name, "practitioner": {"id": practitioner, "grade": grade},
                "manager": {"id": other.manager}})
        return self.records

    def enquiries(self, moment: datetime, reason: str,
                  agencies: Iterable[str] = ("POLICE_DOMESTIC_ABUSE", "CHILDRENS_SERVICES"),
                  ) -> dict[str, datetime]:
        """Request each agency's information; returns when a usable response came back."""
        usable: dict[str, datetime] = {}
        for agency in agencies:
            if self.ok(0.4):
                requested = self.working(moment, 0, 4)
            elif self.rng.random() < 0.6:
                requested = self.working(moment, 6, 15)
            else:
                continue
            enquiry_id = self.new_id("EQ")
            self.emit(requested, "enquiry.requested",
                      {"enquiryId": enquiry_id, "agency": agency, "reason": reason})
            answered = self.working(requested, 2, 7) if self.ok(0.3) else self.working(
                requested, 11, 20)
            thin = self.rng.random() < 0.1
            outcome = "INSUFFICIENT_DETAIL" if thin else self.rng.choice(
                ("CONCERNS", "NO_CONCERNS"))
            self.emit(answered, "enquiry.responded", {"enquiryId": enquiry_id, "outcome": outcome})
            if thin and self.ok(1.0):
                again = self.working(answered, 1, 5)
                follow_up = self.new_id("EQ")
                self.emit(again, "enquiry.requested",
                          {"enquiryId": follow_up, "agency": agency, "reason": reason})
                answered = self.working(again, 2, 8)
                self.emit(answered, "enquiry.responded",
                          {"enquiryId": follow_up, "outcome": "CONCERNS"})
                usable[agency] = answered
            elif not thin:
                usable[agency] = answered
        return usable

    def assessment(self, moment: datetime, kind: str, rosh: str, da: bool, child: bool,
                   needs: list[str], responses: dict[str, datetime], grade: str,
                   manager: str) -> None:
        risk_to = ["PUBLIC"] + (["PARTNER"] if da else []) + (["CHILDREN"] if child else [])
        # Safeguarding information left out: twice as often for a planted group.
        slip = 0.8 if self.planted else 0.4
        sources = [agency for agency, at in responses.items() if at < moment and self.ok(slip)]
        if self.ok(0.3):
            sources.append("PREVIOUS_CONVICTIONS")
        detail: dict[str, Any] = {
            "assessmentId": self.new_id("AS"), "kind": kind, "rosh": rosh,
            "riskTo": risk_to if self.ok(0.3) else [],
            "whoAtRiskRecorded": self.ok(0.5), "natureOfRiskRecorded": self.ok(0.4),
            "sourcesUsed": sources, "needs": needs, "strengthsIdentified": self.ok(0.5),
            "personInvolved": self.ok(0.4), "diversityConsidered": self.ok(0.5),
        }
        if grade != "PO":
            detail["countersignedBy"] = manager
        self.emit(moment, "assessment.completed", detail)

    def plan(self, moment: datetime, high: bool, elevated: bool, victims: bool,
             needs: list[str], grade: str, manager: str) -> None:
        objectives: list[dict[str, str]] = [{"area": "ENGAGEMENT"}]
        if (elevated or victims) and self.ok(1.0):
            objectives.append({"area": "RISK_OF_HARM"})
        objectives += [{"area": "DESISTANCE", "need": n} for n in needs if self.ok(0.6)]
        detail: dict[str, Any] = {
            "planId": self.new_id("PL"), "kind": "INITIAL", "objectives": objectives,
            "contingencyPlan": self.ok(1.3), "victimSafetyPlanning": self.ok(1.0),
            "personInvolved": self.ok(0.4),
        }
        if high:
            detail["contactFrequencyDays"] = 7
        if grade != "PO":
            detail["countersignedBy"] = manager
        self.emit(moment, "plan.completed", detail)

    def requirements(self, allocated: datetime, responses: dict[str, datetime],
                     needs: list[str]) -> None:
        rng = self.rng
        chosen = [kind for kind, chance in (
            ("UNPAID_WORK", 0.4), ("REHABILITATION_ACTIVITY", 0.5),
            ("DRUG_REHABILITATION", 0.5 if "DRUGS" in needs else 0.02),
            ("ALCOHOL_TREATMENT", 0.4 if "ALCOHOL" in needs else 0.02),
            ("MENTAL_HEALTH_TREATMENT", 0.3 if "MENTAL_HEALTH" in needs else 0.01),
        ) if rng.random() < chance]
        for kind in chosen:
            requirement_id = self.new_id("RQ")
            self.emit(allocated, "requirement.added", {"requirementId": requirement_id,
                                                       "type": kind})
            started = self.days(allocated, 3, 25) if self.ok(0.6) else self.days(allocated, 32, 60)
            self.emit(started, "requirement.started", {"requirementId": requirement_id})
        if rng.random() < 0.08:
            # A curfew after both checks is good practice; one at sentence often is not.
            both = len(responses) == 2
            when = self.working(max(responses.values()), 1, 3) if both and self.ok(1.0) else (
                self.working(allocated, 0, 2))
            self.emit(when, "requirement.added", {"requirementId": self.new_id("RQ"),
                                                  "type": "CURFEW"})

    def referrals(self, assessed: datetime, needs: list[str]) -> None:
        for service in sorted({NEED_SERVICES[n] for n in needs if n in NEED_SERVICES}):
            if not self.ok(0.6):
                continue
            referred = (self.working(assessed, 1, 15) if self.ok(0.8)
                        else self.working(assessed, 20, 35))
            referral_id = self.new_id("RF")
            self.emit(referred, "referral.made", {"referralId": referral_id, "service": service})
            if self.ok(0.6):
                self.emit(self.working(referred, 3, 15), "referral.started",
                          {"referralId": referral_id})

    def oversight(self, moment: datetime, manager: str) -> None:
        self.emit(moment, "oversight.recorded", {
            "oversightId": self.new_id("OV"), "kind": self.rng.choice(
                ("CASE_DISCUSSION", "SUPERVISION")), "managerId": manager,
            "actionsRecorded": self.ok(1.0)})

    def supervise(self, allocated: datetime, rosh: str, elevated: bool, manager: str) -> None:
        """Contact, home visits, intelligence and reviews through to the end of the window."""
        rng = self.rng
        high = rosh in ("HIGH", "VERY_HIGH")
        interval = 7 if high else 14 if rosh == "MEDIUM" else 21
        if high or rosh == "MEDIUM":
            visit = self.days(allocated, 5, 12 if high else 35) if self.ok(2.0) else self.days(
                allocated, 20 if high else 45, 60)
            self.emit(visit, "contact.recorded", {"contactId": self.new_id("CT"),
                                                  "type": "HOME_VISIT", "outcome": "ATTENDED"})
        intelligence = sorted(self.days(allocated, 20, 170) for _ in range(
            rng.choices((0, 1, 2, 3), (3, 3, 2, 1))[0]))
        reviews_due = self.days(allocated, 80 if high else 120, 110 if high else 170)
        moment = self.working(allocated, 5, 9)
        closes = self.days(allocated, 90, 170) if rng.random() < 0.15 else None
        suspended = False
        if (rosh == "LOW" and rng.random() < 0.12) or (rosh == "VERY_HIGH" and not self.ok(0.15)):
            suspend_at = self.days(allocated, 60, 120)
        else:
            suspend_at = None
        while moment < self.sim.end and (closes is None or moment < closes):
            if suspend_at is not None and moment >= suspend_at and not suspended:
                suspended = True
                self.emit(suspend_at, "supervision.suspended", {"exitPlan": self.ok(0.7)})
                moment = self.days(suspend_at, 40, 80)
                self.emit(moment, "supervision.resumed", {})
            gap = interval + rng.randint(-2, 2)
            if not self.ok(0.4):
                gap += rng.randint(interval, 3 * interval)  # slipped contact
            moment = self.days(moment, max(1, gap), max(1, gap))
            outcome = rng.choices(("ATTENDED", "FAILED_TO_ATTEND", "ACCEPTABLE_ABSENCE"),
                                  (85, 10, 5))[0]
            kind = rng.choices(("OFFICE", "TELEPHONE", "VIDEO", "HUB", "HOME_VISIT"),
                               (6, 2, 1, 1, 1 if elevated else 0))[0]
            late = rng.randint(1, 4) if rng.random() < 0.08 else 0
            self.emit(moment, "contact.recorded", {
                "contactId": self.new_id("CT"), "type": kind, "outcome": outcome,
                "structuredIntervention": rng.random() < 0.3}, delay_days=late)
            if outcome == "FAILED_TO_ATTEND":
                moment = self.working(moment, 1, 2) if self.ok(0.5) else self.working(moment, 3, 6)
                self.emit(moment, "contact.recorded", {
                    "contactId": self.new_id("CT"), "type": "TELEPHONE", "outcome": "ATTENDED"})
            while intelligence and intelligence[0] <= moment:
                self.intelligence(intelligence.pop(0), elevated)
            if moment >= reviews_due:
                self.review(moment)
                reviews_due = self.days(moment, 80 if high else 120, 110 if high else 170)
        if closes is not None:
            self.emit(closes, "case.closed", {"reason": "order completed"})

    def intelligence(self, moment: datetime, elevated: bool) -> None:
        kind = self.rng.choices(
            ("ARREST", "CHARGE", "CONVICTION", "DOMESTIC_INCIDENT", "NEW_RELATIONSHIP",
             "CHILD_CONTACT_CHANGE", "SUBSTANCE_MISUSE_INCREASE", "MENTAL_HEALTH_DECLINE",
             "ACCOMMODATION_LOSS"), (3, 1, 1, 2, 3, 2, 2, 2, 2))[0]
        source = {"ARREST": "POLICE", "CHARGE": "POLICE", "CONVICTION": "POLICE",
                  "DOMESTIC_INCIDENT": "POLICE", "CHILD_CONTACT_CHANGE": "CHILDRENS_SERVICES",
                  "SUBSTANCE_MISUSE_INCREASE": "TREATMENT_PROVIDER"}.get(kind,
                                                                       "PERSON_ON_PROBATION")
        self.emit(moment, "intelligence.received",
                  {"intelligenceId": self.new_id("IN"), "kind": kind, "source": source})
        if kind in ("NEW_RELATIONSHIP", "DOMESTIC_INCIDENT"):
            self.enquiries(moment, "CHANGE_IN_CIRCUMSTANCES", ("POLICE_DOMESTIC_ABUSE",))
        elif kind == "CHILD_CONTACT_CHANGE":
            self.enquiries(moment, "CHANGE_IN_CIRCUMSTANCES", ("CHILDRENS_SERVICES",))
        if elevated and kind in ("NEW_RELATIONSHIP", "DOMESTIC_INCIDENT",
                                 "CHILD_CONTACT_CHANGE") and self.ok(1.5):
            self.emit(self.working(moment, 2, 8), "contact.recorded", {
                "contactId": self.new_id("CT"), "type": "HOME_VISIT", "outcome": "ATTENDED"})
        if self.ok(2.0):
            self.emit(self.working(moment, 2, 9), "review.completed", {
                "reviewId": self.new_id("RV"), "personInvolved": self.ok(1.0),
                "riskOfHarmReviewed": True,
                "agencyInput": ["POLICE"] if self.ok(1.5) else [], "planUpdated": self.ok(2.2)})

    def review(self, moment: datetime) -> None:
        self.emit(moment, "review.completed", {
            "reviewId": self.new_id("RV"), "personInvolved": self.ok(1.0),
            "riskOfHarmReviewed": self.ok(1.0), "agencyInput": (
                ["POLICE", "CHILDRENS_SERVICES"] if self.ok(1.5) else []),
            "planUpdated": self.ok(2.2)})


def _spill(records: list[Record], run: IO[str]) -> Iterator[tuple[tuple[int, int], str]]:
    """Write a sorted chunk to `run`; read it back lazily as ((instant, sequence), JSON)."""
    for record in records:
        instant = (record.recorded_at - EPOCH) // timedelta(microseconds=1)  # exact, unlike floats
        run.write(f"{instant} {record.sequence} {json.dumps(record.line, separators=(',', ':'))}\n")
    records.clear()
    run.seek(0)
    return _read_run(run)


def _read_run(run: IO[str]) -> Iterator[tuple[tuple[int, int], str]]:
    for text in run:
        instant, sequence, line = text.split(" ", 2)
        yield (int(instant), int(sequence)), line


def write_jsonl(events: Iterable[dict[str, Any]], stream: IO[str]) -> int:
    count = 0
    for event in events:
        stream.write(json.dumps(event, separators=(",", ":")) + "\n")
        count += 1
    return count
