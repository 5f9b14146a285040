"""Oversight alerts: a manager countersigned work that falls short on keeping people safe.

These do not count towards key questions: the underlying A- and P- breaches already do.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from casewatch.engine.facts import CaseFacts, Occurrence
from casewatch.engine.policy import Policy
from casewatch.engine.rule import Finding, Rule
from casewatch.engine.rules import assessment, planning
from casewatch.engine.rules.patterns import Check, Hit, flawed_artefacts, latest_of
from casewatch.schemas.codes import Severity

E = TypeVar("E")
ARTICLED = {"assessment": "an assessment", "plan": "a plan"}


def _countersigned_flaws(
    facts: CaseFacts, artefacts: Sequence[Occurrence[E]], checks: Sequence[Check[E]], kind: str,
) -> list[Finding]:
    if not any(getattr(a.event, "detail").countersignedBy for a in artefacts):  # noqa: B009
        return []

    def flawed(f: CaseFacts, artefact: Occurrence[E]) -> bool:
        return any(check(f, artefact) is not None for check in checks)

    def check(f: CaseFacts, artefact: Occurrence[E]) -> Hit | None:
        signed: str | None = getattr(artefact.event, "detail").countersignedBy  # noqa: B009
        return ((), (("artefact", ARTICLED[kind]),)) if signed and flawed(f, artefact) else None

    clean: Callable[[CaseFacts, Occurrence[E]], bool] = lambda f, a: not flawed(f, a)  # noqa: E731
    return flawed_artefacts(facts, artefacts, check, clean=clean, anchor_prefix=f"{kind}:")


def _find(facts: CaseFacts, policy: Policy) -> Iterable[Finding]:
    yield from _countersigned_flaws(
        facts, facts.assessments,
        (assessment.check_information_used, assessment.check_risk_analysed), "assessment",
    )
    yield from _countersigned_flaws(
        facts, facts.plans, (planning.check_contingency, planning.check_victim_safety), "plan",
    )


O_KS_01 = Rule(
    id="O-KS-01",
    name="Countersigned work falls short",
    severity=Severity.MEDIUM,
    reads=frozenset({"assessment.completed", "plan.completed", "enquiry.agency_known",
                     "enquiry.usable", "risk"}),
    looks_back=frozenset({"enquiry.usable", "risk"}),
    latest_anchor=lambda facts: latest_of(facts.assessments, facts.plans),
    find=_find,
    summary="Case {crn}: a manager countersigned {artefact} that does not keep people safe.",
    action="The senior manager should raise the quality of countersigning with the manager "
    "concerned.",
)

RULES = (O_KS_01,)
