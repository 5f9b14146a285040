"""What a rule is, and what it finds on a case.

A rule is a pure function of a case's facts and the policy. It returns every breach the known
events imply, whenever they fall due: visibility against the clock, closure and the alert
lifecycle are applied afterwards by the case, so no rule reads `now`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from casewatch.engine.facts import CaseFacts
from casewatch.engine.policy import Policy
from casewatch.schemas.codes import Question, Severity

STANDARDS = {"A": "2.1", "P": "2.2", "I": "2.3", "R": "2.4"}
QUESTIONS = {"EN": Question.ENGAGING, "DS": Question.DESISTANCE, "KS": Question.KEEPING_SAFE}


@dataclass(frozen=True, slots=True)
class Finding:
    """One breach as the facts imply it: one rule, one anchor."""

    anchor: str  # unique within the case and rule; part of the deterministic alert id
    opened_at: datetime  # breach time: the deadline's, or the trigger's for immediate rules
    due: date | None  # deadline rules only
    satisfied_at: datetime | None  # first event that resolves it, if any is known
    evidence: tuple[str, ...]  # eventIds, trigger first
    details: tuple[tuple[str, str], ...] = ()  # codes and phrases for the summary; never free text


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    reads: frozenset[str]  # event types whose arrival can change this rule's findings
    find: Callable[[CaseFacts, Policy], Iterable[Finding]]
    summary: str  # str.format template: {crn}, {due}, and the finding's details
    action: str
    # Deadline rules: what must happen by the due date, for the due-soon list (SPEC §10).
    prevent: str = ""
    # Topics whose events can only satisfy this rule's deadlines, never anchor or breach them.
    # An event of such a topic at t changes nothing unless some finding is still unsatisfied or
    # satisfied at or after t (adding a satisfier only removes breaches, brings resolutions
    # forward, or at a tie changes which event is the evidence), so the case skips it otherwise.
    satisfied_by: frozenset[str] = frozenset()
    # Topics this rule reads only as they stood at or before some anchor (a response before an
    # assessment, RoSH at a plan); `latest_anchor` gives the latest such anchor. An event of
    # such a topic later than that changes nothing, so the case skips the rule.
    looks_back: frozenset[str] = frozenset()
    latest_anchor: Callable[[CaseFacts], datetime | None] = lambda facts: None

    @property
    def standard(self) -> str | None:
        return None if self.id.startswith("O-") else STANDARDS[self.id[0]]

    @property
    def question(self) -> Question | None:
        return None if self.id.startswith("O-") else QUESTIONS[self.id[2:4]]
